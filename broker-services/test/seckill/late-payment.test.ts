/**
 * Late payments with WeChat Pay, on real PostgreSQL, Redis and NATS. At expiry the sweeper closes each unpaid
 * order at the channel first: a normal one is closed and cancelled; one the channel says was paid (its
 * notification lost) is paid instead of cancelled. A payment that still lands on a cancelled order whose unit
 * was resold is refunded exactly once through WeChat Pay; the order stays cancelled and the buyer of the
 * resold unit keeps it.
 *
 * PAYMENT_TTL_SECONDS=30 is the schema's minimum, kept on purpose: WeChat Pay wants time_expire well ahead of
 * now, and the test waits for one expiry only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addAddress, adminLogin, api, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import {
  createLiveSeckill,
  createTestDeployment,
  freePort,
  liveFigures,
  type TestDeployment,
  wechatPayEnv,
} from '../support/real-services.ts';
import { generateWechatPayTestKeys, startWechatServer, type WechatServer } from '../support/wechat-server.ts';

interface OrderView {
  id: string;
  status: string;
  totalFen: number;
}

describe('late payments', () => {
  let dep: TestDeployment;
  let wechat: WechatServer;
  let platform: StartedPlatform;
  let base: string;
  let adminToken: string;

  before(async () => {
    dep = await createTestDeployment();
    const keys = generateWechatPayTestKeys();
    wechat = await startWechatServer({ appId: keys.appId, appSecret: 'test-app-secret', pay: keys });
    const port = await freePort();
    platform = await startPlatform({
      env: {
        ...dep.env,
        ...wechatPayEnv(keys, wechat.url, `http://127.0.0.1:${port}/api/payments/wechat/notify`),
        PORT: String(port),
        NODE_ID: `${dep.tag}-all`,
        PAYMENT_TTL_SECONDS: '30',
        SWEEP_INTERVAL_MS: '200',
      },
    });
    base = platform.baseUrl;
    adminToken = await adminLogin(base, 'admin', dep.adminPassword);
  });

  after(async () => {
    await platform?.stop();
    await wechat?.close();
    await dep?.dispose();
  });

  async function shopper(name: string): Promise<string> {
    const res = await api<{ token: string }>(base, 'POST', '/api/auth/wechat', {
      body: { code: wechat.issueCode(`${name}-${dep.tag}`) },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.token;
  }

  async function reserveAndSettle(token: string, campaignId: string, requestId: string): Promise<string> {
    const r = await api<{ reservation: { id: string } }>(
      base,
      'POST',
      `/api/seckill/${campaignId}/reservations`,
      {
        token,
        body: { quantity: 1, requestId },
      },
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return eventually(async () => {
      const got = await api<{ orderId?: string }>(base, 'GET', `/api/reservations/${r.body.reservation.id}`, {
        token,
      });
      return got.body.orderId;
    });
  }

  async function startPaying(token: string, orderId: string): Promise<void> {
    const res = await api(base, 'POST', `/api/orders/${orderId}/payment`, {
      token,
      body: { addressId: await addAddress(base, token) },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  const orderStatus = async (token: string, id: string) =>
    (await api<OrderView>(base, 'GET', `/api/orders/${id}`, { token })).body.status;

  const untilStatus = (token: string, id: string, status: string) =>
    eventually(
      async () => ((await orderStatus(token, id)) === status ? true : undefined),
      60_000,
      `order ${id} to become ${status}`,
    );

  test('expiry closes at the channel, pays a paid order, and a payment after resale is refunded once', async () => {
    const resold = await createLiveSeckill(base, adminToken, {
      stockTotal: 1,
      perUserLimit: 1,
      priceFen: 1590,
    });
    const other = await createLiveSeckill(base, adminToken, { stockTotal: 2, perUserLimit: 1 });
    const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map(shopper));

    // A takes the only unit of `resold` and starts paying; C pays but WeChat Pay's notification is lost; D
    // starts paying and walks away. A's expires first (the sweep goes by expires_at).
    const orderA = await reserveAndSettle(a!, resold, 'late-a-0001');
    await startPaying(a!, orderA);
    const orderC = await reserveAndSettle(c!, other, 'late-c-0001');
    await startPaying(c!, orderC);
    assert.deepEqual(await wechat.pay(orderC, { notify: false }), { status: 0, body: '' });
    const orderD = await reserveAndSettle(d!, other, 'late-d-0001');
    await startPaying(d!, orderD);

    const soldOut = await api(base, 'POST', `/api/seckill/${resold}/reservations`, {
      token: b!,
      body: { quantity: 1, requestId: 'late-b-0001' },
    });
    assert.equal(soldOut.status, 409);
    assert.equal((soldOut.body as { error: { code: string } }).error.code, 'SOLD_OUT');

    // The next WeChat Pay request, the close of A at expiry, fails: the sweeper asks the channel, which says
    // unpaid, and cancels anyway; WeChat Pay still holds A as payable.
    wechat.failNextPayRequest(500, 'SYSTEM_ERROR', 'system busy');
    await untilStatus(a!, orderA, 'cancelled');
    await untilStatus(d!, orderD, 'cancelled');
    await untilStatus(c!, orderC, 'paid');
    assert.deepEqual(wechat.closes, [orderD]);
    assert.equal(wechat.orders.get(orderA)!.trade_state, 'NOTPAY');
    assert.equal(wechat.orders.get(orderD)!.trade_state, 'CLOSED');
    const payC = await dep.sql.query('select outcome, amount_fen from payments where order_id = $1', [
      orderC,
    ]);
    assert.deepEqual(payC.rows, [{ outcome: 'applied', amount_fen: 1990 }]);

    // A's unit is resold to B, who pays.
    const orderB = await reserveAndSettle(b!, resold, 'late-b-0002');
    await startPaying(b!, orderB);
    assert.deepEqual(await wechat.pay(orderB), { status: 204, body: '' });
    assert.equal(await orderStatus(b!, orderB), 'paid');

    // Now A's payment lands: accepted (WeChat Pay must stop redelivering), recorded, refunded.
    assert.deepEqual(await wechat.pay(orderA), { status: 204, body: '' });
    const refund = await eventually(
      async () => [...wechat.refunds.values()].find((r) => r.out_trade_no === orderA),
      20_000,
      'the refund of A at WeChat Pay',
    );
    assert.equal(refund.refund, 1590);
    assert.equal(refund.total, 1590);
    assert.deepEqual(await wechat.settleRefund(refund.out_refund_no), { status: 204, body: '' });
    await eventually(
      async () => {
        const r = await dep.sql.query(`select status from refunds where order_id = $1`, [orderA]);
        return r.rows[0]?.status === 'succeeded' ? true : undefined;
      },
      20_000,
      'the refund record to succeed',
    );

    // Exactly one refund at the channel, however often the sweeper asked, and only for A.
    assert.deepEqual(
      [...wechat.refunds.values()].map((r) => [r.out_trade_no, r.refund]),
      [[orderA, 1590]],
    );
    const refundCalls = wechat.payRequests.filter(
      (r) => r.method === 'POST' && r.url === '/v3/refund/domestic/refunds',
    );
    assert.ok(refundCalls.length >= 1);
    for (const call of refundCalls) {
      assert.equal((JSON.parse(call.body) as { out_refund_no: string }).out_refund_no, refund.out_refund_no);
    }
    const refundRows = await dep.sql.query(
      'select amount_fen, reason, status from refunds where order_id = $1',
      [orderA],
    );
    assert.deepEqual(refundRows.rows, [{ amount_fen: 1590, reason: 'late_payment', status: 'succeeded' }]);
    const payA = await dep.sql.query('select outcome from payments where order_id = $1', [orderA]);
    assert.deepEqual(payA.rows, [{ outcome: 'late_refunded' }]);

    // A stays cancelled, never reopened; B keeps the unit; the stock adds up.
    assert.equal(await orderStatus(a!, orderA), 'cancelled');
    const transitionsA = await dep.sql.query(
      'select to_status from order_transitions where order_id = $1 order by id',
      [orderA],
    );
    assert.ok(transitionsA.rows.every((t: { to_status: string }) => t.to_status !== 'paid'));
    assert.equal(await orderStatus(b!, orderB), 'paid');
    const liveResold = await liveFigures(base, adminToken, resold);
    assert.equal(liveResold.stockLeft, 0);
    assert.equal(liveResold.sold, 1);
    assert.equal(liveResold.ordersPaid, 1);
    assert.equal(liveResold.ordersCancelled, 1);
    assert.equal(liveResold.stockLeft + liveResold.reserved + liveResold.sold, liveResold.stockTotal);
    const liveOther = await liveFigures(base, adminToken, other);
    assert.equal(liveOther.stockLeft, 1);
    assert.equal(liveOther.sold, 1);
    assert.equal(liveOther.stockLeft + liveOther.reserved + liveOther.sold, liveOther.stockTotal);
  });
});
