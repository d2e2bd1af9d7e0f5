/**
 * Production mode as deployed: the gateway and the services in two processes that only meet on NATS, with
 * PostgreSQL and Redis shared. The whole shopper path works across them (login, campaigns, admin creates a
 * campaign, reserve, settle, pay with the dev provider, cancel returns stock), and a set but unreachable
 * dependency stops start-up with a message naming it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addAddress, adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import {
  createLiveSeckill,
  createTestDeployment,
  liveFigures,
  type TestDeployment,
} from '../support/real-services.ts';

const SERVICES = 'users,catalog,campaigns,orders,groups,payments,admin,addresses,cart,fulfilment';

interface Reservation {
  id: string;
  campaignId: string;
  quantity: number;
  status: string;
  orderId?: string;
}
interface Order {
  id: string;
  status: string;
  campaignId: string;
  totalFen: number;
  paidAt?: string;
}

describe('production mode: gateway and services in two processes over NATS', () => {
  let dep: TestDeployment;
  let services: StartedPlatform;
  let gateway: StartedPlatform;

  before(async () => {
    dep = await createTestDeployment();
    // The services process migrates; the gateway, started after it, finds the schema current.
    services = await startPlatform({
      env: { ...dep.env, SERVICES, NODE_ID: `${dep.tag}-services` },
      readyPattern: /production mode: services /,
    });
    gateway = await startPlatform({
      env: { ...dep.env, SERVICES: 'gateway', NODE_ID: `${dep.tag}-gateway`, MIGRATE_ON_START: '0' },
    });
  });

  after(async () => {
    await gateway?.stop();
    await services?.stop();
    await dep?.dispose();
  });

  test('the same API works through NATS: reserve, settle, pay, cancel', async () => {
    const base = gateway.baseUrl;
    const ready = await api(base, 'GET', '/readyz');
    assert.equal(ready.status, 200);

    const adminToken = await adminLogin(base, 'admin', dep.adminPassword);
    const campaignId = await createLiveSeckill(base, adminToken, { stockTotal: 5, perUserLimit: 2 });

    const list = await api<{ items: { id: string; stockLeft: number }[] }>(
      base,
      'GET',
      '/api/campaigns?type=seckill',
    );
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((c) => [c.id, c.stockLeft]),
      [[campaignId, 5]],
    );

    const alice = await devLogin(base, `alice-${dep.tag}`);
    const bob = await devLogin(base, `bob-${dep.tag}`);

    const reserve = (token: string, requestId: string, quantity = 1) =>
      api<{ reservation: Reservation }>(base, 'POST', `/api/seckill/${campaignId}/reservations`, {
        token,
        body: { quantity, requestId },
      });
    const settled = (token: string, id: string) =>
      eventually(
        async () => {
          const r = await api<Reservation>(base, 'GET', `/api/reservations/${id}`, { token });
          return r.body.orderId;
        },
        20_000,
        `reservation ${id} to settle`,
      );

    const a = await reserve(alice.token, 'alice-req-0001', 2);
    assert.equal(a.status, 201, JSON.stringify(a.body));
    // A retry of the same request is the same reservation.
    const again = await reserve(alice.token, 'alice-req-0001', 2);
    assert.equal(again.status, 201);
    assert.equal(again.body.reservation.id, a.body.reservation.id);
    const over = await reserve(alice.token, 'alice-req-0002', 1);
    assert.equal(over.status, 409);
    assert.deepEqual(Object.keys(over.body), ['error']);
    assert.equal((over.body as unknown as { error: { code: string } }).error.code, 'LIMIT_EXCEEDED');

    const b = await reserve(bob.token, 'bob-req-00001', 1);
    assert.equal(b.status, 201);

    const aliceOrderId = await settled(alice.token, a.body.reservation.id);
    const bobOrderId = await settled(bob.token, b.body.reservation.id);

    // Goods are shipped: paying needs a delivery address, and asking for it keeps the reservation.
    const noAddress = await api(base, 'POST', `/api/orders/${aliceOrderId}/payment`, { token: alice.token });
    assert.deepEqual(noAddress.body, {
      error: { code: 'ADDRESS_REQUIRED', message: 'Choose a delivery address first', retryable: false },
    });
    assert.equal(noAddress.status, 409);
    // Alice pays with the dev provider.
    const start = await api<{ provider: string; params: Record<string, string> }>(
      base,
      'POST',
      `/api/orders/${aliceOrderId}/payment`,
      { token: alice.token, body: { addressId: await addAddress(base, alice.token) } },
    );
    assert.equal(start.status, 200, JSON.stringify(start.body));
    assert.equal(start.body.provider, 'dev');
    assert.equal(start.body.params.confirmPath, `/api/payments/dev/${aliceOrderId}/confirm`);
    const confirm = await api<{ outcome: string; order: Order }>(
      base,
      'POST',
      start.body.params.confirmPath!,
      {
        token: alice.token,
      },
    );
    assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
    assert.equal(confirm.body.outcome, 'applied');
    // A retried confirmation (its first answer lost) is answered as the first one was, and pays nothing twice.
    const replay = await api<{ outcome: string; order: Order }>(
      base,
      'POST',
      start.body.params.confirmPath!,
      {
        token: alice.token,
      },
    );
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.deepEqual(replay.body, confirm.body);
    const paid = await api<Order>(base, 'GET', `/api/orders/${aliceOrderId}`, { token: alice.token });
    assert.equal(paid.body.status, 'paid');
    assert.equal(paid.body.totalFen, 2 * 1990);
    assert.ok(paid.body.paidAt);

    // Bob cannot see Alice's order.
    const foreign = await api(base, 'GET', `/api/orders/${aliceOrderId}`, { token: bob.token });
    assert.equal(foreign.status, 404);
    assert.deepEqual(foreign.body, {
      error: { code: 'NOT_FOUND', message: 'No such order', retryable: false },
    });

    let live = await liveFigures(base, adminToken, campaignId);
    assert.equal(live.stockLeft, 2);
    assert.equal(live.stockLeft + live.reserved + live.sold, live.stockTotal);

    // Bob cancels: his unit returns, once, however often he asks.
    const cancel = await api<Order>(base, 'POST', `/api/orders/${bobOrderId}/cancel`, { token: bob.token });
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    assert.equal(cancel.body.status, 'cancelled');
    const twice = await api<Order>(base, 'POST', `/api/orders/${bobOrderId}/cancel`, { token: bob.token });
    assert.equal(twice.status, 200, JSON.stringify(twice.body));
    assert.equal(twice.body.status, 'cancelled');
    live = await liveFigures(base, adminToken, campaignId);
    assert.equal(live.stockLeft, 3);
    assert.equal(live.ordersPaid, 1);
    assert.equal(live.ordersCancelled, 1);
    assert.equal(live.stockLeft + live.reserved + live.sold, live.stockTotal);

    // A paid order cannot be cancelled by the shopper.
    const refused = await api(base, 'POST', `/api/orders/${aliceOrderId}/cancel`, { token: alice.token });
    assert.equal(refused.status, 409);
    assert.equal((refused.body as { error: { code: string } }).error.code, 'INVALID_TRANSITION');

    const rows = await dep.sql.query<{ n: string }>(
      `select count(*) as n from payments where order_id = $1 and outcome = 'applied'`,
      [aliceOrderId],
    );
    assert.equal(Number(rows.rows[0]!.n), 1);
  });

  test('a set but unreachable Redis stops start-up with a message naming it', async () => {
    await assert.rejects(
      startPlatform({
        env: {
          ...dep.env,
          SERVICES: 'gateway',
          REDIS_URL: 'redis://127.0.0.1:1',
          MIGRATE_ON_START: '0',
        },
        timeoutMs: 30_000,
      }),
      (err: Error) => {
        assert.match(err.message, /platform exited \(1\)/);
        assert.match(err.message, /Redis at redis:\/\/127\.0\.0\.1:1 is not reachable/);
        return true;
      },
    );
  });
});
