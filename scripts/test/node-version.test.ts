/**
 * The Node.js version gate (`scripts/require-node.cjs`): README, `engines`, `.npmrc` and every locked package's
 * own `engines` agree, every script that runs TypeScript goes through the gate, and on an older Node the gate
 * prints one line naming the version needed before anything else runs.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const gate: {
  satisfies: (version: string, range: string) => boolean;
  message: (version: string, range: string) => string;
  range: string;
} = require('../require-node.cjs');

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};

test('satisfies reads the range forms found in the lockfile', () => {
  const cases: [string, string, boolean][] = [
    ['v22.22.2', '^22.22.2 || ^24.15.0 || >=26.0.0', true],
    ['v22.22.1', '^22.22.2 || ^24.15.0 || >=26.0.0', false],
    ['v24.14.0', '^22.22.2 || ^24.15.0 || >=26.0.0', false],
    ['v24.15.0', '^22.22.2 || ^24.15.0 || >=26.0.0', true],
    ['v26.1.0', '^22.22.2 || ^24.15.0 || >=26.0.0', true],
    ['v20.20.2', '^22.22.2 || ^24.15.0 || >=26.0.0', false],
    ['v23.0.0', '^22.22.2 || ^24.15.0 || >=26.0.0', false],
    ['v20.1.0', '18 || 20 || >=22', true],
    ['v21.1.0', '18 || 20 || >=22', false],
    ['v22.1.0', '>= 22.x.x', true],
    ['v21.9.0', '>= 22.x.x', false],
    ['v12.22.7', '>=v12.22.7', true],
    ['v20.18.0', '^20.19.0 || >=22.12.0', false],
    ['v22.12.0', '^20.19.0 || >=22.12.0', true],
    ['v22.5.0', '>=18.0.0 <23', true],
    ['v23.5.0', '>=18.0.0 <23', false],
    ['v22.22.2', '*', true],
  ];
  for (const [version, range, want] of cases)
    assert.equal(gate.satisfies(version, range), want, `${version} ${range}`);
});

test('engines, the gate, .npmrc and the README name the same Node.js', () => {
  assert.equal(gate.range, pkg.engines.node);
  assert.equal(pkg.engines.node, '^22.22.2 || ^24.15.0 || >=26.0.0');
  assert.match(readFileSync(join(root, '.npmrc'), 'utf8'), /^engine-strict=true$/m);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  assert.match(readme, /Node\.js 22\.22\.2 or newer/);
  assert.doesNotMatch(readme, /Node\.js 22 or newer/);
  assert.ok(gate.satisfies(process.version, pkg.engines.node), `this test runs on ${process.version}`);
});

test('the lowest version of each alternative of engines satisfies every locked package that states engines', () => {
  const lowest = ['22.22.2', '24.15.0', '26.0.0'];
  const refused: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
    if (!range) continue;
    for (const version of lowest)
      if (!gate.satisfies(version, range)) refused.push(`${path} wants ${range}: ${version}`);
  }
  assert.deepEqual(refused, []);
});

test('every npm script that runs a TypeScript file passes the gate first', () => {
  for (const [name, command] of Object.entries(pkg.scripts)) {
    if (!/\.ts\b/.test(command)) continue;
    if (name === 'postinstall') continue; // preinstall ran the gate already (and engine-strict stops npm before it)
    assert.ok(
      command.startsWith('node scripts/require-node.cjs && '),
      `npm run ${name} passes the gate: ${command}`,
    );
  }
  assert.equal(pkg.scripts.preinstall, 'node scripts/require-node.cjs');
});

/** An installed Node.js older than the engines range (the machine's default here is 20), if any. */
function olderNode(): string | undefined {
  const candidates = ['/usr/bin/node', '/usr/local/bin/node'];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
    if (!gate.satisfies(version, pkg.engines.node)) return candidate;
  }
  return undefined;
}

const old = olderNode();

test('on an older Node.js, npm start and npm test print one line naming the version, and nothing else runs', {
  skip: old ? false : 'no Node.js older than the engines range on this machine',
}, () => {
  const node = old!;
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const direct = spawnSync(node, ['scripts/require-node.cjs'], { cwd: root, encoding: 'utf8' });
  assert.equal(direct.status, 1);
  assert.equal(direct.stdout, '');
  assert.equal(direct.stderr, `${gate.message(version, pkg.engines.node)}\n`);
  assert.match(direct.stderr, /needs Node\.js 22\.22\.2 or newer .* this is Node\.js v\d+/);

  const npm = join(dirname(node), 'npm');
  if (!existsSync(npm)) return;
  for (const script of ['start', 'test']) {
    const res = spawnSync(npm, ['run', '--silent', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dirname(node)}:/usr/bin:/bin` },
      timeout: 60_000,
    });
    assert.equal(res.status, 1, `npm ${script} on ${version}: ${res.stderr}`);
    const lines = res.stderr.split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines[0], gate.message(version, pkg.engines.node));
    assert.doesNotMatch(res.stderr, /ERR_UNKNOWN_FILE_EXTENSION|EBADENGINE/);
  }
});
