/**
 * Faults at platform level, in production mode (gateway and services as two processes over NATS, real
 * PostgreSQL and Redis): the services process killed outright while a burst of reservations settles, and the
 * hot state lost mid-campaign. Invariants only: every accepted reservation becomes exactly one order; nothing
 * oversells; no shopper goes over the limit; stock left + live units = total; stock returns exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import {
  createLiveSeckill,
  createTestDeployment,
  liveFigures,
  type TestDeployment,
} from '../support/real-services.ts';

const SERVICES = 'users,catalog,campaigns,orders,groups,payments,admin';

interface Reserved {
  status: number;
  body: { reservation?: { id: string }; error?: { code: string } };
}

describe('platform faults on real Redis', () => {
  let dep: TestDeployment;
  let services: StartedPlatform;
  let gateway: StartedPlatform;
  let adminToken: string;

  const startServices = () =>
    startPlatform({
      env: { ...dep.env, SERVICES, NODE_ID: `${dep.tag}-services-${Date.now()}` },
      readyPattern: /production mode: services /,
    });
  const startGateway = () =>
    startPlatform({
      env: {
        ...dep.env,
        SERVICES: 'gateway',
        NODE_ID: `${dep.tag}-gateway-${Date.now()}`,
        MIGRATE_ON_START: '0',
      },
    });

  before(async () => {
    dep = await createTestDeployment();
    services = await startServices();
    gateway = await startGateway();
    adminToken = await adminLogin(gateway.baseUrl, 'admin', dep.adminPassword);
  });

  after(async () => {
    await gateway?.stop();
    await services?.stop();
    await dep?.dispose();
  });

  /** Waits until the gateway reaches the (restarted) services again over the bus. */
  const servedAgain = () =>
    eventually(
      async () => ((await api(gateway.baseUrl, 'GET', '/api/campaigns')).status === 200 ? true : undefined),
      30_000,
      'the gateway to reach the services',
    );

  const reserve = (token: string, campaignId: string, requestId: string, quantity = 1) =>
    api(gateway.baseUrl, 'POST', `/api/seckill/${campaignId}/reservations`, {
      token,
      body: { quantity, requestId },
    }) as Promise<Reserved>;

  async function ordersOf(campaignId: string) {
    return (
      await dep.sql.query<{
        id: string;
        reservation_id: string;
        user_id: string;
        quantity: number;
        status: string;
      }>('select id, reservation_id, user_id, quantity, status from orders where campaign_id = $1', [
        campaignId,
      ])
    ).rows;
  }

  test('SIGKILL of the services process mid-burst: orders == accepted reservations, no duplicate', async () => {
    const campaignId = await createLiveSeckill(gateway.baseUrl, adminToken, {
      stockTotal: 40,
      perUserLimit: 1,
    });
    const users = await Promise.all(
      Array.from({ length: 60 }, (_, i) => devLogin(gateway.baseUrl, `burst-${i}-${dep.tag}`)),
    );
    // The gateway keeps taking reservations straight into Redis while the services process is down (its
    // campaign cache answers for a second); settlement resumes from the stream when it is back.
    let answered = 0;
    let killed: Promise<void> | undefined;
    const results = await Promise.all(
      users.map(async (u, i) => {
        const r = await reserve(u.token, campaignId, `burst-req-${i}`);
        answered++;
        if (answered === 10) killed = services.kill();
        // A shopper retries a request that failed on infrastructure with the same requestId.
        if (r.status >= 500) return reserve(u.token, campaignId, `burst-req-${i}`);
        return r;
      }),
    );
    await killed;
    const accepted = results.filter((r) => r.status === 201).map((r) => r.body.reservation!.id);
    const refused = results.filter((r) => r.status === 409).map((r) => r.body.error!.code);
    assert.ok(accepted.length <= 40);
    assert.ok(
      refused.every((c) => c === 'SOLD_OUT'),
      refused.join(),
    );

    services = await startServices();
    await servedAgain();
    const orders = await eventually(
      async () => {
        const rows = await ordersOf(campaignId);
        return rows.length >= accepted.length ? rows : undefined;
      },
      30_000,
      'every accepted reservation to settle',
    );
    assert.deepEqual(orders.map((o) => o.reservation_id).sort(), [...accepted].sort());
    assert.equal(new Set(orders.map((o) => o.user_id)).size, orders.length);
    // Orders the killed process committed but never acknowledged are acknowledged once the new one reclaims its
    // entries (after the dead consumer's lease): the stream empties after the orders are all there.
    const live = await eventually(
      async () => {
        const figures = await liveFigures(gateway.baseUrl, adminToken, campaignId);
        return figures.unsettled === 0 ? figures : undefined;
      },
      30_000,
      'the stream to be acknowledged',
    );
    assert.equal(live.unsettled, 0);
    assert.equal(live.ordersPending, accepted.length);
    assert.equal(live.stockLeft + live.reserved + live.sold, live.stockTotal);
    assert.equal(live.stockLeft, 40 - accepted.length);
  });

  test('hot state lost mid-campaign and the platform restarted: rebuilt from PostgreSQL, never oversold', async () => {
    const stockTotal = 12;
    const perUserLimit = 2;
    const campaignId = await createLiveSeckill(gateway.baseUrl, adminToken, { stockTotal, perUserLimit });
    const users = await Promise.all(
      Array.from({ length: 10 }, (_, i) => devLogin(gateway.baseUrl, `lost-${i}-${dep.tag}`)),
    );
    // Before the loss: users 0–3 take 2 each; user 0 cancels one order twice.
    const firstOrders: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await reserve(users[i]!.token, campaignId, `lost-before-${i}`, 2);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    await eventually(async () => ((await ordersOf(campaignId)).length === 4 ? true : undefined));
    for (const o of await ordersOf(campaignId)) if (o.user_id === users[0]!.userId) firstOrders.push(o.id);
    for (let k = 0; k < 2; k++) {
      const c = await api<{ status: string }>(
        gateway.baseUrl,
        'POST',
        `/api/orders/${firstOrders[0]}/cancel`,
        {
          token: users[0]!.token,
        },
      );
      assert.equal(c.status, 200);
      assert.equal(c.body.status, 'cancelled');
    }
    let live = await liveFigures(gateway.baseUrl, adminToken, campaignId);
    assert.equal(live.stockLeft, stockTotal - 6);
    assert.equal(live.stockLeft + live.reserved + live.sold, stockTotal);

    // Redis loses everything of this deployment; the platform restarts.
    assert.ok((await dep.flushRedis()) > 0);
    await gateway.stop();
    await services.stop();
    services = await startServices();
    gateway = await startGateway();
    await servedAgain();
    live = await liveFigures(gateway.baseUrl, adminToken, campaignId);
    assert.equal(live.stockLeft, stockTotal - 6);

    // Users 1–3 are at the limit still; everyone keeps reserving until sold out.
    const atLimit = await reserve(users[1]!.token, campaignId, 'lost-after-limit', 1);
    assert.equal(atLimit.status, 409);
    assert.equal(atLimit.body.error!.code, 'LIMIT_EXCEEDED');
    let soldOut = false;
    for (let round = 0; round < 3 && !soldOut; round++) {
      const answers = await Promise.all(
        users.map((u, i) => reserve(u.token, campaignId, `lost-after-${round}-${i}`, 1)),
      );
      for (const a of answers) {
        assert.ok(a.status === 201 || a.status === 409, JSON.stringify(a.body));
        if (a.status === 409) assert.ok(['SOLD_OUT', 'LIMIT_EXCEEDED'].includes(a.body.error!.code));
      }
      soldOut = answers.some((a) => a.body.error?.code === 'SOLD_OUT');
    }
    assert.ok(soldOut, 'the campaign sells out');
    await eventually(
      async () =>
        (await liveFigures(gateway.baseUrl, adminToken, campaignId)).unsettled === 0 ? true : undefined,
      20_000,
      'settlement to drain',
    );

    const orders = (await ordersOf(campaignId)).filter((o) => o.status !== 'cancelled');
    const units = orders.reduce((a, o) => a + Number(o.quantity), 0);
    assert.equal(units, stockTotal, 'sold out exactly, never over');
    const perUser = new Map<string, number>();
    for (const o of orders) perUser.set(o.user_id, (perUser.get(o.user_id) ?? 0) + Number(o.quantity));
    assert.ok(
      [...perUser.values()].every((n) => n <= perUserLimit),
      JSON.stringify([...perUser]),
    );
    assert.equal(new Set(orders.map((o) => o.reservation_id)).size, orders.length);
    live = await liveFigures(gateway.baseUrl, adminToken, campaignId);
    assert.equal(live.stockLeft, 0);
    assert.equal(live.stockLeft + live.reserved + live.sold, stockTotal);
  });
});
