/**
 * The Node.js version gate, run before `npm start`, `npm test` and the other scripts (and by `npm install` when
 * `engine-strict` is overridden): on a Node outside `engines.node` of package.json it prints ONE line saying
 * which version is needed and how to get it, and exits 1, before any TypeScript file is loaded.
 *
 * Plain CommonJS without optional chaining, `??` or other syntax newer than Node 8, so that an old Node can
 * parse it and print the line instead of a syntax error.
 */
'use strict';

/** Splits `v22.22.2`, `22.x.x` or `22` into [major, minor, patch]; `x` and missing parts read as 0. */
function parseVersion(text) {
  const parts = String(text).trim().replace(/^v/, '').split('.');
  const out = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const n = Number.parseInt(parts[i], 10);
    out[i] = Number.isNaN(n) ? 0 : n;
  }
  return out;
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

/** Number of leading numeric parts given in a version (`22` → 1, `22.x.x` → 1, `22.14` → 2). */
function precision(text) {
  const parts = String(text).trim().replace(/^v/, '').split('.');
  let n = 0;
  while (n < parts.length && /^\d+$/.test(parts[n])) n++;
  return n;
}

/** One comparator such as `>=22.22.2`, `^22.22.2`, `~22.1`, `22`, `22.x.x`, `<24`. */
function satisfiesComparator(version, comparator) {
  const m = /^(>=|<=|>|<|=|\^|~)?\s*(v?[\dx.*]+)$/.exec(comparator);
  if (!m) throw new Error(`unsupported version comparator "${comparator}"`);
  const op = m[1] || '';
  const wanted = parseVersion(m[2]);
  const c = compare(version, wanted);
  if (op === '>=') return c >= 0;
  if (op === '>') return c > 0;
  if (op === '<=') return c <= 0;
  if (op === '<') return c < 0;
  if (op === '^') return c >= 0 && version[0] === wanted[0];
  if (op === '~') return c >= 0 && version[0] === wanted[0] && version[1] === wanted[1];
  // A bare or partial version (`22`, `22.x`, `22.14`) matches every version sharing its given parts.
  const given = precision(m[2]);
  for (let i = 0; i < given; i++) if (version[i] !== wanted[i]) return false;
  return given > 0 || m[2] === '*' || m[2] === 'x';
}

/**
 * Whether `version` (e.g. `v22.22.2`) satisfies an npm `engines` range: `||` alternatives of space-separated
 * comparators (`^22.22.2 || ^24.15.0 || >=26.0.0`, `18 || 20 || >=22`, `>= 22.x.x`, `>=v12.22.7`).
 */
function satisfies(version, range) {
  const v = parseVersion(version);
  return String(range)
    .split('||')
    .some((alternative) => {
      const comparators = alternative
        .trim()
        .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
        .split(/\s+/)
        .filter((s) => s !== '');
      if (comparators.length === 0) return true;
      return comparators.every((comparator) => satisfiesComparator(v, comparator));
    });
}

/** The one line a newcomer on the wrong Node reads. */
function message(version, range) {
  return (
    `tuanmiao needs Node.js 22.22.2 or newer (package.json engines: ${range}); this is Node.js ${version}. ` +
    'Install Node.js 22 (for example `nvm install 22 && nvm use 22`, or the official build for your system) ' +
    'and run the command again.'
  );
}

const engines = require('../package.json').engines;
const range = engines.node;

module.exports = { satisfies, message, range };

if (require.main === module) {
  const version = process.version;
  if (!satisfies(version, range)) {
    process.stderr.write(`${message(version, range)}\n`);
    process.exit(1);
  }
}
