/**
 * Delivery and after-sale on real PostgreSQL: shipping in split packages, the tracking timeline fed by the
 * carrier's signed pushes (forged, tampered, stale and replayed pushes change nothing), confirming receipt, the
 * automatic receipt after AUTO_RECEIPT_DAYS, and refund requests rejected or approved, an approval refunding
 * through the payment provider exactly once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertError } from '../gateway/support.ts';
import { pushTracking } from '../support/carrier.ts';
import { addAddress, adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import { createTestDeployment, type TestDeployment } from '../support/real-services.ts';

interface Tracking {
  carrier: string;
  trackingNo: string;
  events: { at: string; description: string }[];
  packages: { carrier: string; trackingNo: string; events: { at: string; description: string }[] }[];
}
interface Order {
  id: string;
  status: string;
  transitions?: { to: string; reason: string }[];
  shippingRecord?: { state: string; attempts: number };
}

describe('delivery and after-sale', () => {
  const secret = randomBytes(24).toString('hex');
  const run = randomBytes(4).toString('hex');
  let dep: TestDeployment;
  let platform: StartedPlatform;
  let base: string;
  let admin: string;
  let shopper: { token: string; userId: string };
  let addressId: string;
  let skuId: string;

  before(async () => {
    dep = await createTestDeployment();
    platform = await startPlatform({
      env: {
        ...dep.env,
        CARRIER_PUSH_SECRET: secret,
        ALLOW_SHORT_TTL: '1',
        // 0.0003 days is 26 s: long enough to confirm receipt by hand first, short enough to see it happen alone.
        AUTO_RECEIPT_DAYS: '0.0003',
        SWEEP_INTERVAL_MS: '200',
      },
    });
    base = platform.baseUrl;
    admin = await adminLogin(base, 'admin', dep.adminPassword);
    const product = await api<{ skus: { id: string }[] }>(base, 'POST', '/api/admin/products', {
      token: admin,
      body: { title: `茶 ${run}`, skus: [{ name: '罐', priceFen: 1000, stock: 10 }] },
    });
    skuId = product.body.skus[0]!.id;
    shopper = await devLogin(base, `buyer-${run}`);
    addressId = await addAddress(base, shopper.token);
  });
  after(async () => {
    await platform?.stop();
    await dep?.dispose();
  });

  async function paidOrder(n: number): Promise<string> {
    const placed = await api<{ order: Order }>(base, 'POST', '/api/orders', {
      token: shopper.token,
      body: { items: [{ skuId, quantity: 1 }], addressId, requestId: `order-${run}-${n}` },
    });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const paid = await api<{ outcome: string }>(
      base,
      'POST',
      `/api/payments/dev/${placed.body.order.id}/confirm`,
      {
        token: shopper.token,
      },
    );
    assert.equal(paid.body.outcome, 'applied');
    return placed.body.order.id;
  }
  const ship = (id: string, body: unknown) =>
    api<Order>(base, 'POST', `/api/admin/orders/${id}/ship`, { token: admin, body });
  const tracking = (id: string, token = shopper.token) =>
    api<Tracking>(base, 'GET', `/api/orders/${id}/tracking`, { token });
  const adminOrder = async (id: string) =>
    (await api<Order>(base, 'GET', `/api/admin/orders/${id}`, { token: admin })).body;

  test('split packages, a signed tracking timeline, and receipt', async () => {
    const id = await paidOrder(1);
    assertError(await tracking(id), 404, 'NOT_FOUND', 'The order has not shipped yet');
    const shipped = await ship(id, {
      carrier: 'SF',
      trackingNo: `SF${run}01`,
      morePackages: [{ carrier: 'YTO', trackingNo: `YT${run}02` }],
    });
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
    assert.equal(shipped.body.status, 'shipped');
    // Paid through the dev provider: WeChat holds no payment to release, so nothing is sent to it.
    assert.deepEqual(shipped.body.shippingRecord, { state: 'not_applicable', attempts: 0 });
    let t = await tracking(id);
    assert.deepEqual(
      t.body.packages.map((p) => [p.carrier, p.trackingNo, p.events.length]),
      [
        ['SF', `SF${run}01`, 0],
        ['YTO', `YT${run}02`, 0],
      ],
    );

    const events = [
      { id: 'e1', at: '2026-12-01T02:00:00.000Z', description: '已揽收' },
      { id: 'e2', at: '2026-12-01T08:00:00.000Z', description: '运输中 杭州转运中心' },
    ];
    const push = (o: Partial<Parameters<typeof pushTracking>[1]> = {}) =>
      pushTracking(base, { carrier: 'SF', secret, trackingNo: `SF${run}01`, events, ...o });
    assertError(
      await push({ tamper: 'signature' }),
      401,
      'CARRIER_SIGNATURE_INVALID',
      'The push signature is invalid',
    );
    assertError(
      await push({ tamper: 'body' }),
      401,
      'CARRIER_SIGNATURE_INVALID',
      'The push signature is invalid',
    );
    assertError(
      await push({ timestampSeconds: Math.floor(Date.now() / 1000) - 3600 }),
      401,
      'CARRIER_PUSH_STALE',
      'The push timestamp is too old',
    );
    assertError(
      await api(base, 'POST', '/api/carriers/SF/push', { body: '{}' }),
      401,
      'CARRIER_SIGNATURE_INVALID',
      'The push signature is invalid',
    );
    assert.equal((await tracking(id)).body.events.length, 0, 'refused pushes stored nothing');
    assertError(await push({ trackingNo: 'SF00000000' }), 404, 'NOT_FOUND', 'No such shipment');
    const ok = await push();
    assert.deepEqual([ok.status, ok.body], [200, { stored: 2 }]);
    const replay = await push();
    assert.deepEqual(replay.body, { stored: 0 }, 'a replayed push stores nothing new');
    t = await tracking(id);
    assert.deepEqual(t.body.events, [
      { at: '2026-12-01T08:00:00.000Z', description: '运输中 杭州转运中心' },
      { at: '2026-12-01T02:00:00.000Z', description: '已揽收' },
    ]);
    assert.deepEqual([t.body.carrier, t.body.trackingNo], ['SF', `SF${run}01`]);
    const stranger = await devLogin(base, `stranger-${run}`);
    assertError(await tracking(id, stranger.token), 404, 'NOT_FOUND', 'No such order');
    assertError(
      await api(base, 'POST', `/api/orders/${id}/receipt`, { token: stranger.token }),
      404,
      'NOT_FOUND',
      'No such order',
    );

    const received = await api<Order>(base, 'POST', `/api/orders/${id}/receipt`, { token: shopper.token });
    assert.equal(received.body.status, 'completed');
    const again = await api<Order>(base, 'POST', `/api/orders/${id}/receipt`, { token: shopper.token });
    assert.equal(again.body.status, 'completed');
    const reasons = (await adminOrder(id)).transitions!.map((x) => `${x.to}:${x.reason}`);
    assert.deepEqual(reasons.slice(-2), ['shipped:admin_ship', 'completed:shopper_receipt']);
    assertError(
      await ship(await paidOrder(2), { carrier: 'SF', trackingNo: `SF${run}01` }),
      409,
      'CONFLICT',
      `Tracking number SF${run}01 of SF is already on a shipment`,
    );
  });

  test('the queue to ship pages oldest first (what waited longest), the default newest first', async () => {
    const ids = [await paidOrder(101), await paidOrder(102), await paidOrder(103)];
    const listAll = async (order: string) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await api<{ items: Order[]; nextCursor?: string }>(
          base,
          'GET',
          `/api/admin/orders?status=paid&limit=2${order}${cursor ? `&cursor=${cursor}` : ''}`,
          { token: admin },
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok(res.body.items.every((o) => o.status === 'paid'));
        seen.push(...res.body.items.map((o) => o.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      return seen.filter((id) => ids.includes(id));
    };
    assert.deepEqual(await listAll('&order=oldest'), ids);
    assert.deepEqual(await listAll(''), [...ids].reverse());
    assert.deepEqual(await listAll('&order=newest'), [...ids].reverse());
    const bad = await api<{ error: { code: string } }>(base, 'GET', '/api/admin/orders?order=fifo', {
      token: admin,
    });
    assert.deepEqual([bad.status, bad.body.error.code], [400, 'VALIDATION_FAILED']);
    for (const id of ids) {
      assert.equal((await ship(id, { carrier: 'SF', trackingNo: `SF${id.slice(-8)}` })).status, 200);
    }
  });

  test('a shipped order nobody confirms completes on its own after AUTO_RECEIPT_DAYS', async () => {
    const id = await paidOrder(3);
    await ship(id, { carrier: 'SF', trackingNo: `SF${run}03` });
    const done = await eventually(
      async () => {
        const o = await adminOrder(id);
        return o.status === 'completed' ? o : undefined;
      },
      120_000,
      'the automatic receipt',
    );
    assert.equal(done.transitions!.at(-1)!.reason, 'auto_receipt');
  });

  test('refund requests: one open at a time, rejected with a note, approved and refunded exactly once', async () => {
    const id = await paidOrder(4);
    const ask = (reason: string) =>
      api<{ id: string; status: string }>(base, 'POST', `/api/orders/${id}/refund-requests`, {
        token: shopper.token,
        body: { kind: 'refund_only', reason },
      });
    const first = await ask('买错了规格');
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assertError(await ask('再问一次'), 409, 'CONFLICT', 'A refund request for this order is already open');
    const queue = await api<{ items: { id: string }[] }>(
      base,
      'GET',
      '/api/admin/refund-requests?status=pending',
      {
        token: admin,
      },
    );
    assert.ok(queue.body.items.some((r) => r.id === first.body.id));
    const rejected = await api<{ status: string; note: string }>(
      base,
      'POST',
      `/api/admin/refund-requests/${first.body.id}/reject`,
      { token: admin, body: { note: '已发货前可取消，请联系客服' } },
    );
    assert.deepEqual([rejected.body.status, rejected.body.note], ['rejected', '已发货前可取消，请联系客服']);
    assertError(
      await api(base, 'POST', `/api/admin/refund-requests/${first.body.id}/approve`, {
        token: admin,
        body: {},
      }),
      409,
      'INVALID_TRANSITION',
      'The request is already rejected',
    );
    assert.equal((await adminOrder(id)).status, 'paid', 'a rejection changes nothing on the order');
    // The shopper reads the decision and its note on their order; a stranger's read is 404.
    const stranger = await devLogin(base, `stranger-ars-${run}`);
    const mine = await api<{ items: { id: string; status: string; note?: string }[] }>(
      base,
      'GET',
      `/api/orders/${id}/refund-requests`,
      { token: shopper.token },
    );
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.deepEqual(
      mine.body.items.map((r) => [r.id, r.status, r.note]),
      [[first.body.id, 'rejected', '已发货前可取消，请联系客服']],
    );
    assertError(
      await api(base, 'GET', `/api/orders/${id}/refund-requests`, { token: stranger.token }),
      404,
      'NOT_FOUND',
      'No such order',
    );

    const second = await ask('不想要了');
    const approve = () =>
      api<{ status: string }>(base, 'POST', `/api/admin/refund-requests/${second.body.id}/approve`, {
        token: admin,
        body: {},
      });
    const [a, b] = await Promise.all([approve(), approve()]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409], 'two approvals at once: one wins');
    const refunded = await eventually(
      async () => {
        const o = await adminOrder(id);
        return o.status === 'refunded' ? o : undefined;
      },
      60_000,
      'the refund',
    );
    const kinds = refunded.transitions!.map((x) => x.to);
    assert.equal(kinds.filter((k) => k === 'refunding').length, 1);
    assert.equal(kinds.filter((k) => k === 'refunded').length, 1);
    const refunds = await dep.sql.query('select * from refunds where order_id = $1', [id]);
    assert.equal(refunds.rows.length, 1, 'one refund at the provider');
    assert.equal(refunds.rows[0].status, 'succeeded');
  });
});
