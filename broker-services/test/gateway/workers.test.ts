/**
 * `npm start` with WORKERS: gateway workers of one machine on one port, in production mode on the local
 * PostgreSQL, Redis and NATS. What must hold across the group: `/metrics` answers for every worker (exact
 * counts, whichever worker a scrape lands on), the per-user limit is the machine's and not each worker's, a
 * dead worker is replaced, and the defaults pick one worker where processes cannot share.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { ConfigError, isEmbedded, loadConfig } from '../../src/config.ts';
import { adminLogin, devLogin, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import { createLiveSeckill, createTestDeployment, type TestDeployment } from '../support/real-services.ts';

/** One request on a connection of its own, so that the primary hands each to the next worker in turn. */
function request(
  url: string,
  method: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = http.request(
      url,
      {
        method,
        agent: false,
        headers: {
          connection: 'close',
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function gatewayWorkers(primaryPid: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(primaryPid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('WORKERS defaults', () => {
  const servers = {
    DATABASE_URL: 'postgres://127.0.0.1/x',
    REDIS_URL: 'redis://127.0.0.1:6379',
    NATS_URL: 'nats://127.0.0.1:4222',
    JWT_SECRET: 'x'.repeat(32),
    ADDRESS_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
    PAYMENT_PROVIDER: 'dev',
  };

  test('one worker per core when the processes can share, one on the embedded default', () => {
    assert.equal(loadConfig(servers).workers, availableParallelism());
    assert.equal(loadConfig({ ...servers, SERVICES: 'orders,users' }).workers, 1);
    assert.equal(loadConfig({}).workers, 1);
    assert.equal(loadConfig({ ...servers, WORKERS: '3' }).workers, 3);
  });

  test('WORKERS above 1 is refused where the workers could not share state', () => {
    assert.throws(() => loadConfig({ WORKERS: '2' }), ConfigError);
    assert.throws(() => loadConfig({ ...servers, NATS_URL: '', WORKERS: '2' }), ConfigError);
    assert.throws(() => loadConfig({ ...servers, SERVICES: 'orders', WORKERS: '2' }), ConfigError);
  });

  test('a Redis Cluster (REDIS_CLUSTER_NODES) stands for REDIS_URL; both at once, or a bad seed, is refused', () => {
    const cluster = { ...servers, REDIS_URL: '', REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001' };
    const config = loadConfig({ ...cluster, WORKERS: '2' });
    assert.deepEqual(config.redisClusterNodes, ['10.0.0.1:7000', 'redis-b:7001']);
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.workers, 2);
    assert.equal(isEmbedded(loadConfig(cluster)), false);
    assert.throws(() => loadConfig({ ...cluster, REDIS_URL: servers.REDIS_URL }), /not both/);
    assert.throws(
      () => loadConfig({ ...cluster, REDIS_CLUSTER_NODES: 'redis://10.0.0.1:7000' }),
      ConfigError,
    );
    assert.throws(() => loadConfig({ ...cluster, REDIS_CLUSTER_NODES: '10.0.0.1' }), ConfigError);
  });
});

describe('a group of two gateway workers', () => {
  let dep: TestDeployment;
  let p: StartedPlatform;
  let adminToken: string;

  before(async () => {
    dep = await createTestDeployment();
    p = await startPlatform({
      env: { ...dep.env, WORKERS: '2', RATE_LIMIT_PER_USER_PER_SECOND: '4' },
      // Three processes load the whole platform at once; on a shared 2-core machine that took over two minutes.
      timeoutMs: 300_000,
    });
    adminToken = await adminLogin(p.baseUrl, 'admin', dep.adminPassword);
  });
  after(async () => {
    await p?.stop();
    await dep?.dispose();
  });

  test('runs two workers on one port, and /metrics counts every request of the group exactly', async () => {
    assert.equal(gatewayWorkers(p.child.pid!).length, 2);
    const n = 40;
    for (let i = 0; i < n; i++) assert.equal((await request(`${p.baseUrl}/api/time`, 'GET')).status, 200);
    // Each scrape lands on either worker; both must show the group's count, not their own half of it.
    for (let i = 0; i < 2; i++) {
      const metrics = await request(`${p.baseUrl}/metrics`, 'GET');
      assert.equal(metrics.status, 200);
      assert.equal(
        sample(metrics.text, 'tm_http_requests_total', 'method="GET",route="/api/time",status_code="200"'),
        n,
      );
      // Gauges every worker reads from the shared hot path are shown once, not summed.
      assert.equal(sample(metrics.text, 'tm_dependency_up', 'dependency="hotpath"'), 1);
    }
  });

  test("a shopper's per-user limit holds for the machine, whichever worker a request lands on", async () => {
    const campaignId = await createLiveSeckill(p.baseUrl, adminToken, {
      stockTotal: 1000,
      perUserLimit: 100,
    });
    const shopper = await devLogin(p.baseUrl, `wk-${Date.now()}`);
    const firstSecond = Math.floor(Date.now() / 1000);
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        request(`${p.baseUrl}/api/seckill/${campaignId}/reservations`, 'POST', {
          token: shopper.token,
          body: { quantity: 1, requestId: `wk-limit-${i}` },
        }),
      ),
    );
    const seconds = Math.floor(Date.now() / 1000) - firstSecond + 1;
    const passed = answers.filter((a) => a.status === 201).length;
    assert.ok(answers.every((a) => a.status === 201 || a.status === 429));
    // The limiter counts per clock second: 4 a second for the machine, over the seconds the burst spanned.
    assert.ok(passed <= 4 * seconds, `${passed} passed in ${seconds} s`);
    assert.ok(passed >= 1);
  });

  test('a worker that dies is replaced and the group keeps answering', async () => {
    const [victim] = gatewayWorkers(p.child.pid!);
    process.kill(victim!, 'SIGKILL');
    await eventually(
      async () => {
        const pids = gatewayWorkers(p.child.pid!);
        return pids.length === 2 && !pids.includes(victim!) ? pids : undefined;
      },
      30_000,
      'a replacement worker',
    );
    await eventually(
      async () => ((await request(`${p.baseUrl}/readyz`, 'GET')).status === 200 ? true : undefined),
      30_000,
      'the replacement to be ready',
    );
    for (let i = 0; i < 10; i++) assert.equal((await request(`${p.baseUrl}/api/time`, 'GET')).status, 200);
  });
});
