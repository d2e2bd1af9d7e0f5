/**
 * Coupons on campaign orders, on real PostgreSQL and Redis through the gateway: seckill and group-buy orders made
 * by the hot path and settlement take one of the shopper's coupons before they are paid (PUT and DELETE
 * /api/orders/:id/coupon), with the best one suggested (GET /api/orders/:id/coupons). Applying, replacing and
 * removing move the coupon through its machine with the order's payable amount in one transaction; payment
 * charges the new amount and uses the coupon; cancel, expiry and a failed group return it (and a late payment
 * is refunded at what was charged); a refund keeps it unless the template returns it; once paying started the
 * price is fixed. The same coupon sent to two orders at once lands on one. Every refusal has its code and
 * changes nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ERRORS, type ErrorCode } from '@tuanmiao/contract';
import pino from 'pino';
import { checkCampaigns } from '../../src/runtime/campaign-health.ts';
import { unknownId } from '../gateway/support.ts';
import { adminLogin, devLogin, eventually, type JsonResponse } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';

interface AppliedCoupon {
  id: string;
  templateId: string;
  name: string;
  discountFen: number;
}
interface Order {
  id: string;
  status: string;
  kind: string;
  totalFen: number;
  discountFen: number;
  payableFen: number;
  expiresAt: string;
  paymentStartedAt?: string;
  coupon?: AppliedCoupon;
}
interface Coupon {
  id: string;
  templateId: string;
  status: string;
  orderId?: string;
}
interface Applicable {
  items: { coupon: Coupon; discountFen: number }[];
  bestCouponId?: string;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** The seckill price of one unit, and the group-buy price. */
const SECKILL_FEN = 5000;
const GROUP_FEN = 4000;

