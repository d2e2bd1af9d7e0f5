/**
 * Points (积分) through the gateway, on real PostgreSQL and on the embedded default (every service in this process,
 * a test clock): the operator's rules and adjustments (audited, idempotent, never below zero); points spent at
 * checkout held by the unpaid order and returned exactly once on cancel and on expiry, spent on payment and returned
 * by a refund; points earned once when an order completes, and taken back by its after-sale refund (never below a
 * zero balance, the rest recorded as the shortfall); expiry on the operator's schedule, first in first out;
 * concurrent checkouts spending the same points take only what the balance allows. After each, every shopper's
 * ledger sums to their balance.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertError } from '../gateway/support.ts';
import { addAddress, adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type InProcessOptions, type InProcessPlatform, startInProcess } from '../support/in-process.ts';

interface Order {
  id: string;
  status: string;
  itemsFen: number;
  discountFen: number;
  pointsUsed: number;
  payableFen: number;
}
interface Points {
  balance: number;
  items: { delta: number; reason: string; orderId?: string; at: string; expiresAt?: string }[];
}
interface LedgerEntry {
  id: string;
  userId: string;
  delta: number;
  reason: string;
  orderId?: string;
  balanceAfter: number;
}
interface MallItem {
  id: string;
  status: string;
  stockTotal: number;
  stockLeft: number;
}
interface Shopper {
  token: string;
  userId: string;
  addressId: string;
}

const DAY = 86400_000;
interface Rules {
  earnPointsPerYuan: number;
  pointValueFen: number;
  maxRedeemPercent: number;
  maxRedeemPoints: number | null;
  expiryDays: number | null;
}
const RULES: Rules = {
  earnPointsPerYuan: 1,
  pointValueFen: 1,
  maxRedeemPercent: 50,
  maxRedeemPoints: null,
  expiryDays: null,
};

function pointsSuite(opts: InProcessOptions) {
  let p: InProcessPlatform;
  let admin: string;
  let skuId: string;
  let productId: string;
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
  const points = async (s: Shopper) => (await call<Points>('GET', '/api/me/points?limit=100', s.token)).body;
  const balance = async (s: Shopper) => (await points(s)).balance;
  const grant = async (s: Shopper, delta: number) => {
    const res = await call('POST', '/api/admin/points-adjustments', admin, {
      userId: s.userId,
      delta,
      note: '测试发放',
      requestId: `grant-${run}-${seq++}`,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  const checkout = (s: Shopper, quantity: number, pointsToUse?: number) =>
    call<{ order: Order }>('POST', '/api/orders', s.token, {
      items: [{ skuId, quantity }],
      addressId: s.addressId,
      requestId: `co-${run}-${seq++}`,
      ...(pointsToUse !== undefined ? { pointsToUse } : {}),
    });
  const pay = async (s: Shopper, order: Order) => {
    const res = await call<{ outcome: string }>('POST', `/api/payments/dev/${order.id}/confirm`, s.token);
    assert.equal(res.body.outcome, 'applied', JSON.stringify(res.body));
  };
  const complete = async (s: Shopper, order: Order) => {
    await pay(s, order);
    const shipped = await call('POST', `/api/admin/orders/${order.id}/ship`, admin, {
      trackingNo: `SF${seq++}${run}`,
    });
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
    const done = await call<Order>('POST', `/api/orders/${order.id}/receipt`, s.token);
    assert.equal(done.body.status, 'completed');
  };
  const setRules = async (rules: Partial<Rules>) => {
    const res = await call('PUT', '/api/admin/points-rules', admin, { ...RULES, ...rules });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  /** Every shopper's ledger sums to the balance, and reconciliation finds no drift. */
  const assertLedgerSums = async () => {
    for (const s of shoppers) {
      const ledger = await call<{ items: LedgerEntry[] }>(
        'GET',
        `/api/admin/points-ledger?userId=${s.userId}&limit=100`,
        admin,
      );
      const sum = ledger.body.items.reduce((t, e) => t + e.delta, 0);
      assert.equal(sum, await balance(s), `${s.userId}: ledger sum = balance`);
      if (ledger.body.items[0]) assert.equal(ledger.body.items[0].balanceAfter, sum, 'the last entry agrees');
    }
    const rec = await call<{ driftUsers: number }>('GET', '/api/admin/points-reconciliation', admin);
    assert.deepEqual(rec.body, { driftUsers: 0, items: [] });
  };

  before(async () => {
    p = await startInProcess({ ...opts, env: { ALLOW_SHORT_TTL: '1', PAYMENT_TTL_SECONDS: '60' } });
    admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
    const made = await call<{ id: string; skus: { id: string }[] }>('POST', '/api/admin/products', admin, {
      title: '积分测试商品',
      skus: [{ name: 'S', priceFen: 10000, stock: 500 }],
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    skuId = made.body.skus[0]!.id;
    productId = made.body.id;
    await setRules({});
  });
  after(async () => {
    await p?.stop();
  });

  test('rules: read and replaced by an operator, audited', async () => {
    const read = await call('GET', '/api/admin/points-rules', admin);
    assert.deepEqual(read.body, RULES);
    await setRules({ earnPointsPerYuan: 2, maxRedeemPoints: 3000, expiryDays: 365 });
    assert.deepEqual((await call('GET', '/api/admin/points-rules', admin)).body, {
      ...RULES,
      earnPointsPerYuan: 2,
      maxRedeemPoints: 3000,
      expiryDays: 365,
    });
    const audit = await call<{ items: { action: string; detail: { after?: unknown } }[] }>(
      'GET',
      '/api/admin/audit-log?limit=5',
      admin,
    );
    const entry = audit.body.items.find((e) => e.action === 'points.rules.update');
    assert.deepEqual(entry?.detail.after, {
      ...RULES,
      earnPointsPerYuan: 2,
      maxRedeemPoints: 3000,
      expiryDays: 365,
    });
    await setRules({});
  });

  test('adjustments: idempotent by requestId, never below zero, audited; refusals change nothing', async () => {
    const alice = await shopper('alice');
    const body = { userId: alice.userId, delta: 1000, note: '活动补偿', requestId: `adj-${run}-1` };
    const first = await call<{ entry: LedgerEntry; balance: number }>(
      'POST',
      '/api/admin/points-adjustments',
      admin,
      body,
    );
    assert.equal(first.status, 201);
    assert.equal(first.body.balance, 1000);
    assert.equal(first.body.entry.reason, 'admin_adjust');
    const again = await call<{ entry: LedgerEntry }>('POST', '/api/admin/points-adjustments', admin, body);
    assert.equal(again.body.entry.id, first.body.entry.id, 'a replay answers the first entry');
    assert.equal(await balance(alice), 1000);
    assertError(
      await call('POST', '/api/admin/points-adjustments', admin, { ...body, delta: 2000 }),
      409,
      'IDEMPOTENCY_KEY_REUSED',
      'This requestId was already used for a different request',
    );
    const over = await call('POST', '/api/admin/points-adjustments', admin, {
      ...body,
      delta: -1001,
      requestId: `adj-${run}-2`,
    });
    assert.deepEqual(over.body, {
      error: {
        code: 'INSUFFICIENT_POINTS',
        message: 'Not enough points',
        retryable: false,
        details: { balance: 1000, needed: 1001 },
      },
    });
    assertError(
      await call('POST', '/api/admin/points-adjustments', admin, {
        ...body,
        delta: 0,
        requestId: `adj-${run}-3`,
      }),
      400,
      'VALIDATION_FAILED',
      'delta must not be 0',
    );
    assertError(
      await call('POST', '/api/admin/points-adjustments', admin, {
        ...body,
        userId: 'usr_00000000000000000000000000',
        requestId: `adj-${run}-4`,
      }),
      404,
      'NOT_FOUND',
      'No such shopper',
    );
    assert.equal(await balance(alice), 1000);
    const audit = await call<{ items: { action: string; objectId: string }[] }>(
      'GET',
      '/api/admin/audit-log?limit=10',
      admin,
    );
    assert.equal(
      audit.body.items.filter((e) => e.action === 'points.adjust' && e.objectId === alice.userId).length,
      1,
      'one audit entry for one adjustment',
    );
    await assertLedgerSums();
  });

  test('checkout: points over the share or the balance are refused whole; held points return once on cancel', async () => {
    const bob = await shopper('bob');
    await grant(bob, 1000);
    const stockBefore = await stockLeft();
    const over = await checkout(bob, 1, 5001);
    assert.deepEqual(over.body, {
      error: {
        code: 'POINTS_OVER_LIMIT',
        message: 'At most 5000 points can be used on this order',
        retryable: false,
        details: { maxPoints: 5000 },
      },
    });
    const short = await checkout(bob, 1, 1001);
    assert.equal(short.status, 409);
    assert.equal((short.body as unknown as { error: { code: string } }).error.code, 'INSUFFICIENT_POINTS');
    assert.equal(await stockLeft(), stockBefore, 'a refused checkout takes no stock');
    assert.equal((await call<{ items: unknown[] }>('GET', '/api/orders', bob.token)).body.items.length, 0);

    const placed = await checkout(bob, 1, 400);
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const order = placed.body.order;
    assert.deepEqual(
      [order.itemsFen, order.discountFen, order.pointsUsed, order.payableFen],
      [10000, 0, 400, 9600],
    );
    assert.equal(await balance(bob), 600);
    assert.deepEqual(
      (await points(bob)).items.map((e) => [e.delta, e.reason, e.orderId]),
      [
        [-400, 'checkout_hold', order.id],
        [1000, 'admin_adjust', undefined],
      ],
    );
    const cancelled = await call<Order>('POST', `/api/orders/${order.id}/cancel`, bob.token);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(await balance(bob), 1000);
    await call('POST', `/api/orders/${order.id}/cancel`, bob.token);
    assert.equal(await balance(bob), 1000, 'a second cancel returns nothing');
    assert.deepEqual(
      (await points(bob)).items.map((e) => [e.delta, e.reason]),
      [
        [400, 'checkout_release'],
        [-400, 'checkout_hold'],
        [1000, 'admin_adjust'],
      ],
    );
    await assertLedgerSums();
  });

  test('an unpaid order that expires returns its points once; a paid one keeps them, and its refund returns them', async () => {
    const carol = await shopper('carol');
    await grant(carol, 1000);
    const unpaid = (await checkout(carol, 1, 300)).body.order;
    const paid = (await checkout(carol, 1, 200)).body.order;
    await pay(carol, paid);
    assert.equal(await balance(carol), 500);
    p.clock.advance(61_000);
    // The sweeper runs on its own too: either way the order is cancelled once.
    await p.broker.call('orders.expireDue', {});
    assert.equal(
      (await call<Order>('GET', `/api/orders/${unpaid.id}`, carol.token)).body.status,
      'cancelled',
    );
    assert.equal((await call<Order>('GET', `/api/orders/${paid.id}`, carol.token)).body.status, 'paid');
    assert.equal(
      await balance(carol),
      800,
      'the expired order’s 300 came back, the paid order’s 200 stay spent',
    );
    await p.broker.call('orders.expireDue', {});
    assert.equal(await balance(carol), 800, 'a second sweep returns nothing');

    const refund = await call<Order>('POST', `/api/admin/orders/${paid.id}/refund`, admin, {
      reason: '客户要求',
    });
    assert.equal(refund.body.status, 'refunding');
    // The refund.requested event drives the refund at the (development) provider.
    await eventually(async () => {
      await p.broker.call('payments.processRefunds', {});
      const o = await call<Order>('GET', `/api/orders/${paid.id}`, carol.token);
      return o.body.status === 'refunded' ? true : undefined;
    });
    assert.equal(await balance(carol), 1000, 'the refunded order’s points came back');
    await p.broker.call('payments.processRefunds', {});
    assert.equal(await balance(carol), 1000);
    const ledger = await call<{ items: LedgerEntry[] }>(
      'GET',
      `/api/admin/points-ledger?orderId=${paid.id}`,
      admin,
    );
    assert.deepEqual(
      ledger.body.items.map((e) => [e.reason, e.delta]),
      [
        ['refund_return', 200],
        ['checkout_hold', -200],
      ],
    );
    await assertLedgerSums();
  });

  test('a completed order earns points once, on the cash it paid; they expire on the schedule, first in first out', async () => {
    await setRules({ expiryDays: 30 });
    const dave = await shopper('dave');
    await grant(dave, 50); // expires on day 30
    p.clock.advance(10 * DAY);
    const order = (await checkout(dave, 2, 50)).body.order; // 20000 fen, 19950 payable
    await complete(dave, order);
    assert.equal(await balance(dave), 199, '50 − 50 + 199 earned (1 per whole yuan of 199.50)');
    const again = await call<Order>('POST', `/api/orders/${order.id}/receipt`, dave.token);
    assert.equal(again.body.status, 'completed');
    const earned = (await points(dave)).items.filter((e) => e.reason === 'order_earn');
    assert.equal(earned.length, 1, 'earned once');
    assert.equal(earned[0]!.expiresAt, new Date(p.clock.now() + 30 * DAY).toISOString());

    const spend = (await checkout(dave, 1, 100)).body.order;
    await pay(dave, spend);
    assert.equal(await balance(dave), 99);
    p.clock.advance(21 * DAY); // day 31: the grant is due, but it was spent first
    await p.broker.call('points.expireDue', {});
    assert.equal(await balance(dave), 99, 'nothing left of the grant to expire');
    p.clock.advance(10 * DAY); // day 41: the earned points are due
    await p.broker.call('points.expireDue', {});
    assert.equal(await balance(dave), 0);
    assert.deepEqual((await points(dave)).items[0]!.delta, -99);
    await p.broker.call('points.expireDue', {});
    assert.equal(await balance(dave), 0, 'a second sweep expires nothing');
    await setRules({});
    await assertLedgerSums();
  });

  test('an after-sale refund after completion takes back what the order earned, down to a zero balance, once', async () => {
    const ivy = await shopper('ivy');
    const order = (await checkout(ivy, 1)).body.order;
    await complete(ivy, order);
    assert.equal(await balance(ivy), 100);
    const spent = await call('POST', '/api/admin/points-adjustments', admin, {
      userId: ivy.userId,
      delta: -60,
      note: '测试扣减',
      requestId: `take-${run}`,
    });
    assert.equal(spent.status, 201);
    const request = await call<{ id: string }>('POST', `/api/orders/${order.id}/refund-requests`, ivy.token, {
      reason: '不想要了',
    });
    assert.equal(request.status, 201, JSON.stringify(request.body));
    const approved = await call('POST', `/api/admin/refund-requests/${request.body.id}/approve`, admin, {});
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    await eventually(async () => {
      await p.broker.call('payments.processRefunds', {});
      const o = await call<Order>('GET', `/api/orders/${order.id}`, ivy.token);
      return o.body.status === 'refunded' ? true : undefined;
    });
    const ledger = async () =>
      (
        await call<{ items: (LedgerEntry & { shortfall?: number })[] }>(
          'GET',
          `/api/admin/points-ledger?orderId=${order.id}`,
          admin,
        )
      ).body.items.map((e) => [e.reason, e.delta, e.balanceAfter, e.shortfall]);
    assert.deepEqual(await ledger(), [
      ['order_earn_reversal', -40, 0, 60],
      ['order_earn', 100, 100, undefined],
    ]);
    assert.equal(await balance(ivy), 0);
    await p.broker.call('payments.processRefunds', {});
    assert.equal((await ledger()).length, 2, 'taken back once');
    await assertLedgerSums();
  });

  test('checkouts racing for the same points: only what the balance allows is spent, the others take nothing', async () => {
    const erin = await shopper('erin');
    await grant(erin, 500);
    const stockBefore = await stockLeft();
    const results = await Promise.all(Array.from({ length: 8 }, () => checkout(erin, 1, 200)));
    const placed = results.filter((r) => r.status === 201);
    for (const r of results.filter((x) => x.status !== 201)) {
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.equal((r.body as unknown as { error: { code: string } }).error.code, 'INSUFFICIENT_POINTS');
    }
    assert.equal(placed.length, 2, 'two orders of 200 from 500');
    assert.equal(await balance(erin), 100);
    assert.equal(await stockLeft(), stockBefore - 2, 'only the placed orders took stock');
    await Promise.all(placed.map((r) => call('POST', `/api/orders/${r.body.order.id}/cancel`, erin.token)));
    assert.equal(await balance(erin), 500);
    await assertLedgerSums();
  });

  test('the shopper sees only their own points; the ledger pages by cursor', async () => {
    const frank = await shopper('frank');
    for (let i = 0; i < 3; i++) await grant(frank, 10);
    const first = await call<Points & { nextCursor?: string }>('GET', '/api/me/points?limit=2', frank.token);
    assert.equal(first.body.balance, 30);
    assert.equal(first.body.items.length, 2);
    assert.ok(first.body.nextCursor);
    const second = await call<Points & { nextCursor?: string }>(
      'GET',
      `/api/me/points?limit=2&cursor=${first.body.nextCursor}`,
      frank.token,
    );
    assert.equal(second.body.items.length, 1);
    assert.equal(second.body.nextCursor, undefined);
    assertError(
      await call('GET', '/api/me/points?cursor=abc', frank.token),
      400,
      'VALIDATION_FAILED',
      'Unknown cursor',
    );
  });

  test('points mall: a redemption race ends with stock, limits and every balance exact', async () => {
    const item = async (body: Record<string, unknown>) => {
      const made = await call<MallItem>('POST', '/api/admin/points-mall/items', admin, {
        title: '积分兑换 保温杯',
        pointsCost: 100,
        ...body,
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      return made.body;
    };
    const redeem = (s: Shopper, itemId: string, requestId = `rdm-${run}-${seq++}`) =>
      call<{ order: { id: string; itemId: string; points: number } }>(
        'POST',
        `/api/points-mall/items/${itemId}/redemptions`,
        s.token,
        { requestId },
      );
    const codeOf = (r: { body: unknown }) => (r.body as { error?: { code: string } }).error?.code;
    const stockOf = async (id: string) =>
      (await call<{ items: MallItem[] }>('GET', '/api/admin/points-mall/items', admin)).body.items.find(
        (i) => i.id === id,
      )!.stockLeft;

    // Many shoppers, few units, one each.
    const cups = await item({ stockTotal: 5, perUserLimit: 1 });
    const racers = await Promise.all(Array.from({ length: 12 }, (_, i) => shopper(`racer${i}`)));
    for (const r of racers) await grant(r, 150);
    const results = await Promise.all(racers.map((r) => redeem(r, cups.id)));
    assert.equal(results.filter((r) => r.status === 201).length, 5, 'exactly the stock');
    assert.deepEqual(
      results.filter((r) => r.status !== 201).map((r) => [r.status, codeOf(r)]),
      Array.from({ length: 7 }, () => [409, 'SOLD_OUT']),
    );
    assert.equal(await stockOf(cups.id), 0);
    for (const [i, r] of racers.entries()) {
      assert.equal(await balance(r), results[i]!.status === 201 ? 50 : 150, `racer ${i}`);
    }
    const listed = await api<{ items: MallItem[] }>(p.gateway, 'GET', '/api/points-mall/items');
    assert.equal(listed.body.items.find((i) => i.id === cups.id)!.stockLeft, 0);

    // One shopper firing many requests: the per-user limit holds.
    const gina = await shopper('gina');
    await grant(gina, 350);
    const mugs = await item({ stockTotal: 10, perUserLimit: 2 });
    const mine = await Promise.all(Array.from({ length: 6 }, () => redeem(gina, mugs.id)));
    assert.equal(mine.filter((r) => r.status === 201).length, 2);
    assert.deepEqual(mine.filter((r) => r.status !== 201).map(codeOf), [
      'LIMIT_EXCEEDED',
      'LIMIT_EXCEEDED',
      'LIMIT_EXCEEDED',
      'LIMIT_EXCEEDED',
    ]);
    assert.equal(await balance(gina), 150);
    assert.equal(await stockOf(mugs.id), 8);

    // Points for one only: the others take nothing.
    const hank = await shopper('hank');
    await grant(hank, 100);
    const pens = await item({ stockTotal: 10, perUserLimit: 3 });
    const few = await Promise.all(Array.from({ length: 3 }, () => redeem(hank, pens.id)));
    assert.equal(few.filter((r) => r.status === 201).length, 1);
    assert.deepEqual(few.filter((r) => r.status !== 201).map(codeOf), [
      'INSUFFICIENT_POINTS',
      'INSUFFICIENT_POINTS',
    ]);
    assert.equal(await balance(hank), 0);
    assert.equal(await stockOf(pens.id), 9);

    // A replay is the same redemption; the same requestId for another item is refused.
    await grant(gina, 100);
    const first = await redeem(gina, pens.id, `rdm-${run}-replay`);
    const again = await redeem(gina, pens.id, `rdm-${run}-replay`);
    assert.equal(again.status, 201);
    assert.equal(again.body.order.id, first.body.order.id);
    assert.equal(await balance(gina), 150);
    assertError(
      await redeem(gina, mugs.id, `rdm-${run}-replay`),
      409,
      'IDEMPOTENCY_KEY_REUSED',
      'This requestId was already used for a different request',
    );
    const history = await call<{ items: { id: string }[] }>(
      'GET',
      '/api/me/points-mall/redemptions',
      gina.token,
    );
    assert.equal(history.body.items.length, 3);
    assert.equal(history.body.items[0]!.id, first.body.order.id);

    // Window, stop, and the operator's edits.
    const later = await item({
      stockTotal: 1,
      perUserLimit: 1,
      startsAt: new Date(p.clock.now() + DAY).toISOString(),
    });
    assertError(await redeem(gina, later.id), 409, 'NOT_STARTED', 'The campaign has not started yet');
    const past = await item({
      stockTotal: 1,
      perUserLimit: 1,
      startsAt: new Date(p.clock.now() - 2 * DAY).toISOString(),
      endsAt: new Date(p.clock.now() - DAY).toISOString(),
    });
    assertError(await redeem(gina, past.id), 409, 'ENDED', 'The campaign has ended');
    const stopped = await call<MallItem>('PATCH', `/api/admin/points-mall/items/${mugs.id}`, admin, {
      status: 'stopped',
    });
    assert.equal(stopped.body.status, 'stopped');
    assertError(await redeem(gina, mugs.id), 404, 'NOT_FOUND', 'No such item in the points mall');
    assert.ok(
      !(await api<{ items: MallItem[] }>(p.gateway, 'GET', '/api/points-mall/items')).body.items.some(
        (i) => i.id === mugs.id || i.id === later.id || i.id === past.id,
      ),
    );
    const below = await call('PATCH', `/api/admin/points-mall/items/${cups.id}`, admin, { stockTotal: 4 });
    assert.deepEqual(below, {
      ...below,
      status: 409,
      body: {
        error: {
          code: 'CONFLICT',
          message: '5 units are already redeemed',
          retryable: false,
          details: { redeemed: 5 },
        },
      },
    });
    const more = await call<MallItem>('PATCH', `/api/admin/points-mall/items/${cups.id}`, admin, {
      stockTotal: 8,
    });
    assert.deepEqual([more.body.stockTotal, more.body.stockLeft], [8, 3]);
    assertError(
      await call('POST', '/api/admin/points-mall/items', admin, {
        title: '反了',
        pointsCost: 1,
        stockTotal: 1,
        perUserLimit: 1,
        startsAt: new Date(p.clock.now() + DAY).toISOString(),
        endsAt: new Date(p.clock.now()).toISOString(),
      }),
      400,
      'VALIDATION_FAILED',
      'endsAt must be after startsAt',
    );
    const audit = await call<{ items: { action: string; objectId: string }[] }>(
      'GET',
      '/api/admin/audit-log?limit=50',
      admin,
    );
    assert.ok(audit.body.items.some((e) => e.action === 'points_mall.item.create' && e.objectId === cups.id));
    assert.ok(audit.body.items.some((e) => e.action === 'points_mall.item.update' && e.objectId === cups.id));
    await assertLedgerSums();
  });

  async function stockLeft(): Promise<number> {
    const product = await call<{ skus: { id: string; stock: number }[] }>(
      'GET',
      `/api/admin/products/${productId}`,
      admin,
    );
    return product.body.skus.find((x) => x.id === skuId)!.stock;
  }
}

describe('points on PostgreSQL', () => {
  pointsSuite({});
});

describe('points on the embedded default', () => {
  pointsSuite({ store: 'memory', database: 'embedded' });
});
