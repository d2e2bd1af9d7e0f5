/**
 * NATS stopped for 30 s in the middle of a sale, production mode as deployed (gateway and services in two
 * processes on a NATS server of this test's own). Reservations go on throughout (their state is in Redis and
 * the gateway keeps the campaign's last definition); routes that need the bus answer 503 DEPENDENCY_UNAVAILABLE
 * at once rather than wait out the bus timeout; /readyz says the bus is down; when NATS is back everything
 * recovers without a restart and every reservation becomes exactly one order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type OwnServer, startOwnNats } from '../support/own-servers.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import {
  createLiveSeckill,
  createTestDeployment,
  liveFigures,
  type TestDeployment,
} from '../support/real-services.ts';

const SERVICES = 'users,catalog,campaigns,orders,groups,payments,admin';
const OUTAGE_MS = 30_000;
/** The client's own budget for a bus route during the outage: an answer must come before it runs out. */
const BUS_ROUTE_BUDGET_MS = 2_000;

interface Answer {
  status: number;
  body: unknown;
  retryAfter: string | null;
}

/** A request that gives up after `budgetMs`; a give-up is reported as status 0, never as an answer. */
async function within(url: string, budgetMs: number, init: RequestInit = {}): Promise<Answer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(budgetMs) });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : null,
      retryAfter: res.headers.get('retry-after'),
    };
  } catch (err) {
    if ((err as Error).name === 'TimeoutError')
      return { status: 0, body: 'client timeout', retryAfter: null };
    throw err;
  }
}

describe('a 30 s NATS outage mid-sale', () => {
  let dep: TestDeployment;
  let nats: OwnServer;
  let services: StartedPlatform;
  let gateway: StartedPlatform;

  before(async () => {
    dep = await createTestDeployment();
    nats = await startOwnNats();
    const env = { ...dep.env, NATS_URL: nats.url };
    services = await startPlatform({
      env: { ...env, SERVICES, NODE_ID: `${dep.tag}-services` },
      readyPattern: /production mode: services /,
    });
    gateway = await startPlatform({
      env: { ...env, SERVICES: 'gateway', NODE_ID: `${dep.tag}-gateway`, MIGRATE_ON_START: '0' },
    });
  });

  after(async () => {
    await gateway?.stop();
    await services?.stop();
    await nats?.dispose();
    await dep?.dispose();
  });

  test('reservations go on, bus routes fail fast with 503, all recovers when NATS returns', async (t) => {
    const base = gateway.baseUrl;
    assert.equal((await api(base, 'GET', '/readyz')).status, 200);
    const adminToken = await adminLogin(base, 'admin', dep.adminPassword);
    const campaignId = await createLiveSeckill(base, adminToken, { stockTotal: 500, perUserLimit: 1 });
    const shoppers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => devLogin(base, `nats-outage-${i}-${dep.tag}`)),
    );
    const reserve = (i: number) =>
      within(`${base}/api/seckill/${campaignId}/reservations`, 10_000, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${shoppers[i]!.token}` },
        body: JSON.stringify({ quantity: 1, requestId: `outage-request-${i}` }),
      });
    let next = 0;
    const first = await reserve(next++);
    assert.equal(first.status, 201, JSON.stringify(first.body));

    await nats.stop({ kill: true });
    const outageEnds = Date.now() + OUTAGE_MS;
    let busAnswers = 0;
    let reservedDuringOutage = 0;
    while (Date.now() < outageEnds) {
      const r = await reserve(next++);
      assert.equal(r.status, 201, `reservation ${next - 1} during the outage: ${JSON.stringify(r.body)}`);
      reservedDuringOutage++;

      const bus = await within(`${base}/api/campaigns/${campaignId}`, BUS_ROUTE_BUDGET_MS);
      assert.notEqual(bus.status, 0, `a bus route was still unanswered after ${BUS_ROUTE_BUDGET_MS} ms`);
      assert.deepEqual(
        { status: bus.status, body: bus.body },
        {
          status: 503,
          body: {
            error: {
              code: 'DEPENDENCY_UNAVAILABLE',
              message: 'A dependency is unavailable',
              retryable: true,
            },
          },
        },
      );
      assert.equal(bus.retryAfter, '1');
      busAnswers++;

      const ready = await within(`${base}/readyz`, 3_000);
      assert.equal(ready.status, 503, JSON.stringify(ready.body));
      const checks = (ready.body as { checks: Record<string, string> }).checks;
      assert.match(checks.bus ?? '', /^down/);
      assert.equal(checks.hotpath, 'ok');
      assert.equal(checks.database, 'ok');
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.ok(reservedDuringOutage >= 10 && busAnswers >= 10);

    await nats.start();
    const backAt = performance.now();
    await eventually(
      async () =>
        (await within(`${base}/api/campaigns/${campaignId}`, 5_000)).status === 200 ? true : undefined,
      30_000,
      'the bus route to answer again',
    );
    await eventually(
      async () => ((await within(`${base}/readyz`, 5_000)).status === 200 ? true : undefined),
      30_000,
      '/readyz to be ready again',
    );
    // Figures for the README's fault table, not assertions.
    t.diagnostic(
      `outage ${OUTAGE_MS / 1000} s: ${reservedDuringOutage} reservations accepted, ${busAnswers} bus answers 503; ` +
        `bus routes and /readyz back ${((performance.now() - backAt) / 1000).toFixed(1)} s after NATS returned`,
    );
    const after = await reserve(next++);
    assert.equal(after.status, 201, JSON.stringify(after.body));

    // Every acknowledged reservation is exactly one order; the stock adds up.
    const orders = await eventually(
      async () => {
        const n = await dep.sql.query<{ n: string; users: string }>(
          'select count(*) as n, count(distinct user_id) as users from orders where campaign_id = $1',
          [campaignId],
        );
        return Number(n.rows[0]!.n) === next ? n.rows[0]! : undefined;
      },
      30_000,
      `${next} orders`,
    );
    assert.equal(Number(orders.users), next);
    const live = await liveFigures(base, adminToken, campaignId);
    assert.equal(live.stockLeft, 500 - next);
    assert.equal(live.stockLeft + live.reserved + live.sold, live.stockTotal);
  });
});