describe('coupons on seckill and group-buy orders (PostgreSQL and Redis, through the gateway)', () => {
  let p: InProcessPlatform;
  let admin: string;
  const run = randomBytes(4).toString('hex');
  let skuTea: string;
  let productCup: string;
  let seckill: string;
  const api = <T = unknown>(method: string, path: string, opts?: { token?: string; body?: unknown }) =>
    p.api<T>(method, path, opts);
  const now = () => p.clock.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const rid = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`;

  /** The exact error body of a refusal. */
  function refused(
    res: JsonResponse,
    status: number,
    code: ErrorCode,
    details?: Record<string, unknown>,
  ): void {
    assert.equal(res.status, status, JSON.stringify(res.body));
    const body = res.body as { error: { message: string } };
    assert.deepEqual(res.body, {
      error: {
        code,
        message: body.error.message,
        retryable: ERRORS[code].retryable,
        ...(details ? { details } : {}),
      },
    });
    if (code !== 'NOT_FOUND' && code !== 'ORDER_NOT_PAYABLE')
      assert.equal(body.error.message, ERRORS[code].message);
  }

  const shopper = (name: string) => devLogin(p.gateway, `${name}-${run}`);

  const createTemplate = async (body: Record<string, unknown>): Promise<string> => {
    const res = await api<{ id: string }>('POST', '/api/admin/coupon-templates', {
      token: admin,
      body: {
        name: '满50减10',
        kind: 'amount_off',
        amountOffFen: 1000,
        minSpendFen: 5000,
        total: 1000,
        perUserLimit: 10,
        claimStartsAt: iso(now() - 60_000),
        claimEndsAt: iso(now() + 24 * HOUR),
        validDays: 7,
        ...body,
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };

  /** Issues one coupon of the template to the shopper (an operator's issue: at once, no claim to settle). */
  const give = async (templateId: string, s: { token: string; userId: string }): Promise<string> => {
    const before = new Set((await mine(s.token)).map((c) => c.id));
    const res = await api<{ issued: number }>('POST', `/api/admin/coupon-templates/${templateId}/issues`, {
      token: admin,
      body: { userIds: [s.userId], reason: '测试', issueKey: rid('issue') },
    });
    assert.equal(res.body.issued, 1, JSON.stringify(res.body));
    const made = (await mine(s.token)).filter((c) => c.templateId === templateId && !before.has(c.id));
    assert.equal(made.length, 1);
    return made[0]!.id;
  };
  const mine = async (token: string) =>
    (await api<{ items: Coupon[] }>('GET', '/api/me/coupons', { token })).body.items;
  const couponOf = async (token: string, id: string) => (await mine(token)).find((c) => c.id === id);
  const getOrder = async (token: string, id: string) =>
    (await api<Order>('GET', `/api/orders/${id}`, { token })).body;
  const apply = (token: string, orderId: string, couponId: string) =>
    api<Order>('PUT', `/api/orders/${orderId}/coupon`, { token, body: { couponId } });
  const remove = (token: string, orderId: string) =>
    api<Order>('DELETE', `/api/orders/${orderId}/coupon`, { token });
  const choices = (token: string, orderId: string) =>
    api<Applicable>('GET', `/api/orders/${orderId}/coupons`, { token });

  /** Reserves on the seckill campaign through the hot path and waits for settlement to make the order. */
  async function seckillOrder(s: { token: string }, quantity = 2, campaignId = seckill): Promise<Order> {
    const r = await api<{ reservation: { id: string } }>('POST', `/api/seckill/${campaignId}/reservations`, {
      token: s.token,
      body: { quantity, requestId: rid('rsv') },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const orderId = await eventually(
      async () =>
        (
          await api<{ orderId?: string }>('GET', `/api/reservations/${r.body.reservation.id}`, {
            token: s.token,
          })
        ).body.orderId,
      20_000,
      'the reservation settled into an order',
    );
    return getOrder(s.token, orderId);
  }

  async function groupCampaign(groupTtlSeconds = 600): Promise<string> {
    const c = await api<{ id: string }>('POST', '/api/admin/campaigns', {
      token: admin,
      body: {
        type: 'groupbuy',
        title: `团 ${run}`,
        skuId: skuTea,
        priceFen: GROUP_FEN,
        startsAt: iso(now() - 60_000),
        endsAt: iso(now() + 7 * DAY),
        stockTotal: 20,
        perUserLimit: 1,
        groupSize: 2,
        groupTtlSeconds,
      },
    });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    return c.body.id;
  }

  /** Opens a group as its leader; waits for the leader's order. */
  async function groupOrder(
    s: { token: string },
    campaignId: string,
  ): Promise<{ order: Order; groupId: string }> {
    const opened = await api<{ group: { id: string }; reservation: { id: string } }>(
      'POST',
      `/api/groupbuy/${campaignId}/groups`,
      { token: s.token, body: { requestId: rid('open') } },
    );
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    const orderId = await eventually(
      async () =>
        (
          await api<{ orderId?: string }>('GET', `/api/reservations/${opened.body.reservation.id}`, {
            token: s.token,
          })
        ).body.orderId,
      20_000,
      'the leader’s order',
    );
    return { order: await getOrder(s.token, orderId), groupId: opened.body.group.id };
  }

  async function payDev(token: string, orderId: string, addressId: string): Promise<number> {
    const start = await api<{ provider: string; params: { amountFen: number } }>(
      'POST',
      `/api/orders/${orderId}/payment`,
      { token, body: { addressId } },
    );
    assert.equal(start.status, 200, JSON.stringify(start.body));
    const done = await api<{ outcome: string }>('POST', `/api/payments/dev/${orderId}/confirm`, { token });
    assert.equal(done.body.outcome, 'applied', JSON.stringify(done.body));
    return start.body.params.amountFen;
  }
  const address = async (token: string) =>
    (
      await api<{ id: string }>('POST', '/api/addresses', {
        token,
        body: {
          name: '张三',
          phone: '13812348000',
          region: ['330000', '330100', '330106'],
          detail: '龙井路 1 号',
        },
      })
    ).body.id;

  /** Coupon transitions written for one coupon, oldest first. */
  const transitionsOf = async (couponId: string) =>
    (
      await p.deployment.sql.query<{
        from_status: string | null;
        to_status: string;
        reason: string;
        order_id: string | null;
      }>(
        'select from_status, to_status, reason, order_id from coupon_transitions where coupon_id = $1 order by id',
        [couponId],
      )
    ).rows.map(
      (r) => `${r.from_status ?? 'none'}→${r.to_status} ${r.reason}${r.order_id ? ` ${r.order_id}` : ''}`,
    );
  const counted = async (from: string, to: string, reason: string) => {
    const text = (await p.gateway.inject({ method: 'GET', url: '/metrics' })).body;
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`tm_coupon_transitions_total{from="${from}",to="${to}",reason="${reason}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  before(async () => {
    p = await startInProcess({ store: 'redis', env: { PAYMENT_TTL_SECONDS: '60', ALLOW_SHORT_TTL: '1' } });
    admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
    const tea = await api<{ id: string; skus: { id: string }[] }>('POST', '/api/admin/products', {
      token: admin,
      body: { title: '西湖龙井', skus: [{ name: '250 g', priceFen: 6000, stock: 1000 }] },
    });
    assert.equal(tea.status, 201, JSON.stringify(tea.body));
    skuTea = tea.body.skus[0]!.id;
    const cup = await api<{ id: string; skus: { id: string }[] }>('POST', '/api/admin/products', {
      token: admin,
      body: { title: '茶杯', skus: [{ name: '一只', priceFen: 3000, stock: 1000 }] },
    });
    productCup = cup.body.id;
    const c = await api<{ id: string }>('POST', '/api/admin/campaigns', {
      token: admin,
      body: {
        type: 'seckill',
        title: `秒杀 ${run}`,
        skuId: skuTea,
        priceFen: SECKILL_FEN,
        startsAt: iso(now() - 60_000),
        endsAt: iso(now() + 7 * DAY),
        stockTotal: 500,
        perUserLimit: 100,
      },
    });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    seckill = c.body.id;
  });
  after(async () => {
    await p?.stop();
  });

  test('apply, replace and remove on a seckill order: the payable amount follows, each move a logged and counted transition', async () => {
    const withSeckill = await createTemplate({ name: '秒杀可用 满50减10', combinesWithSeckill: true });
    const bigger = await createTemplate({
      name: '秒杀可用 满80减20',
      amountOffFen: 2000,
      minSpendFen: 8000,
      combinesWithSeckill: true,
    });
    const s = await shopper('apply');
    const small = await give(withSeckill, s);
    const big = await give(bigger, s);
    const order = await seckillOrder(s, 2);
    assert.deepEqual(
      [order.kind, order.totalFen, order.discountFen, order.payableFen],
      ['seckill', 10_000, 0, 10_000],
    );
    assert.equal(order.coupon, undefined);
    const replacedBefore = await counted('locked', 'unused', 'order_coupon_replaced');

    const a = await apply(s.token, order.id, small);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.deepEqual([a.body.discountFen, a.body.payableFen], [1000, 9000]);
    assert.deepEqual(a.body.coupon, {
      id: small,
      templateId: withSeckill,
      name: '秒杀可用 满50减10',
      discountFen: 1000,
    });
    assert.deepEqual(await couponOf(s.token, small).then((c) => [c?.status, c?.orderId]), [
      'locked',
      order.id,
    ]);
    // The same coupon again: the same state, no second transition (PUT).
    const again = await apply(s.token, order.id, small);
    assert.equal(again.body.payableFen, 9000);

    const b = await apply(s.token, order.id, big);
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.deepEqual([b.body.discountFen, b.body.payableFen, b.body.coupon?.id], [2000, 8000, big]);
    assert.deepEqual(await couponOf(s.token, small).then((c) => [c?.status, c?.orderId]), [
      'unused',
      undefined,
    ]);
    assert.equal((await couponOf(s.token, big))?.status, 'locked');

    const r = await remove(s.token, order.id);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.discountFen, r.body.payableFen, r.body.coupon], [0, 10_000, undefined]);
    assert.equal((await couponOf(s.token, big))?.status, 'unused');
    // Nothing to remove: the order as it is.
    const none = await remove(s.token, order.id);
    assert.deepEqual([none.status, none.body.payableFen], [200, 10_000]);

    assert.deepEqual(await transitionsOf(small), [
      'none→unused issued_operator',
      `unused→locked order_coupon_applied ${order.id}`,
      `locked→unused order_coupon_replaced ${order.id}`,
    ]);
    assert.deepEqual(await transitionsOf(big), [
      'none→unused issued_operator',
      `unused→locked order_coupon_applied ${order.id}`,
      `locked→unused order_coupon_removed ${order.id}`,
    ]);
    assert.equal(await counted('locked', 'unused', 'order_coupon_replaced'), replacedBefore + 1);
    assert.ok((await counted('unused', 'locked', 'order_coupon_applied')) >= 2);
    assert.ok((await counted('locked', 'unused', 'order_coupon_removed')) >= 1);
  });

  test('the suggestion: coupons that combine with the campaign price, best first, the held one among them', async () => {
    const tenOff = await createTemplate({ name: '秒杀 减10', combinesWithSeckill: true });
    const twentyPercent = await createTemplate({
      name: '秒杀 8折',
      kind: 'percent_off',
      amountOffFen: undefined,
      minSpendFen: 0,
      percentOff: 20,
      maxOffFen: 1500,
      combinesWithSeckill: true,
    });
    const notWithSeckill = await createTemplate({
      name: '不与秒杀同享',
      kind: 'no_threshold',
      amountOffFen: 3000,
      minSpendFen: 0,
    });
    const tooHigh = await createTemplate({
      name: '满500减100',
      amountOffFen: 10_000,
      minSpendFen: 50_000,
      combinesWithSeckill: true,
    });
    const s = await shopper('suggest');
    const [ten, percent] = [await give(tenOff, s), await give(twentyPercent, s)];
    await give(notWithSeckill, s);
    await give(tooHigh, s);
    const order = await seckillOrder(s, 1);
    const list = await choices(s.token, order.id);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    // 8折 on 50 yuan is 10 yuan, as is 满50减10: the one that runs out first wins the tie, then by id.
    assert.deepEqual(
      list.body.items.map((i) => [i.coupon.id, i.discountFen]).sort(),
      [
        [ten, 1000],
        [percent, 1000],
      ].sort(),
    );
    assert.equal(list.body.bestCouponId, list.body.items[0]!.coupon.id);
    const applied = await apply(s.token, order.id, percent);
    assert.equal(applied.body.discountFen, 1000);
    const held = await choices(s.token, order.id);
    const heldItem = held.body.items.find((i) => i.coupon.id === percent);
    assert.deepEqual([heldItem?.coupon.status, heldItem?.coupon.orderId], ['locked', order.id]);
    // Another shopper's order is not found; a shop order takes its coupon at checkout.
    const other = await shopper('suggest-other');
    refused(await choices(other.token, order.id), 404, 'NOT_FOUND');
    refused(await choices(s.token, unknownId('ord')), 404, 'NOT_FOUND');
  });

  test('every refusal has its code and changes nothing', async () => {
    const withSeckill = await createTemplate({ name: '秒杀可用', combinesWithSeckill: true });
    const notWithSeckill = await createTemplate({ name: '默认不与秒杀同享' });
    const highThreshold = await createTemplate({
      name: '满200减30',
      amountOffFen: 3000,
      minSpendFen: 20_000,
      combinesWithSeckill: true,
    });
    const cupsOnly = await createTemplate({
      name: '茶杯专用',
      scope: 'products',
      scopeIds: [productCup],
      combinesWithSeckill: true,
    });
    const later = await createTemplate({
      name: '明天起可用',
      combinesWithSeckill: true,
      validDays: undefined,
      validFrom: iso(now() + 25 * HOUR),
      validUntil: iso(now() + 48 * HOUR),
    });
    const s = await shopper('refusals');
    const other = await shopper('refusals-other');
    const order = await seckillOrder(s, 1);
    const otherOrder = await seckillOrder(other, 1);
    const mineCoupon = await give(withSeckill, s);
    const othersCoupon = await give(withSeckill, other);
    const unchanged = async () => {
      const o = await getOrder(s.token, order.id);
      assert.deepEqual([o.discountFen, o.payableFen, o.coupon], [0, SECKILL_FEN, undefined]);
    };

    const notCombinable = await give(notWithSeckill, s);
    refused(await apply(s.token, order.id, notCombinable), 409, 'COUPON_NOT_COMBINABLE', {
      couponId: notCombinable,
    });
    const high = await give(highThreshold, s);
    refused(await apply(s.token, order.id, high), 409, 'COUPON_THRESHOLD_NOT_MET', {
      couponId: high,
      minSpendFen: 20_000,
      spendFen: SECKILL_FEN,
    });
    const cups = await give(cupsOnly, s);
    refused(await apply(s.token, order.id, cups), 409, 'COUPON_NOT_APPLICABLE', { couponId: cups });
    const notYet = await give(later, s);
    refused(await apply(s.token, order.id, notYet), 409, 'COUPON_NOT_YET_VALID', { couponId: notYet });
    // Another shopper's coupon, an unknown one, another shopper's order: not found.
    refused(await apply(s.token, order.id, othersCoupon), 404, 'NOT_FOUND');
    refused(await apply(s.token, order.id, unknownId('cpn')), 404, 'NOT_FOUND');
    refused(await apply(s.token, otherOrder.id, mineCoupon), 404, 'NOT_FOUND');
    refused(await remove(s.token, otherOrder.id), 404, 'NOT_FOUND');
    refused(await apply(s.token, unknownId('ord'), mineCoupon), 404, 'NOT_FOUND');
    await unchanged();
    assert.deepEqual(await couponOf(other.token, othersCoupon).then((c) => c?.status), 'unused');
    assert.equal((await getOrder(other.token, otherOrder.id)).discountFen, 0);

    // A coupon locked to another live order of mine.
    const second = await seckillOrder(s, 1);
    assert.equal((await apply(s.token, second.id, mineCoupon)).status, 200);
    refused(await apply(s.token, order.id, mineCoupon), 409, 'COUPON_UNAVAILABLE', { couponId: mineCoupon });
    await unchanged();
    // A shop order takes its coupon at checkout.
    const addressId = await address(s.token);
    const shop = await api<{ order: Order }>('POST', '/api/orders', {
      token: s.token,
      body: { items: [{ skuId: skuTea, quantity: 1 }], addressId, requestId: rid('co') },
    });
    assert.equal(shop.status, 201, JSON.stringify(shop.body));
    const free = await give(withSeckill, s);
    refused(await apply(s.token, shop.body.order.id, free), 409, 'COUPON_CHOSEN_AT_CHECKOUT');
    refused(await remove(s.token, shop.body.order.id), 409, 'COUPON_CHOSEN_AT_CHECKOUT');
    refused(await choices(s.token, shop.body.order.id), 409, 'COUPON_CHOSEN_AT_CHECKOUT');
    assert.equal((await couponOf(s.token, free))?.status, 'unused');

    // Payment started at the channel: the price is fixed, both ways.
    const started = await seckillOrder(s, 1);
    assert.equal((await apply(s.token, started.id, free)).status, 200);
    const start = await api<{ params: { amountFen: number } }>('POST', `/api/orders/${started.id}/payment`, {
      token: s.token,
      body: { addressId },
    });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    assert.equal(start.body.params.amountFen, SECKILL_FEN - 1000, 'the channel is asked for the new total');
    const another = await give(withSeckill, s);
    refused(await apply(s.token, started.id, another), 409, 'PAYMENT_STARTED');
    refused(await remove(s.token, started.id), 409, 'PAYMENT_STARTED');
    assert.ok((await getOrder(s.token, started.id)).paymentStartedAt, 'the order says its price is fixed');
    assert.deepEqual((await choices(s.token, started.id)).body, { items: [] }, 'nothing to choose any more');
    assert.deepEqual(await getOrder(s.token, started.id).then((o) => [o.payableFen, o.coupon?.id]), [
      SECKILL_FEN - 1000,
      free,
    ]);
    assert.equal((await couponOf(s.token, another))?.status, 'unused');

    // An order no longer unpaid: paid, then cancelled.
    const done = await api<{ outcome: string }>('POST', `/api/payments/dev/${started.id}/confirm`, {
      token: s.token,
    });
    assert.equal(done.body.outcome, 'applied');
    refused(await apply(s.token, started.id, another), 409, 'ORDER_NOT_PAYABLE');
    refused(await remove(s.token, started.id), 409, 'ORDER_NOT_PAYABLE');
    assert.equal((await couponOf(s.token, free))?.status, 'used', 'a used coupon stays on its paid order');
    refused(await apply(s.token, order.id, free), 409, 'COUPON_UNAVAILABLE', { couponId: free });
    const cancelled = await seckillOrder(s, 1);
    assert.equal((await api('POST', `/api/orders/${cancelled.id}/cancel`, { token: s.token })).status, 200);
    refused(await apply(s.token, cancelled.id, another), 409, 'ORDER_NOT_PAYABLE');
    await unchanged();
    assert.equal((await couponOf(s.token, another))?.status, 'unused');

    // Bad input: a malformed coupon id, an extra field, no body, no token.
    for (const body of [{ couponId: 'cpn_1' }, { couponId: another, discountFen: 1 }, {}]) {
      const res = await api<{ error: { code: string } }>('PUT', `/api/orders/${order.id}/coupon`, {
        token: s.token,
        body,
      });
      assert.deepEqual([res.status, res.body.error.code], [400, 'VALIDATION_FAILED'], JSON.stringify(body));
    }
    assert.equal(
      (await api('PUT', `/api/orders/${order.id}/coupon`, { body: { couponId: another } })).status,
      401,
    );
    assert.equal((await api('DELETE', `/api/orders/${order.id}/coupon`)).status, 401);
    await unchanged();
  });

  test('the same coupon sent to two seckill orders at once lands on one; the other order keeps its price', async () => {
    const t = await createTemplate({ name: '并发 满50减10', combinesWithSeckill: true });
    for (let round = 0; round < 5; round++) {
      const s = await shopper(`race-${round}`);
      const coupon = await give(t, s);
      const [o1, o2] = [await seckillOrder(s, 1), await seckillOrder(s, 1)];
      const answers = await Promise.all([apply(s.token, o1.id, coupon), apply(s.token, o2.id, coupon)]);
      const ok = answers.filter((a) => a.status === 200);
      assert.equal(ok.length, 1, JSON.stringify(answers.map((a) => a.body)));
      const loser = answers.find((a) => a.status !== 200)!;
      refused(loser, 409, 'COUPON_UNAVAILABLE', { couponId: coupon });
      const winner = ok[0]!.body.id;
      const [w, l] = [winner, winner === o1.id ? o2.id : o1.id];
      assert.deepEqual(await getOrder(s.token, w).then((o) => [o.payableFen, o.coupon?.id]), [
        SECKILL_FEN - 1000,
        coupon,
      ]);
      assert.deepEqual(await getOrder(s.token, l).then((o) => [o.payableFen, o.coupon]), [
        SECKILL_FEN,
        undefined,
      ]);
      const locks = await p.deployment.sql.query<{ n: string }>(
        `select count(*) as n from coupon_transitions where coupon_id = $1 and to_status = 'locked'`,
        [coupon],
      );
      assert.equal(Number(locks.rows[0]!.n), 1, 'one lock written');
    }
    // Two coupons sent to one order at once: it ends with one of them, its discount the order's.
    const s = await shopper('race-one-order');
    const [c1, c2] = [await give(t, s), await give(t, s)];
    const o = await seckillOrder(s, 1);
    const both = await Promise.all([apply(s.token, o.id, c1), apply(s.token, o.id, c2)]);
    assert.deepEqual(
      both.map((a) => a.status),
      [200, 200],
    );
    const held = (await mine(s.token)).filter((c) => c.status === 'locked' && c.orderId === o.id);
    assert.equal(held.length, 1);
    assert.deepEqual(await getOrder(s.token, o.id).then((x) => [x.discountFen, x.coupon?.id]), [
      1000,
      held[0]!.id,
    ]);
  });

  test('a coupon change racing the payment start or a cancel: the channel is asked for what the order keeps', async () => {
    const t = await createTemplate({ name: '竞态 满50减10', combinesWithSeckill: true });
    const s = await shopper('race-pay');
    const addressId = await address(s.token);
    const outcomes = new Set<string>();
    for (let round = 0; round < 6; round++) {
      const coupon = await give(t, s);
      const order = await seckillOrder(s, 1);
      const [applied, started] = await Promise.all([
        apply(s.token, order.id, coupon),
        api<{ params: { amountFen: number } }>('POST', `/api/orders/${order.id}/payment`, {
          token: s.token,
          body: { addressId },
        }),
      ]);
      assert.equal(started.status, 200, JSON.stringify(started.body));
      if (applied.status !== 200) refused(applied, 409, 'PAYMENT_STARTED');
      outcomes.add(applied.status === 200 ? 'applied first' : 'payment first');
      const kept = await getOrder(s.token, order.id);
      assert.equal(
        started.body.params.amountFen,
        kept.payableFen,
        'the channel charges what the order keeps',
      );
      assert.equal(kept.payableFen, applied.status === 200 ? SECKILL_FEN - 1000 : SECKILL_FEN);
      assert.equal((await couponOf(s.token, coupon))?.status, applied.status === 200 ? 'locked' : 'unused');
      // A coupon change and a cancel at once: whoever wins, the order ends cancelled and the coupon free.
      const free = await give(t, s);
      const other = await seckillOrder(s, 1);
      const [put, cancel] = await Promise.all([
        apply(s.token, other.id, free),
        api<Order>('POST', `/api/orders/${other.id}/cancel`, { token: s.token }),
      ]);
      assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
      if (put.status !== 200) refused(put, 409, 'ORDER_NOT_PAYABLE');
      assert.equal((await getOrder(s.token, other.id)).status, 'cancelled');
      assert.deepEqual(await couponOf(s.token, free).then((c) => [c?.status, c?.orderId]), [
        'unused',
        undefined,
      ]);
    }
    // Which one wins is the machine's timing; both are correct (not asserted, reported for the record).
    console.log(`payment start vs coupon change: ${[...outcomes].join(', ')}`);
  });

  test('paid with the coupon, then refunded: used, and kept unless the template returns it on refund', async () => {
    const keep = await createTemplate({ name: '退款不退券', combinesWithSeckill: true });
    const giveBack = await createTemplate({
      name: '退款退券',
      combinesWithSeckill: true,
      returnedOnRefund: true,
    });
    const s = await shopper('pay');
    const addressId = await address(s.token);
    for (const [t, afterRefund] of [
      [keep, 'used'],
      [giveBack, 'unused'],
    ] as const) {
      const coupon = await give(t, s);
      const order = await seckillOrder(s, 2);
      assert.equal((await apply(s.token, order.id, coupon)).body.payableFen, 9000);
      assert.equal(await payDev(s.token, order.id, addressId), 9000, 'charged the new total');
      const paid = await getOrder(s.token, order.id);
      assert.deepEqual([paid.status, paid.payableFen, paid.coupon?.id], ['paid', 9000, coupon]);
      assert.equal((await couponOf(s.token, coupon))?.status, 'used');
      const charged = await p.deployment.sql.query<{ amount_fen: number }>(
        `select amount_fen from payments where order_id = $1`,
        [order.id],
      );
      assert.equal(charged.rows[0]?.amount_fen, 9000);
      const r = await api('POST', `/api/admin/orders/${order.id}/refund`, {
        token: admin,
        body: { reason: '不想要了' },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await eventually(async () =>
        (await getOrder(s.token, order.id)).status === 'refunded' ? true : undefined,
      );
      const refund = await p.deployment.sql.query<{ amount_fen: number }>(
        `select amount_fen from refunds where order_id = $1`,
        [order.id],
      );
      assert.equal(refund.rows[0]?.amount_fen, 9000, 'refunded what was charged');
      assert.equal((await couponOf(s.token, coupon))?.status, afterRefund);
    }
  });

  test('cancel and expiry return the coupon; a payment after expiry is refunded at what was charged', async () => {
    const t = await createTemplate({ name: '取消退回', combinesWithSeckill: true });
    const s = await shopper('cancel');
    const addressId = await address(s.token);
    const coupon = await give(t, s);
    const o1 = await seckillOrder(s, 1);
    assert.equal((await apply(s.token, o1.id, coupon)).status, 200);
    assert.equal(
      (await api<Order>('POST', `/api/orders/${o1.id}/cancel`, { token: s.token })).body.status,
      'cancelled',
    );
    assert.deepEqual(await couponOf(s.token, coupon).then((c) => [c?.status, c?.orderId]), [
      'unused',
      undefined,
    ]);

    // Applied again on a new order, which then expires unpaid: back to unused.
    const o2 = await seckillOrder(s, 1);
    assert.equal((await apply(s.token, o2.id, coupon)).body.payableFen, SECKILL_FEN - 1000);
    // Paying starts (the amount is fixed), then time runs out and the sweep cancels the order.
    assert.equal(
      (await api('POST', `/api/orders/${o2.id}/payment`, { token: s.token, body: { addressId } })).status,
      200,
    );
    p.clock.advance(61_000);
    refused(await apply(s.token, o2.id, coupon), 409, 'ORDER_EXPIRED');
    await p.broker.call('orders.expireDue', {});
    assert.equal((await getOrder(s.token, o2.id)).status, 'cancelled');
    assert.deepEqual(await couponOf(s.token, coupon).then((c) => [c?.status, c?.orderId]), [
      'unused',
      undefined,
    ]);
    assert.deepEqual((await transitionsOf(coupon)).slice(-2), [
      `unused→locked order_coupon_applied ${o2.id}`,
      `locked→unused order_cancelled ${o2.id}`,
    ]);
    // The shopper pays it anyway (late): refunded in full at what the channel charged, the coupon stays free.
    const late = await api<{ outcome: string }>('POST', `/api/payments/dev/${o2.id}/confirm`, {
      token: s.token,
    });
    assert.equal(late.body.outcome, 'late_refunded', JSON.stringify(late.body));
    const refunds = await p.deployment.sql.query<{ amount_fen: number; reason: string }>(
      'select amount_fen, reason from refunds where order_id = $1',
      [o2.id],
    );
    assert.deepEqual(refunds.rows, [{ amount_fen: SECKILL_FEN - 1000, reason: 'late_payment' }]);
    assert.equal((await couponOf(s.token, coupon))?.status, 'unused');
  });

  test('group-buy orders: combine by default, refused where the template says no, returned when the group fails', async () => {
    const campaignId = await groupCampaign(30);
    const byDefault = await createTemplate({
      name: '拼团可用 满30减5',
      amountOffFen: 500,
      minSpendFen: 3000,
    });
    const notWithGroups = await createTemplate({
      name: '不与拼团同享',
      kind: 'no_threshold',
      amountOffFen: 800,
      minSpendFen: 0,
      combinesWithGroupbuy: false,
      combinesWithSeckill: true,
    });
    const leader = await shopper('group-leader');
    const ok = await give(byDefault, leader);
    const no = await give(notWithGroups, leader);
    const { order } = await groupOrder(leader, campaignId);
    assert.deepEqual([order.kind, order.payableFen], ['groupbuy', GROUP_FEN]);
    const list = await choices(leader.token, order.id);
    assert.deepEqual(
      list.body.items.map((i) => i.coupon.id),
      [ok],
    );
    refused(await apply(leader.token, order.id, no), 409, 'COUPON_NOT_COMBINABLE', { couponId: no });
    const applied = await apply(leader.token, order.id, ok);
    assert.deepEqual([applied.status, applied.body.payableFen], [200, GROUP_FEN - 500]);
    // Nobody joins: the group fails and its unpaid order is cancelled, the coupon back to unused.
    p.clock.advance(31_000);
    await p.broker.call('groups.expireDue', {});
    await eventually(async () =>
      (await getOrder(leader.token, order.id)).status === 'cancelled' ? true : undefined,
    );
    assert.deepEqual(await couponOf(leader.token, ok).then((c) => [c?.status, c?.orderId]), [
      'unused',
      undefined,
    ]);
  });

  test('reconciliation counts a coupon whose discount its order does not hold: none, until one is written around the machines', async () => {
    const outOfStep = async () => {
      await checkCampaigns({
        broker: p.broker,
        store: p.rt.store,
        sql: p.deployment.sql,
        log: pino({ level: 'silent' }),
        nowMs: now(),
      });
      const text = (await p.gateway.inject({ method: 'GET', url: '/metrics' })).body;
      return Number(/^tm_coupons_out_of_step (\d+)$/m.exec(text)?.[1]);
    };
    assert.equal(await outOfStep(), 0, 'every coupon change above wrote its order with it');
    const t = await createTemplate({ name: '对账', combinesWithSeckill: true });
    const s = await shopper('out-of-step');
    const coupon = await give(t, s);
    const order = await seckillOrder(s, 1);
    assert.equal((await apply(s.token, order.id, coupon)).status, 200);
    assert.equal(await outOfStep(), 0);
    // A bug's footprint: the order's discount written back behind the coupon machine.
    await p.deployment.sql.query('update orders set discount_fen = 0 where id = $1', [order.id]);
    try {
      assert.equal(await outOfStep(), 1);
    } finally {
      await p.deployment.sql.query('update orders set discount_fen = 1000 where id = $1', [order.id]);
    }
    assert.equal(await outOfStep(), 0);
  });

  test('an expired coupon is refused', async () => {
    const t = await createTemplate({ name: '一天有效', combinesWithSeckill: true, validDays: 1 });
    const s = await shopper('expired');
    const coupon = await give(t, s);
    p.clock.advance(DAY + 1000);
    const order = await seckillOrder(s, 1);
    refused(await apply(s.token, order.id, coupon), 409, 'COUPON_EXPIRED', { couponId: coupon });
    assert.equal((await getOrder(s.token, order.id)).payableFen, SECKILL_FEN);
    assert.deepEqual((await choices(s.token, order.id)).body.items, []);
  });
});
