/**
 * The bus stays typed: no service schema is cast to Moleculer's schema type (services are built by
 * `defineService` against their contract) and no answer of a call is cast (`call` answers the action's result
 * type). Reads the sources of the packages that reach the bus; a hit names its file and line. The patterns are
 * assembled below so that this file does not match them itself.
 */
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../../', import.meta.url).pathname;
const CASTS = [new RegExp(`as ${'Service'}Schema\\b`), new RegExp(`call\\(.*\\) ${'as'} `)];

test('no cast on the bus: neither a service schema nor a call answer', () => {
  const files = globSync('{broker-services,hot-path}/{src,test}/**/*.ts', { cwd: root });
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
