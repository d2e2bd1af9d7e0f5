/**
 * The README's test command: lint, type-check every workspace, then every test file of the repository on
 * node's test runner (unit, real PostgreSQL/Redis/NATS, embedded default, browser), closing with one line
 * `N passed, N failed`.
 */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

function step(name: string, cmd: string, args: string[]): boolean {
  process.stdout.write(`\n== ${name}\n`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  return res.status === 0;
}

let failedSteps = 0;
if (only.length === 0) {
  if (!step('lint and format (biome)', 'npx', ['biome', 'check', '.'])) failedSteps++;
  for (const project of ['tsconfig.json', ...globSync('{*,*/test,*/k6}/tsconfig.json', { cwd: root })]) {
    if (!step(`type-check ${project}`, 'npx', ['tsc', '--noEmit', '-p', project])) failedSteps++;
  }
}

const files = (
  only.length > 0
    ? only
    : globSync(
        '{scripts,hot-path,broker-services,observability,load-tests,admin,miniprogram}/test/**/*.test.ts',
        {
          cwd: root,
        },
      )
).sort();

let passed = 0;
let failed = failedSteps;
// Two test files at a time by default: most of a file's time is spent waiting (platform start-up, servers,
// timers), so a second file fills the idle core. Every file has its own database, Redis key prefix, broker
// namespace and ports. TEST_CONCURRENCY=1 runs them one by one.
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
const stream = run({
  files: files.map((f) => (f.startsWith('/') ? f : `${root}${f}`)),
  concurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 1,
  timeout: 10 * 60_000,
});
stream.on('test:pass', (ev) => {
  if (ev.details.type !== 'suite') passed++;
});
stream.on('test:fail', (ev) => {
  if (ev.details.type !== 'suite') failed++;
});
stream.compose(spec).pipe(process.stdout);
stream.on('end', () => {
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exitCode = failed > 0 ? 1 : 0;
});
