import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('the k6 scripts type-check against @types/k6', () => {
  const scripts = readdirSync(new URL('../k6/', import.meta.url)).filter((f) => f.endsWith('.ts'));
  for (const name of ['seckill-spike.ts', 'groupbuy-join-storm.ts', 'browse-mix.ts', 'soak.ts']) {
    assert.ok(scripts.includes(name), name);
  }
  const res = spawnSync('npx', ['tsc', '--noEmit', '-p', 'load-tests/k6/tsconfig.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(res.status, 0, `${res.stdout}${res.stderr}`);
});
