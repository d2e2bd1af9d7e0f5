/**
 * The shipped scrape config against production mode as deployed: the gateway (`SERVICES=gateway`) and the
 * services in two processes over NATS, each serving its own /metrics. A real Prometheus loads
 * `prometheus/prometheus.yml` (only its targets, rule path and intervals replaced) and must see both targets
 * up; when PostgreSQL holds more live units than a campaign's total (the state an oversell leaves), the
 * services process's reconciliation sets tm_oversold_units and TuanmiaoOversold fires.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { adminLogin, api, devLogin, eventually } from '../../broker-services/test/support/http.ts';
import { type StartedPlatform, startPlatform } from '../../broker-services/test/support/platform.ts';
import {
  createLiveSeckill,
  createTestDeployment,
  freePort,
  type TestDeployment,
} from '../../broker-services/test/support/real-services.ts';

const PROMETHEUS = '/usr/bin/prometheus';
const promDir = fileURLToPath(new URL('../prometheus/', import.meta.url));
const SERVICES = 'users,catalog,campaigns,orders,groups,payments,admin';

let dep: TestDeployment;
let services: StartedPlatform;
let gateway: StartedPlatform;
let prometheus: ChildProcess | undefined;
let prometheusExited: Promise<void> | undefined;
let promOutput = '';
const dir = mkdtempSync(path.join(tmpdir(), 'tm-prom2-'));
let promUrl = '';

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

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
const query = (q: string) => promApi<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(q)}`);

before(async () => {
  assert.ok(existsSync(PROMETHEUS), 'install the Debian package `prometheus` (apt-get install prometheus)');
  dep = await createTestDeployment();
  const metricsPort = await freePort();
  services = await startPlatform({
    env: {
      ...dep.env,
      SERVICES,
      NODE_ID: `${dep.tag}-services`,
      METRICS_PORT: String(metricsPort),
      RECONCILE_INTERVAL_SECONDS: '1',
    },
    readyPattern: /metrics {2}http:\/\/\S+/,
  });
  assert.equal(services.metricsUrl, `http://127.0.0.1:${metricsPort}/metrics`);
  gateway = await startPlatform({
    env: { ...dep.env, SERVICES: 'gateway', NODE_ID: `${dep.tag}-gateway`, MIGRATE_ON_START: '0' },
  });

  const shipped = readFileSync(path.join(promDir, 'prometheus.yml'), 'utf8');
  assert.match(shipped, /"127\.0\.0\.1:3000"/);
  assert.match(shipped, /"127\.0\.0\.1:9464"/);
  const config = shipped
    .replace('"127.0.0.1:3000"', JSON.stringify(new URL(gateway.baseUrl).host))
    .replace('"127.0.0.1:9464"', JSON.stringify(`127.0.0.1:${metricsPort}`))
    .replace('rules/tuanmiao.rules.yml', path.join(promDir, 'rules/tuanmiao.rules.yml'))
    .replace(/scrape_interval: 15s/, 'scrape_interval: 1s')
    .replace(/evaluation_interval: 15s/, 'evaluation_interval: 1s')
    .replace(/scrape_timeout: 5s/, 'scrape_timeout: 1s');
  const file = path.join(dir, 'prometheus.yml');
  writeFileSync(file, config);
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${file}`,
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
  await gateway?.stop();
  await services?.stop();
  await dep?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('the shipped scrape config reaches both processes; an oversell shows on the services target and fires the alert', async () => {
  const ups = await eventually(
    async () => {
      const up = await query('up');
      const byJob = new Map(up?.result.map((r) => [r.metric.job, r.value[1]]) ?? []);
      return byJob.get('tuanmiao-gateway') === '1' && byJob.get('tuanmiao-services') === '1'
        ? byJob
        : undefined;
    },
    30_000,
    `both targets up in Prometheus\n${promOutput}`,
  );
  assert.equal(ups.size, 2);

  const base = gateway.baseUrl;
  const adminToken = await adminLogin(base, 'admin', dep.adminPassword);
  const campaignId = await createLiveSeckill(base, adminToken, { stockTotal: 3, perUserLimit: 1 });
  for (const name of ['ann', 'ben']) {
    const shopper = await devLogin(base, `${name}-${dep.tag}`);
    const r = await api(base, 'POST', `/api/seckill/${campaignId}/reservations`, {
      token: shopper.token,
      body: { quantity: 1, requestId: `${name}-request-01` },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  await eventually(
    async () => {
      const n = await dep.sql.query<{ n: string }>(
        'select count(*) as n from orders where campaign_id = $1',
        [campaignId],
      );
      return Number(n.rows[0]!.n) === 2 ? true : undefined;
    },
    20_000,
    'both reservations settled into orders',
  );
  const healthy = await eventually(
    async () => {
      const r = await query(`tm_oversold_units{campaign_id="${campaignId}"}`);
      return r?.result[0];
    },
    30_000,
    'the oversold gauge of the new campaign scraped from the services process',
  );
  assert.equal(healthy.metric.job, 'tuanmiao-services');
  assert.equal(healthy.value[1], '0');

  // Two live orders against a total of one: what PostgreSQL holds after an oversell.
  await dep.sql.query('update campaigns set stock_total = 1 where id = $1', [campaignId]);
  const oversold = await eventually(
    async () => {
      const r = await query(`tm_oversold_units{campaign_id="${campaignId}"} > 0`);
      return r?.result[0];
    },
    30_000,
    'tm_oversold_units > 0 in Prometheus',
  );
  assert.equal(oversold.metric.job, 'tuanmiao-services');
  assert.equal(oversold.value[1], '1');
  const alert = await eventually(
    async () => {
      const r = await query(
        `ALERTS{alertname="TuanmiaoOversold",alertstate="firing",campaign_id="${campaignId}"}`,
      );
      return r?.result[0];
    },
    30_000,
    'TuanmiaoOversold firing',
  );
  assert.equal(alert.metric.severity, 'critical');

  // The gateway's own /metrics carries only the description of the gauge: it is not where it is set.
  const gatewayText = await (await fetch(`${base}/metrics`)).text();
  assert.doesNotMatch(gatewayText, new RegExp(`tm_oversold_units\\{campaign_id="${campaignId}"\\}`));
});
