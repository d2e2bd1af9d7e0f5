/**
 * The bus stays typed: no service schema is cast (`as ServiceSchema`; services are built by `defineService`
 * against their contract) and no answer of a call is cast (`call(…) as …`; `call` answers the action's result
 * type). Reads the sources of the packages that reach the bus; a hit names its file and line.
 */
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../../', import.meta.url).pathname;
const CASTS = [/as ServiceSchema\b/, /call\(.*\) as /];

test('no cast on the bus: neither a service schema nor a call answer', () => {
  const files = globSync('{broker-services,hot-path}/{src,test}/**/*.ts', { cwd: root }).filter(
    (f) => !f.endsWith('no-casts.test.ts'),
  );
  assert.ok(files.length > 50, `only ${files.length} files found`);
  const hits: string[] = [];
  for (const file of files) {
    readFileSync(`${root}${file}`, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (CASTS.some((re) => re.test(line))) hits.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(hits, []);
});
