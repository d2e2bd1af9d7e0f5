import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const promDir = fileURLToPath(new URL('../prometheus/', import.meta.url));

function promtool(args: string[]): { status: number | null; output: string } {
  const res = spawnSync('promtool', args, { cwd: promDir, encoding: 'utf8' });
  if (res.error && (res.error as NodeJS.ErrnoException).code === 'ENOENT') {
    assert.fail(
      'promtool is not installed: install the Debian package `prometheus` (apt-get install prometheus), which ships promtool',
    );
  }
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

describe('Prometheus rules and config (promtool)', () => {
  test('promtool check rules accepts the alert rules', () => {
    const res = promtool(['check', 'rules', 'rules/tuanmiao.rules.yml']);
    assert.equal(res.status, 0, res.output);
    assert.match(res.output, /SUCCESS: \d+ rules found/);
  });

  test('promtool test rules: every alert fires on its fault and stays silent when healthy', () => {
    const res = promtool(['test', 'rules', 'rules/tuanmiao.rules.test.yml']);
    assert.equal(res.status, 0, res.output);
    assert.match(res.output, /SUCCESS/);
  });

  test('promtool check config accepts the example scrape config', () => {
    const res = promtool(['check', 'config', '--syntax-only', 'prometheus.yml']);
    assert.equal(res.status, 0, res.output);
  });
});
