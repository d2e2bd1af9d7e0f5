/**
 * The coupon pages' logic without `wx`: what a coupon is worth in a shop's words, where a coupon grab stands on
 * the server's clock and what its button says, a claim's refusal sentence, validity dates in China's time, the
 * rows of "我的优惠券", the coupon choices at checkout (none first, then the best) and on an unpaid seckill or
 * group-buy order (the held one chosen, else the best; what a choice asks of the server; the price it gives).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import './support/ts-resolve.ts';

const {
  couponValueText,
  claimPhase,
  claimButton,
  claimRefusalText,
  validityText,
  couponRow,
  couponChoices,
  orderCouponChoice,
  orderCouponChange,
  orderPriceWith,
  orderTakesCoupon,
} = await import('../lib/coupon-view');
type Coupon = import('../services/api-types').Coupon;

const coupon = (o: Partial<Coupon>): Coupon => ({
  id: 'cpn_1',
  templateId: 'cpt_1',
  name: '满100减20',
  kind: 'amount_off',
  amountOffFen: 2000,
  minSpendFen: 10000,
  scope: 'all',
  status: 'unused',
  source: 'claim',
  validFrom: '2026-12-01T00:00:00.000Z',
  validUntil: '2026-12-31T15:59:59.000Z',
  ...o,
});

describe('coupon view', () => {
  test('what a coupon is worth: 满减, 折扣 with its cap and threshold, 无门槛', () => {
    assert.equal(couponValueText(coupon({})), '满100减20');
    assert.equal(couponValueText(coupon({ minSpendFen: 9950, amountOffFen: 1050 })), '满99.50减10.50');
    assert.equal(
      couponValueText(coupon({ kind: 'percent_off', percentOff: 20, maxOffFen: 1500, minSpendFen: 0 })),
      '8折 最高减15元',
    );
    assert.equal(
      couponValueText(
        coupon({ kind: 'percent_off', percentOff: 15, minSpendFen: 5000, amountOffFen: undefined }),
      ),
      '满50享8.5折',
    );
    assert.equal(
      couponValueText(coupon({ kind: 'no_threshold', amountOffFen: 500, minSpendFen: 0 })),
      '无门槛减5元',
    );
  });

  test('a grab counts down to its start, is live while coupons are left, then claimed out or over', () => {
    const t = {
      claimStartsAt: '2026-12-01T02:00:00.000Z',
      claimEndsAt: '2026-12-01T04:00:00.000Z',
      status: 'live' as const,
      left: 3,
    };
    const at = (iso: string) => Date.parse(iso);
    assert.equal(claimPhase(t, at('2026-12-01T01:59:59.000Z')), 'upcoming');
    assert.equal(claimPhase(t, at('2026-12-01T02:00:00.000Z')), 'live');
    assert.equal(claimPhase({ ...t, left: 0 }, at('2026-12-01T03:00:00.000Z')), 'claimed_out');
    assert.equal(claimPhase(t, at('2026-12-01T04:00:00.000Z')), 'ended');
    assert.equal(claimPhase({ ...t, status: 'stopped' }, at('2026-12-01T03:00:00.000Z')), 'ended');
    assert.deepEqual(claimButton('live', false), { text: '立即领取', enabled: true });
    assert.deepEqual(claimButton('live', true), { text: '已领取', enabled: false });
    assert.deepEqual(claimButton('upcoming', false), { text: '即将开抢', enabled: false });
    assert.deepEqual(claimButton('claimed_out', false), { text: '已抢光', enabled: false });
    assert.equal(claimRefusalText('SOLD_OUT'), '来晚了，券已抢光');
    assert.equal(claimRefusalText('LIMIT_EXCEEDED'), '已达每人领取上限');
    assert.equal(claimRefusalText('DEPENDENCY_UNAVAILABLE'), null);
  });

  test('validity reads as a date in China, and each status of mine reads as it should', () => {
    assert.equal(validityText('2026-12-31T15:59:59.000Z'), '2026-12-31 前有效');
    assert.equal(validityText('2026-12-31T16:00:00.000Z'), '2027-01-01 前有效');
    assert.equal(couponRow(coupon({})).validity, '2026-12-31 前有效');
    assert.equal(couponRow(coupon({ status: 'locked', orderId: 'ord_1' })).validity, '待支付订单使用中');
    assert.equal(couponRow(coupon({ status: 'used' })).validity, '已使用');
  });

  test('the choices at checkout: none first, then mine best first with what each takes off', () => {
    const choices = couponChoices([
      { coupon: coupon({ id: 'cpn_a' }), discountFen: 2000 },
      {
        coupon: coupon({
          id: 'cpn_b',
          name: '无门槛',
          kind: 'no_threshold',
          amountOffFen: 500,
          minSpendFen: 0,
        }),
        discountFen: 500,
      },
    ]);
    assert.deepEqual(
      choices.map((c) => [c.couponId, c.discountFen]),
      [
        ['', 0],
        ['cpn_a', 2000],
        ['cpn_b', 500],
      ],
    );
    assert.equal(choices[1]?.label, '满100减20（满100减20，减¥20.00）');
    assert.deepEqual(couponChoices([]), [{ couponId: '', label: '不使用优惠券', discountFen: 0 }]);
  });

  test('on a campaign order: the held coupon chosen, else the best; each choice asks for what changes', () => {
    const items = [
      { coupon: coupon({ id: 'cpn_a' }), discountFen: 1000 },
      { coupon: coupon({ id: 'cpn_b', status: 'locked', orderId: 'ord_1' }), discountFen: 500 },
    ];
    assert.equal(orderCouponChoice(items, undefined).index, 1, 'none held: the best');
    assert.equal(orderCouponChoice(items, 'cpn_b').index, 2, 'the held one');
    assert.equal(orderCouponChoice([], undefined).index, 0, 'nothing applies: none');
    assert.equal(orderCouponChoice(items, 'cpn_gone').index, 1, 'a held one not listed: the best');
    const { choices } = orderCouponChoice(items, 'cpn_b');
    assert.deepEqual(orderCouponChange(choices[1], 'cpn_b'), { kind: 'apply', couponId: 'cpn_a' });
    assert.deepEqual(orderCouponChange(choices[0], 'cpn_b'), { kind: 'remove' });
    assert.equal(orderCouponChange(choices[2], 'cpn_b'), null, 'already on the order');
    assert.equal(orderCouponChange(choices[0], undefined), null, 'none and none');
    assert.deepEqual(orderCouponChange(choices[1], undefined), { kind: 'apply', couponId: 'cpn_a' });
  });

  test('who may choose: an unpaid seckill or group-buy order whose payment has not started', () => {
    assert.equal(orderTakesCoupon({ status: 'pending_payment', kind: 'seckill' }), true);
    assert.equal(orderTakesCoupon({ status: 'pending_payment', kind: 'groupbuy' }), true);
    assert.equal(
      orderTakesCoupon({ status: 'pending_payment', kind: 'regular' }),
      false,
      'chosen at checkout',
    );
    assert.equal(orderTakesCoupon({ status: 'paid', kind: 'seckill' }), false);
    assert.equal(
      orderTakesCoupon({
        status: 'pending_payment',
        kind: 'seckill',
        paymentStartedAt: '2026-12-01T00:00:00.000Z',
      }),
      false,
      'its price is fixed once paying started',
    );
  });

  test('the price with the chosen coupon instead of the held one, in fen', () => {
    const order = {
      itemsFen: 10000,
      discountFen: 500,
      payableFen: 9500,
      pointsUsed: 0,
      coupon: { id: 'cpn_b', templateId: 'cpt_1', name: '减5', discountFen: 500 },
    };
    const { choices } = orderCouponChoice([{ coupon: coupon({ id: 'cpn_a' }), discountFen: 2000 }], 'cpn_b');
    assert.deepEqual(orderPriceWith(order, choices[1]), {
      itemsFen: 10000,
      discountFen: 2000,
      payableFen: 8000,
      pointsUsed: 0,
    });
    assert.deepEqual(orderPriceWith(order, choices[0]), {
      itemsFen: 10000,
      discountFen: 0,
      payableFen: 10000,
      pointsUsed: 0,
    });
    const { coupon: _held, ...noCoupon } = order;
    assert.deepEqual(
      orderPriceWith({ ...noCoupon, discountFen: 0, payableFen: 10000 }, undefined).payableFen,
      10000,
    );
  });
});
