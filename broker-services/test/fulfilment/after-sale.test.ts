/**
 * After-sale after completion, through the gateway on real PostgreSQL and Redis (every service in this process, a
 * test clock): a completed order takes a refund request within AFTER_SALE_DAYS of its completion, the operator
 * approves, and the order goes completed → refunding → refunded through the payments module's refund, each move
 * logged and counted. The points it earned are taken back (never below a zero balance: what was already spent is
 * recorded as the shortfall), its growth too (the level follows at the scheduled review), and its coupon stays used
 * unless its template returns it on refund. A request after the period, a second open one, one for another
 * shopper's order and an operator's direct refund of a received order are refused and change nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { orderTransitionsTotal } from '@tuanmiao/observability';
import { assertError } from '../gateway/support.ts';
import { withAuditRefused } from '../support/audit-fault.ts';
import { addAddress, adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';

interface Order {
  id: string;
  status: string;
  payableFen: number;
  completedAt?: string;
  afterSaleUntil?: string;
  transitions?: { from: string | null; to: string; reason: string }[];
}
interface LedgerEntry {
  delta: number;
  reason: string;
  orderId?: string;
  balanceAfter: number;
  shortfall?: number;
}
interface Shopper {
  token: string;
  userId: string;
  addressId: string;
}
interface Card {
  level: { code: string };
  growth: number;
}

const DAY = 86400_000;
const LEVELS = {
  windowDays: 365,
  levels: [
    { code: 'regular', name: '普通会员', threshold: 0, discountPercent: 0, benefits: [] },
    { code: 'silver', name: '白银会员', threshold: 150, discountPercent: 0, benefits: ['专属客服'] },
  ],
};

describe('after-sale refund of a completed order', () => {
  let p: InProcessPlatform;
  let admin: string;
  let skuId: string;
  const run = randomBytes(4).toString('hex');
  const shoppers: Shopper[] = [];
  let seq = 0;

  const call = <T>(method: string, path: string, token: string, body?: unknown) =>
    api<T>(p.gateway, method, path, { token, ...(body !== undefined ? { body } : {}) });
  const shopper = async (name: string): Promise<Shopper> => {
    const s = await devLogin(p.gateway, `${name}-${run}`);
    const made = { ...s, addressId: await addAddress(p.gateway, s.token) };
    shoppers.push(made);
    return made;
  };
  const checkout = async (s: Shopper, quantity: number, couponId?: string): Promise<Order> => {
    const res = await call<{ order: Order }>('POST', '/api/orders', s.token, {
      items: [{ skuId, quantity }],
      addressId: s.addressId,
      requestId: `co-${run}-${seq++}`,
      ...(couponId ? { couponId } : {}),
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.order;
  };
  const payAndShip = async (s: Shopper, order: Order) => {
    const paid = await call<{ outcome: string }>('POST', `/api/payments/dev/${order.id}/confirm`, s.token);
    assert.equal(paid.body.outcome, 'applied', JSON.stringify(paid.body));
    const shipped = await call('POST', `/api/admin/orders/${order.id}/ship`, admin, {
      trackingNo: `SF${run}${seq++}`,
    });
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
  };
  const complete = async (s: Shopper, order: Order): Promise<Order> => {
    await payAndShip(s, order);
    const done = await call<Order>('POST', `/api/orders/${order.id}/receipt`, s.token);
    assert.equal(done.body.status, 'completed', JSON.stringify(done.body));
    return done.body;
  };
  const ask = (s: Shopper, orderId: string) =>
    call<{ id: string; status: string; afterReceipt: boolean }>(
      'POST',
      `/api/orders/${orderId}/refund-requests`,
      s.token,
      {
        kind: 'refund_only',
        reason: '质量问题',
      },
    );
  const approve = (requestId: string) =>
    call<{ status: string }>('POST', `/api/admin/refund-requests/${requestId}/approve`, admin, {});
  const adminOrder = async (id: string) => (await call<Order>('GET', `/api/admin/orders/${id}`, admin)).body;
  const refunded = (id: string) =>
    eventually(
      async () => {
        await p.broker.call('payments.processRefunds', {});
        const o = await adminOrder(id);
        return o.status === 'refunded' ? o : undefined;
      },
      60_000,
      'the refund',
    );
  const balance = async (s: Shopper) =>
    (await call<{ balance: number }>('GET', '/api/me/points', s.token)).body.balance;
  const ledgerOf = async (orderId: string) =>
    (await call<{ items: LedgerEntry[] }>('GET', `/api/admin/points-ledger?orderId=${orderId}`, admin)).body
      .items;
  const card = async (s: Shopper) => (await call<Card>('GET', '/api/me/membership', s.token)).body;
  const couponStatus = async (s: Shopper, couponId: string) => {
    const mine = await call<{ items: { id: string; status: string }[] }>('GET', '/api/me/coupons', s.token);
    return mine.body.items.find((c) => c.id === couponId)?.status;
  };
  /** A coupon of a new 满减 template (5 yuan off 50), issued to the shopper by an operator. */
  const couponFor = async (s: Shopper, returnedOnRefund: boolean): Promise<string> => {
    const made = await call<{ id: string }>('POST', '/api/admin/coupon-templates', admin, {
      name: `售后券 ${seq++}`,
      kind: 'amount_off',
      amountOffFen: 500,
      minSpendFen: 5000,
      total: 100,
      perUserLimit: 1,
      claimStartsAt: new Date(p.clock.now() - DAY).toISOString(),
      claimEndsAt: new Date(p.clock.now() + 30 * DAY).toISOString(),
      validDays: 60,
      claimable: false,
      returnedOnRefund,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const issued = await call('POST', `/api/admin/coupon-templates/${made.body.id}/issues`, admin, {
      userIds: [s.userId],
      reason: '售后测试',
      issueKey: `aftersale-${run}-${seq++}`,
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const mine = await call<{ items: { id: string; templateId: string }[] }>(
      'GET',
      '/api/me/coupons?status=unused',
      s.token,
    );
    return mine.body.items.find((c) => c.templateId === made.body.id)!.id;
  };
  /** The audit entries of one refund request, oldest first, read from the audit table itself. */
  const auditOf = async (requestId: string): Promise<string[]> => {
    const rows = await p.deployment.sql.query(
      `select action from audit_log where object_type = 'refund_request' and object_id = $1 order by id`,
      [requestId],
    );
    return rows.rows.map((r: { action: string }) => r.action);
  };
  const transitionsCounted = async (from: string, to: string, reason: string) => {
    const metric = await orderTransitionsTotal.get();
    return metric.values
      .filter((v) => v.labels.from === from && v.labels.to === to && v.labels.reason === reason)
      .reduce((sum, v) => sum + v.value, 0);
  };
  /** Every shopper's ledger sums to their balance, and reconciliation finds no drift. */
  const assertLedgerSums = async () => {
    for (const s of shoppers) {
      const ledger = await call<{ items: LedgerEntry[] }>(
        'GET',
        `/api/admin/points-ledger?userId=${s.userId}&limit=100`,
        admin,
      );
      const sum = ledger.body.items.reduce((acc, e) => acc + e.delta, 0);
      assert.equal(sum, await balance(s), `the ledger of ${s.userId} sums to the balance`);
    }
    const drift = await call<{ driftUsers: number }>('GET', '/api/admin/points-reconciliation', admin);
    assert.equal(drift.body.driftUsers, 0, JSON.stringify(drift.body));
  };

  before(async () => {
    p = await startInProcess({});
    admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
    const made = await call<{ skus: { id: string }[] }>('POST', '/api/admin/products', admin, {
      title: `售后测试 ${run}`,
      skus: [{ name: '盒', priceFen: 10000, stock: 100 }],
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    skuId = made.body.skus[0]!.id;
    const rules = await call('PUT', '/api/admin/points-rules', admin, {
      earnPointsPerYuan: 1,
      pointValueFen: 1,
      maxRedeemPercent: 50,
      maxRedeemPoints: null,
      expiryDays: null,
    });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
    const levels = await call('PUT', '/api/admin/member-levels', admin, LEVELS);
    assert.equal(levels.status, 200, JSON.stringify(levels.body));
  });
  after(async () => {
    await p?.stop();
  });

  test('complete → request → approve → refunded: points and growth taken back, the coupon stays used', async () => {
    const ann = await shopper('ann');
    const couponId = await couponFor(ann, false);
    const order = await checkout(ann, 2, couponId);
    assert.equal(order.payableFen, 19500);
    const done = await complete(ann, order);
    assert.ok(done.completedAt, 'the completion instant is on the order');
    assert.equal(done.afterSaleUntil, new Date(Date.parse(done.completedAt) + 7 * DAY).toISOString());
    assert.equal(await balance(ann), 195, '1 point per whole yuan paid');
    assert.deepEqual([(await card(ann)).level.code, (await card(ann)).growth], ['silver', 195]);
    assert.equal(await couponStatus(ann, couponId), 'used');

    const stranger = await shopper('stranger');
    assertError(await ask(stranger, order.id), 404, 'NOT_FOUND', 'No such order');
    assertError(
      await call('POST', `/api/admin/orders/${order.id}/refund`, admin, { reason: '直接退款' }),
      409,
      'INVALID_TRANSITION',
      'Only a paid or shipped order can be refunded',
    );
    const first = await ask(ann, order.id);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.deepEqual([first.body.status, first.body.afterReceipt], ['pending', true], 'asked after receipt');
    assertError(await ask(ann, order.id), 409, 'CONFLICT', 'A refund request for this order is already open');
    assert.equal((await adminOrder(order.id)).status, 'completed', 'a request alone moves nothing');

    const refundingBefore = await transitionsCounted('completed', 'refunding', 'after_sale_approved');
    const refundedBefore = await transitionsCounted('refunding', 'refunded', 'refund_succeeded');
    const approved = await approve(first.body.id);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    // The refund is under way (the dev provider may already have answered it): the order left completed.
    assert.ok(['refunding', 'refunded'].includes((await adminOrder(order.id)).status));
    assert.deepEqual(await auditOf(first.body.id), ['refund_request.approve']);
    assertError(await approve(first.body.id), 409, 'INVALID_TRANSITION', 'The request is already approved');
    const final = await refunded(order.id);
    assert.deepEqual(
      final.transitions!.slice(-3).map((t) => `${t.from}→${t.to}:${t.reason}`),
      [
        'shipped→completed:shopper_receipt',
        'completed→refunding:after_sale_approved',
        'refunding→refunded:refund_succeeded',
      ],
    );
    assert.equal(
      await transitionsCounted('completed', 'refunding', 'after_sale_approved'),
      refundingBefore + 1,
    );
    assert.equal(await transitionsCounted('refunding', 'refunded', 'refund_succeeded'), refundedBefore + 1);
    const refunds = await p.deployment.sql.query(
      'select amount_fen, status from refunds where order_id = $1',
      [order.id],
    );
    assert.deepEqual(
      refunds.rows,
      [{ amount_fen: 19500, status: 'succeeded' }],
      'one refund, of what was paid',
    );

    assert.equal(await balance(ann), 0, 'the earned points are taken back');
    assert.deepEqual(
      (await ledgerOf(order.id)).map((e) => [e.reason, e.delta, e.shortfall]),
      [
        ['order_earn_reversal', -195, undefined],
        ['order_earn', 195, undefined],
      ],
    );
    assert.equal((await card(ann)).growth, 0, 'the growth is taken back at once');
    assert.equal((await card(ann)).level.code, 'silver', 'the level follows at the scheduled review');
    p.clock.advance(DAY + 1000);
    await p.broker.call('membership.review', {});
    assert.equal((await card(ann)).level.code, 'regular');
    assert.equal(await couponStatus(ann, couponId), 'used', 'the coupon stays used');
    await p.broker.call('payments.processRefunds', {});
    assert.equal(await balance(ann), 0, 'nothing is taken twice');
    assert.equal((await ledgerOf(order.id)).length, 2);
    await assertLedgerSums();
  });

  test('points already spent: the take-back stops at a zero balance and records the shortfall; the refund goes ahead', async () => {
    const bea = await shopper('bea');
    const couponId = await couponFor(bea, true);
    const first = await complete(bea, await checkout(bea, 1, couponId)); // 9500 paid: 95 points
    const second = await complete(bea, await checkout(bea, 1)); // 100 points
    assert.equal(await balance(bea), 195);
    const spent = await call('POST', '/api/admin/points-adjustments', admin, {
      userId: bea.userId,
      delta: -150,
      note: '兑换了积分商品',
      requestId: `spend-${run}`,
    });
    assert.equal(spent.status, 201, JSON.stringify(spent.body));
    assert.equal(await balance(bea), 45);

    const a = await ask(bea, first.id);
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal((await approve(a.body.id)).status, 200);
    await refunded(first.id);
    assert.deepEqual(
      (await ledgerOf(first.id)).map((e) => [e.reason, e.delta, e.balanceAfter, e.shortfall]),
      [
        ['order_earn_reversal', -45, 0, 50],
        ['order_earn', 95, 95, undefined],
      ],
    );
    assert.equal(await couponStatus(bea, couponId), 'unused', 'its template returns the coupon on refund');

    const b = await ask(bea, second.id);
    assert.equal((await approve(b.body.id)).status, 200);
    await refunded(second.id);
    assert.deepEqual(
      (await ledgerOf(second.id)).map((e) => [e.reason, e.delta, e.balanceAfter, e.shortfall]),
      [
        ['order_earn_reversal', 0, 0, 100],
        ['order_earn', 100, 195, undefined],
      ],
      'nothing left to take: the whole take-back is on record as the shortfall',
    );
    assert.equal(await balance(bea), 0);
    await assertLedgerSums();
  });

  test('the period: a request within AFTER_SALE_DAYS of completion is taken, one after it is refused and changes nothing', async () => {
    const cid = await shopper('cid');
    const byHand = await complete(cid, await checkout(cid, 1));
    const late = await checkout(cid, 1);
    await payAndShip(cid, late);
    // Nobody confirms it: the automatic receipt completes it, and its period runs from then.
    p.clock.advance(10 * DAY + 1000);
    await p.broker.call('orders.autoReceive', {});
    const auto = await adminOrder(late.id);
    assert.equal(auto.status, 'completed');
    assert.equal(auto.transitions!.at(-1)!.reason, 'auto_receipt');
    assert.equal(auto.completedAt, new Date(p.clock.now()).toISOString());
    assertError(
      await ask(cid, byHand.id),
      409,
      'AFTER_SALE_WINDOW_CLOSED',
      'The after-sale period of this order has ended',
    );

    p.clock.advance(7 * DAY - 1000);
    const inTime = await ask(cid, late.id);
    assert.equal(inTime.status, 201, 'a second before the period ends');
    assert.equal(
      (await call('POST', `/api/admin/refund-requests/${inTime.body.id}/reject`, admin, {})).status,
      200,
    );
    p.clock.advance(1000);
    const res = await ask(cid, late.id);
    assertError(res, 409, 'AFTER_SALE_WINDOW_CLOSED', 'The after-sale period of this order has ended');
    const mine = await call<{ items: { status: string }[] }>(
      'GET',
      `/api/orders/${late.id}/refund-requests`,
      cid.token,
    );
    assert.deepEqual(
      mine.body.items.map((r) => r.status),
      ['rejected'],
      'the refused request left nothing',
    );
    assert.equal((await adminOrder(late.id)).status, 'completed');
    assert.equal(await balance(cid), 200, 'the points stay');
  });

  test('an order refunded meanwhile: the approval is refused, the request goes back to the queue, both moves audited', async () => {
    const dan = await shopper('dan');
    const order = await checkout(dan, 1);
    const paid = await call<{ outcome: string }>('POST', `/api/payments/dev/${order.id}/confirm`, dan.token);
    assert.equal(paid.body.outcome, 'applied', JSON.stringify(paid.body));
    const asked = await ask(dan, order.id);
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    assert.equal(asked.body.afterReceipt, false);
    const direct = await call('POST', `/api/admin/orders/${order.id}/refund`, admin, { reason: '直接退款' });
    assert.equal(direct.status, 200, JSON.stringify(direct.body));

    assertError(
      await approve(asked.body.id),
      409,
      'INVALID_TRANSITION',
      'The order can no longer be refunded',
    );
    const mine = await call<{ items: { id: string; status: string }[] }>(
      'GET',
      `/api/orders/${order.id}/refund-requests`,
      dan.token,
    );
    assert.deepEqual(
      mine.body.items.map((r) => [r.id, r.status]),
      [[asked.body.id, 'pending']],
    );
    assert.deepEqual(await auditOf(asked.body.id), ['refund_request.approve', 'refund_request.return']);
    await refunded(order.id);
    const refunds = await p.deployment.sql.query(
      'select count(*)::int as n from refunds where order_id = $1',
      [order.id],
    );
    assert.equal(refunds.rows[0].n, 1, 'refunded once, by the direct refund');
  });

  test('an approval whose audit entry cannot be written changes nothing; approved again, it is audited once', async () => {
    const eve = await shopper('eve');
    const order = await complete(eve, await checkout(eve, 1));
    const asked = await ask(eve, order.id);
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    // The database refuses this request's approval entry (a real failure of the audit insert, nothing mocked).
    const refused = await withAuditRefused(p.deployment.sql, asked.body.id, () => approve(asked.body.id));
    assert.equal(refused.status, 500, JSON.stringify(refused.body));
    const mine = await call<{ items: { status: string }[] }>(
      'GET',
      `/api/orders/${order.id}/refund-requests`,
      eve.token,
    );
    assert.deepEqual(
      mine.body.items.map((r) => r.status),
      ['pending'],
    );
    assert.equal((await adminOrder(order.id)).status, 'completed', 'no refund was started');
    assert.deepEqual(await auditOf(asked.body.id), []);

    assert.equal((await approve(asked.body.id)).status, 200);
    await refunded(order.id);
    assert.deepEqual(await auditOf(asked.body.id), ['refund_request.approve']);
  });

  test('an approval whose refund was never handed over (the process stopped in between) is resumed by the sweeper, once', async () => {
    const fay = await shopper('fay');
    const order = await complete(fay, await checkout(fay, 1));
    const asked = await ask(fay, order.id);
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    // What a process that stopped after the approval's commit and before the orders call leaves behind.
    await p.deployment.sql.query(
      `update refund_requests set status = 'approved', decided_at = $2, decided_by = 'adm_gone' where id = $1`,
      [asked.body.id, new Date(p.clock.now() - 2 * 60_000)],
    );
    // A normal approval beside it: handed over at once (stamped before the approval answers), so no sweep
    // resumes it. (The stranded one may be resumed by the background sweeper at any moment from here.)
    const other = await complete(fay, await checkout(fay, 1));
    const otherAsked = await ask(fay, other.id);
    assert.equal((await approve(otherAsked.body.id)).status, 200);
    const sent = await p.deployment.sql.query(
      'select refund_sent_at is not null as sent from refund_requests where id = $1',
      [otherAsked.body.id],
    );
    assert.deepEqual(sent.rows, [{ sent: true }]);

    // This call or the background sweeper resumes it; either way exactly once.
    await p.broker.call('fulfilment.resumeApprovals', {});
    const final = await refunded(order.id);
    assert.equal(final.transitions!.at(-2)!.reason, 'after_sale_approved');
    await refunded(other.id);
    assert.deepEqual(await p.broker.call('fulfilment.resumeApprovals', {}), { resumed: 0, returned: 0 });
    const rows = await p.deployment.sql.query(
      `select r.status, r.refund_sent_at is not null as sent,
         (select count(*)::int from refunds f where f.order_id = r.order_id) as refunds
       from refund_requests r where r.id = $1`,
      [asked.body.id],
    );
    assert.deepEqual(rows.rows, [{ status: 'approved', sent: true, refunds: 1 }]);
  });
});
