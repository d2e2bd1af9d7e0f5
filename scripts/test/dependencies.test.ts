/**
 * The dependency checks that need no network: the lockfile pins every package with an integrity hash and agrees
 * with every package.json, each installed package's licence is on DEPENDENCIES.md's allow-list, and
 * DEPENDENCIES.md lists exactly the direct dependencies, each with why, each actually used.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const gate: { satisfies: (version: string, range: string) => boolean } = require('../require-node.cjs');

interface PackageJson {
  name?: string;
  version?: string;
  license?: string;
  licenses?: { type?: string }[];
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

interface LockEntry extends PackageJson {
  integrity?: string;
  link?: boolean;
  optional?: boolean;
  dev?: boolean;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const rootPackage = readJson<PackageJson>(join(root, 'package.json'));
const lock = readJson<{ lockfileVersion: number; packages: Record<string, LockEntry> }>(
  join(root, 'package-lock.json'),
);
const workspaces = rootPackage.workspaces ?? [];
const manifests: [string, PackageJson][] = [
  ['', rootPackage],
  ...workspaces.map((w): [string, PackageJson] => [w, readJson<PackageJson>(join(root, w, 'package.json'))]),
];
const dependencyDoc = readFileSync(join(root, 'DEPENDENCIES.md'), 'utf8');

const kinds = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

test('the lockfile pins every package with a sha512 integrity hash', () => {
  assert.equal(lock.lockfileVersion, 3);
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.link || !path.includes('node_modules/')) continue;
    if (!entry.version || !/^sha512-[A-Za-z0-9+/]+=*$/.test(entry.integrity ?? '')) missing.push(path);
  }
  assert.deepEqual(missing, [], 'locked packages without a version or a sha512 integrity');
});

test('the lockfile agrees with every package.json: same declared ranges, and each locked version fits its range', () => {
  const problems: string[] = [];
  for (const [dir, manifest] of manifests) {
    const locked = lock.packages[dir];
    if (!locked) {
      problems.push(`${dir || 'root'}: not in the lockfile`);
      continue;
    }
    for (const kind of kinds) {
      assert.deepEqual(
        locked[kind] ?? {},
        manifest[kind] ?? {},
        `${dir || 'root'} ${kind}: lockfile vs package.json`,
      );
      for (const [name, range] of Object.entries(manifest[kind] ?? {})) {
        // Node resolves from the workspace's own node_modules first, then the root's.
        const entry =
          lock.packages[`${dir ? `${dir}/` : ''}node_modules/${name}`] ??
          lock.packages[`node_modules/${name}`];
        // A workspace of this repository is linked, not locked with a version.
        if (entry?.link) continue;
        if (!entry?.version) {
          if (kind !== 'optionalDependencies' && kind !== 'peerDependencies')
            problems.push(`${name}: not locked`);
          continue;
        }
        if (!gate.satisfies(entry.version, range))
          problems.push(`${dir || 'root'}: ${name}@${entry.version} not in ${range}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

/** SPDX licence of an installed package, from `license` or the old `licenses` array. */
function licenceOf(pkg: PackageJson): string | undefined {
  if (typeof pkg.license === 'string') return pkg.license;
  const types = (pkg.licenses ?? []).map((l) => l.type).filter((t): t is string => typeof t === 'string');
  return types.length > 0 ? types.join(' OR ') : undefined;
}

