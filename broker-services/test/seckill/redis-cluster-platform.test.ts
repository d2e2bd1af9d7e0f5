/**
 * The platform on a real Redis Cluster (three masters with a replica each, started by this test): with
 * REDIS_CLUSTER_NODES set and no REDIS_URL, campaigns spread over the masters by their hash tag, each campaign's
 * keys stay on its one master, reservations keep their limits and idempotency and settle into PostgreSQL through
 * the cluster's streams, and the per-IP rate limit and the waiting room's arrival counter live on the cluster.
 * A REDIS_URL naming one node of the cluster works the same: the platform finds it runs in cluster mode.
 * (The store's own failover under a burst is hot-path/test/cluster-failover.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { type LocalRedisCluster, startRedisCluster } from '../../../hot-path/test/redis-cluster.ts';
import { adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import {
  createLiveSeckill,
  createTestDeployment,
  liveFigures,
  type TestDeployment,
} from '../support/real-services.ts';

const STOCK = 12;
const SHOPPERS = 18;

async function keysOn(port: number, pattern: string): Promise<string[]> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    return await r.keys(pattern);
  } finally {
    r.disconnect();
  }
}

describe('the platform on a Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  let dep: TestDeployment;
  let cluster: LocalRedisCluster;
  let platform: StartedPlatform;

  before(async () => {
    dep = await createTestDeployment();
    cluster = await startRedisCluster();
    const { REDIS_URL: _single, ...env } = dep.env;
    platform = await startPlatform({
      env: { ...env, REDIS_CLUSTER_NODES: cluster.seeds.join(','), RECONCILE_INTERVAL_SECONDS: '5' },
    });
  });

  after(async () => {
    if (process.env.SHOW_OUTPUT) console.log(platform?.output());
    await platform?.stop();
    await cluster?.stop();
    await dep?.dispose();
  });

  test('campaigns spread over the masters; limits, idempotency and settlement hold; rate limit and waiting room on the cluster', async () => {
    const base = platform.baseUrl;
    const ready = await api<{ status: string }>(base, 'GET', '/readyz');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    const adminToken = await adminLogin(base, 'admin', dep.adminPassword);

    // Campaigns until two masters hold one each (ids are random; three masters make that quick).
    const campaigns: Array<{ id: string; master: number }> = [];
    while (campaigns.length < 3 || new Set(campaigns.map((c) => c.master)).size < 2) {
      assert.ok(campaigns.length < 10, 'ten campaigns all landed on one master');
      const id = await createLiveSeckill(base, adminToken, { stockTotal: STOCK, perUserLimit: 1 });
      const master = await cluster.masterPortFor(`${dep.redisKeyPrefix}tm:{c:${id}}:meta`);
      campaigns.push({ id, master });
    }
    // A rush on every campaign at once: more shoppers than stock, each asking twice under two request ids and
    // retrying the first one.
    const shoppers = await Promise.all(
      Array.from({ length: SHOPPERS }, (_, i) => devLogin(base, `cluster-${i}-${dep.tag}`)),
    );
    const reserve = (campaignId: string, token: string, requestId: string) =>
      api<{ id?: string; error?: { code: string } }>(
        base,
        'POST',
        `/api/seckill/${campaignId}/reservations`,
        {
          token,
          body: { quantity: 1, requestId },
        },
      );
    for (const c of campaigns) {
      const answers = await Promise.all(
        shoppers.map(async (s, i) => {
          const first = await reserve(c.id, s.token, `cluster-${i}-first`);
          const second = await reserve(c.id, s.token, `cluster-${i}-second`);
          const retry = await reserve(c.id, s.token, `cluster-${i}-first`);
          return { first, second, retry };
        }),
      );
      const won = answers.filter((a) => a.first.status === 201);
      assert.equal(won.length, STOCK, `exactly the stock was sold on campaign ${c.id}`);
      for (const a of answers) {
        assert.ok(
          a.first.status === 201 || a.first.body.error?.code === 'SOLD_OUT',
          JSON.stringify(a.first.body),
        );
        // Nobody holds two: the winner's second request is over the limit, a loser's finds it sold out.
        assert.equal(a.second.status, 409, JSON.stringify(a.second.body));
        assert.ok(['LIMIT_EXCEEDED', 'SOLD_OUT'].includes(a.second.body.error?.code ?? ''));
        // The retry of the first request replays it: the same reservation, or the same refusal.
        assert.equal(a.retry.status, a.first.status);
        if (a.first.status === 201) assert.equal(a.retry.body.id, a.first.body.id);
      }
    }

    // Settlement through each campaign's stream on its master: one order per sold unit, nothing left unsettled,
    // and left + reserved + sold = total.
    for (const c of campaigns) {
      await eventually(
        async () => {
          const orders = await dep.sql.query('select count(*)::int as n from orders where campaign_id = $1', [
            c.id,
          ]);
          const f = await liveFigures(base, adminToken, c.id);
          return orders.rows[0].n === STOCK && f.unsettled === 0 ? f : undefined;
        },
        30_000,
        `campaign ${c.id} settled`,
      ).then((f) => {
        assert.equal(f.stockLeft, 0);
        assert.equal(f.stockLeft + f.reserved + f.sold, f.stockTotal);
      });
    }

    // Every key of a campaign is on its master (one hash tag, one slot): its metadata, its holdings and its
    // stream at least, once it has sold.
    for (const c of campaigns) {
      const keys = await keysOn(c.master, `${dep.redisKeyPrefix}*{c:${c.id}}*`);
      assert.ok(keys.length >= 3, `campaign ${c.id} has its keys on master ${c.master}: ${keys}`);
    }

    // The per-IP rate limit counts on the cluster (one key per client address, on whichever master owns it).
    const masters = new Set<number>();
    for (const port of cluster.seeds.map((s) => Number(s.split(':')[1]))) {
      const info = await keysOn(port, `${dep.redisKeyPrefix}tm:rl:ip:*`).catch(() => []);
      if (info.length > 0) masters.add(port);
    }
    assert.ok(masters.size >= 1, 'the per-IP counters live on the cluster');

    // The waiting room: at 2 admissions a second, a burst of 10 is mostly queued, and its counter is on the
    // campaign's master.
    const wr = campaigns[0]!;
    const set = await api(base, 'PUT', `/api/admin/campaigns/${wr.id}/waiting-room`, {
      token: adminToken,
      body: { enabled: true, admissionRatePerSecond: 2 },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const startedSecond = Math.floor(Date.now() / 1000);
    const burst = await Promise.all(
      shoppers.slice(0, 10).map((s) =>
        api<{ token?: string; error?: { code: string } }>(base, 'POST', `/api/campaigns/${wr.id}/admission`, {
          token: s.token,
        }),
      ),
    );
    const seconds = Math.floor(Date.now() / 1000) - startedSecond + 1;
    const admitted = burst.filter((r) => r.status === 200).length;
    const queued = burst.filter((r) => r.status === 429 && r.body.error?.code === 'QUEUED').length;
    assert.equal(admitted + queued, 10);
    assert.ok(admitted >= 1 && admitted <= 2 * seconds, `${admitted} admitted over ${seconds} s at 2/s`);
    assert.ok(queued >= 10 - 2 * seconds);
    const counters = await keysOn(wr.master, `tm:{c:${wr.id}}:adm:*`);
    assert.ok(counters.length >= 1, 'the arrival counter is on the campaign master');
  });

  test('a REDIS_URL naming one node of the cluster: the platform talks to the whole cluster', async () => {
    await platform.stop();
    const { REDIS_URL: _single, ...env } = dep.env;
    platform = await startPlatform({
      env: { ...env, REDIS_URL: `redis://${cluster.seeds[0]}`, RECONCILE_INTERVAL_SECONDS: '5' },
    });
    const base = platform.baseUrl;
    const ready = await api<{ status: string }>(base, 'GET', '/readyz');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    const adminToken = await adminLogin(base, 'admin', dep.adminPassword);
    const shopper = await devLogin(base, `cluster-url-${dep.tag}`);
    // Campaigns on at least two masters: a client of the one node named would get MOVED for the others' keys.
    const masters = new Set<number>();
    for (let i = 0; masters.size < 2; i++) {
      assert.ok(i < 10, 'ten campaigns all landed on one master');
      const id = await createLiveSeckill(base, adminToken, { stockTotal: 2, perUserLimit: 1 });
      const master = await cluster.masterPortFor(`${dep.redisKeyPrefix}tm:{c:${id}}:meta`);
      masters.add(master);
      const r = await api(base, 'POST', `/api/seckill/${id}/reservations`, {
        token: shopper.token,
        body: { quantity: 1, requestId: `cluster-url-${i}` },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await eventually(
        async () => {
          const f = await liveFigures(base, adminToken, id);
          return f.sold + f.reserved === 1 && f.unsettled === 0 ? f : undefined;
        },
        30_000,
        `campaign ${id} settled`,
      );
    }
  });
});
