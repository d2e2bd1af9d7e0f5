/**
 * A real Prometheus (the Debian `prometheus` binary) scrapes a running platform's /metrics every second, with
 * our alert rules loaded; its HTTP API must show the target up, the gateway's request counter with the
 * requests we made, and the rule groups loaded.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually } from '../../broker-services/test/support/http.ts';
import { type StartedPlatform, startPlatform } from '../../broker-services/test/support/platform.ts';

const PROMETHEUS = '/usr/bin/prometheus';
const rulesFile = fileURLToPath(new URL('../prometheus/rules/tuanmiao.rules.yml', import.meta.url));

let platform: StartedPlatform;
let prometheus: ChildProcess | undefined;
let prometheusExited: Promise<void> | undefined;
let promOutput = '';
const dir = mkdtempSync(path.join(tmpdir(), 'tm-prom-'));
let promUrl = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function promApi<T>(p: string): Promise<T | undefined> {
  try {
    const res = await fetch(`${promUrl}${p}`);
    if (!res.ok) return undefined;
    const body = (await res.json()) as { status: string; data: T };
    return body.status === 'success' ? body.data : undefined;
  } catch {
    return undefined;
  }
}

before(async () => {
  assert.ok(existsSync(PROMETHEUS), 'install the Debian package `prometheus` (apt-get install prometheus)');
  platform = await startPlatform();
  const target = new URL(platform.baseUrl).host;
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${JSON.stringify(rulesFile)}`,
      'scrape_configs:',
      '  - job_name: tuanmiao-gateway',
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: [${JSON.stringify(target)}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (d: Buffer) => {
    promOutput += d.toString();
  });
  prometheus.stderr?.on('data', (d: Buffer) => {
    promOutput += d.toString();
  });
  const child = prometheus;
  prometheusExited = new Promise((resolve) => child.once('exit', () => resolve()));
});

after(async () => {
  if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
    prometheus.kill('SIGTERM');
    const timer = setTimeout(() => prometheus?.kill('SIGKILL'), 10_000);
    await prometheusExited;
    clearTimeout(timer);
  }
  await platform?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Target {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

test('Prometheus scrapes the gateway: target up, tm_http_requests_total present, rules loaded', async () => {
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${platform.baseUrl}/api/time`);
    assert.equal(res.status, 200);
  }

  const target = await eventually(
    async () => {
      const data = await promApi<{ activeTargets: Target[] }>('/api/v1/targets');
      const t = data?.activeTargets.find((x) => x.labels.job === 'tuanmiao-gateway');
      return t?.health === 'up' ? t : undefined;
    },
    30_000,
    `the gateway target to be up in Prometheus\n${promOutput}`,
  );
  assert.equal(target.scrapeUrl, `${platform.baseUrl}/metrics`);
  assert.equal(target.lastError, '');

  const series = await eventually(
    async () => {
      const data = await promApi<{
        resultType: string;
        result: { metric: Record<string, string>; value: [number, string] }[];
      }>(`/api/v1/query?query=${encodeURIComponent('tm_http_requests_total')}`);
      const time = data?.result.find((r) => r.metric.route === '/api/time' && r.metric.status_code === '200');
      return time && Number(time.value[1]) >= 5 ? data : undefined;
    },
    30_000,
    'tm_http_requests_total{route="/api/time"} >= 5 in Prometheus',
  );
  assert.equal(series.resultType, 'vector');
  for (const r of series.result) {
    assert.equal(r.metric.job, 'tuanmiao-gateway');
    assert.equal(r.metric.__name__, 'tm_http_requests_total');
  }

  const up = await promApi<{ result: { value: [number, string] }[] }>(
    `/api/v1/query?query=${encodeURIComponent('up{job="tuanmiao-gateway"}')}`,
  );
  assert.equal(up?.result[0]?.value[1], '1');

  const rules = await promApi<{ groups: { name: string; rules: { health: string }[] }[] }>('/api/v1/rules');
  assert.ok(rules && rules.groups.length > 0, 'our alert rules are loaded');
  assert.ok(rules.groups.every((g) => g.rules.length > 0));
});