function allowedLicences(): Set<string> {
  const line = dependencyDoc.split('\n').find((l) => l.startsWith('Allowed licences:'));
  assert.ok(line, 'DEPENDENCIES.md has an "Allowed licences:" line');
  const start = dependencyDoc.indexOf(line);
  const paragraph = dependencyDoc.slice(start, dependencyDoc.indexOf('\n\n', start));
  return new Set([...paragraph.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

/** Whether an SPDX expression (`MIT`, `(MIT OR Apache-2.0)`, `MIT AND ISC`) is allowed. */
function licenceAllowed(expression: string, allowed: Set<string>): boolean {
  const text = expression.replace(/[()]/g, ' ').trim();
  return text
    .split(/\s+OR\s+/)
    .some((alt) => alt.split(/\s+AND\s+/).every((part) => allowed.has(part.trim())));
}

test('licences of the installed tree are on the allow-list of DEPENDENCIES.md', () => {
  const allowed = allowedLicences();
  assert.ok(allowed.has('MIT') && !allowed.has('GPL-3.0'), 'the allow-list was read');
  assert.equal(licenceAllowed('GPL-3.0-only', allowed), false);
  assert.equal(licenceAllowed('(MIT OR GPL-3.0)', allowed), true);
  assert.equal(licenceAllowed('MIT AND GPL-3.0', allowed), false);
  const checkedByHand = new Map(
    [...dependencyDoc.matchAll(/^\| `([^`]+)`\s*\| `([^`]+)`\s*\|/gm)].map((m) => [m[1]!, m[2]!]),
  );
  const refused: string[] = [];
  let read = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    // Workspaces are linked, not installed: their licence is the root's.
    if (!path.includes('node_modules/') || entry.link) continue;
    const file = join(root, path, 'package.json');
    // Optional packages of other platforms (esbuild's, lightningcss's) are locked but not installed.
    if (!existsSync(file)) continue;
    const pkg = readJson<PackageJson>(file);
    read++;
    const licence = licenceOf(pkg) ?? checkedByHand.get(pkg.name ?? '');
    if (!licence || !licenceAllowed(licence, allowed)) refused.push(`${path}: ${licence ?? '(none)'}`);
  }
  assert.ok(read > 100, `read ${read} installed packages`);
  assert.deepEqual(refused, [], 'installed packages whose licence is not allowed');
});

interface DocRow {
  workspace: string;
  name: string;
  kind: string;
  why: string;
}

function documentedDependencies(): DocRow[] {
  const section = dependencyDoc.slice(dependencyDoc.indexOf('## Direct dependencies'));
  return [...section.matchAll(/^\| (\S+)\s+\| `([^`]+)`\s+\| (run|dev)\s+\| (.*?)\s*\|$/gm)].map((m) => ({
    workspace: m[1]!,
    name: m[2]!,
    kind: m[3]!,
    why: m[4]!,
  }));
}

test('DEPENDENCIES.md lists exactly the direct dependencies of every package.json, each with why', () => {
  const declared = manifests
    .flatMap(([dir, manifest]) => [
      ...Object.keys(manifest.dependencies ?? {}).map((name) => `${dir || 'root'} ${name} run`),
      ...Object.keys(manifest.devDependencies ?? {}).map((name) => `${dir || 'root'} ${name} dev`),
    ])
    .sort();
  const rows = documentedDependencies();
  assert.deepEqual(rows.map((r) => `${r.workspace} ${r.name} ${r.kind}`).sort(), declared);
  for (const row of rows) assert.ok(row.why.split(/\s+/).length >= 3, `${row.name}: say why it is there`);
});

/** Tools run by name rather than imported, and why. */
const usedByName: Record<string, string> = {
  '@biomejs/biome': 'the lint CLI (npx biome)',
  typescript: 'the type-check CLI (npx tsc)',
  nats: "Moleculer's NATS transporter requires it by name",
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (['node_modules', 'dist', 'miniprogram_npm', 'data', 'reports', '.git'].includes(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|cjs|js|mjs|json)$/.test(name) && name !== 'package.json') out.push(path);
  }
  return out;
}

test('every direct dependency is used by its workspace: imported, or named in its config', () => {
  const unused: string[] = [];
  for (const [dir, manifest] of manifests) {
    const files = dir ? sourceFiles(join(root, dir)) : sourceFiles(join(root, 'scripts'));
    const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const kind of ['dependencies', 'devDependencies'] as const) {
      for (const name of Object.keys(manifest[kind] ?? {})) {
        if (name.startsWith('@types/') || usedByName[name]) continue;
        const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        if (!new RegExp(`['"]${escaped}(/[^'"]*)?['"]`).test(text)) unused.push(`${dir || 'root'}: ${name}`);
      }
    }
  }
  assert.deepEqual(unused, [], 'direct dependencies nothing in their workspace uses');
});
