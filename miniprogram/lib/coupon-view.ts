/**
 * How coupons read to a shopper: what a coupon is worth (满100减20, 8折 最高减15元, 无门槛减5元), where a coupon
 * grab stands on the server's clock (a countdown to its start, claim now, all claimed, over), how long a coupon
 * of mine is valid, and the choice at checkout and on an unpaid seckill or group-buy order. Money stays integer
 * fen until `formatFen` shows it.
 */
import type { Coupon, CouponTemplate, Order } from '../services/api-types';
import { formatFen } from './money';

type CouponTerms = Pick<CouponTemplate, 'kind' | 'amountOffFen' | 'percentOff' | 'maxOffFen' | 'minSpendFen'>;

/** Yuan without a trailing ".00": 2000 → "20", 1050 → "10.50". */
function yuan(fen: number): string {
  const text = formatFen(fen);
  return text.endsWith('.00') ? text.slice(0, -3) : text;
}

/** What the coupon takes off, in the words of a Chinese shop. */
export function couponValueText(t: CouponTerms): string {
  if (t.kind === 'percent_off') {
    const off = t.percentOff ?? 0;
    const tenths = (100 - off) / 10;
    const rate = `${Number.isInteger(tenths) ? tenths : tenths.toFixed(1)}折`;
    const threshold = t.minSpendFen > 0 ? `满${yuan(t.minSpendFen)}享` : '';
    const cap = t.maxOffFen !== undefined ? ` 最高减${yuan(t.maxOffFen)}元` : '';
    return `${threshold}${rate}${cap}`;
  }
  if (t.kind === 'no_threshold') return `无门槛减${yuan(t.amountOffFen ?? 0)}元`;
  return `满${yuan(t.minSpendFen)}减${yuan(t.amountOffFen ?? 0)}`;
}

/** Where a coupon grab stands at server time `nowMs`. */
export type ClaimPhase = 'upcoming' | 'live' | 'claimed_out' | 'ended';

export function claimPhase(
  t: Pick<CouponTemplate, 'claimStartsAt' | 'claimEndsAt' | 'status' | 'left'>,
  nowMs: number,
): ClaimPhase {
  if (t.status === 'ended' || t.status === 'stopped' || nowMs >= Date.parse(t.claimEndsAt)) return 'ended';
  if (nowMs < Date.parse(t.claimStartsAt)) return 'upcoming';
  if (t.left <= 0) return 'claimed_out';
  return 'live';
}

/** The claim button of a template in the coupon center. */
export function claimButton(phase: ClaimPhase, mine: boolean): { text: string; enabled: boolean } {
  if (mine) return { text: '已领取', enabled: false };
  switch (phase) {
    case 'upcoming':
      return { text: '即将开抢', enabled: false };
    case 'live':
      return { text: '立即领取', enabled: true };
    case 'claimed_out':
      return { text: '已抢光', enabled: false };
    case 'ended':
      return { text: '已结束', enabled: false };
  }
}

/** The sentence a claim's refusal shows beside its button (other codes read from services/error-messages.ts). */
export function claimRefusalText(code: string): string | null {
  if (code === 'SOLD_OUT') return '来晚了，券已抢光';
  if (code === 'LIMIT_EXCEEDED') return '已达每人领取上限';
  if (code === 'NOT_STARTED') return '还没开抢，请等倒计时结束';
  if (code === 'ENDED') return '领券已结束';
  return null;
}

/** "2026-12-31 前有效", from the coupon's validity (the date in China's time zone). */
export function validityText(validUntil: string): string {
  const d = new Date(Date.parse(validUntil) + 8 * 3600_000);
  const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} 前有效`;
}

/** The tabs of "我的优惠券" and the status each lists. */
export const MY_COUPON_TABS: ReadonlyArray<{ label: string; status: 'unused' | 'used' | 'expired' }> = [
  { label: '未使用', status: 'unused' },
  { label: '已使用', status: 'used' },
  { label: '已过期', status: 'expired' },
];

/** One row of "我的优惠券". */
export interface CouponRow {
  id: string;
  value: string;
  name: string;
  validity: string;
  status: Coupon['status'];
}

export function couponRow(c: Coupon): CouponRow {
  return {
    id: c.id,
    value: couponValueText(c),
    name: c.name,
    validity:
      c.status === 'used'
        ? '已使用'
        : c.status === 'locked'
          ? '待支付订单使用中'
          : validityText(c.validUntil),
    status: c.status,
  };
}

/** The coupon choices at checkout: none, or one of the applicable ones (best first), with what each takes off. */
export interface CouponChoice {
  couponId: string;
  label: string;
  discountFen: number;
}

export function couponChoices(items: ReadonlyArray<{ coupon: Coupon; discountFen: number }>): CouponChoice[] {
  return [
    { couponId: '', label: '不使用优惠券', discountFen: 0 },
    ...items.map((i) => ({
      couponId: i.coupon.id,
      label: `${i.coupon.name}（${couponValueText(i.coupon)}，减¥${formatFen(i.discountFen)}）`,
      discountFen: i.discountFen,
    })),
  ];
}

/**
 * Whether the shopper may still choose the order's coupon: an unpaid seckill or group-buy order whose payment has
 * not started (a shop order took its coupon at checkout; once paying started its price is fixed).
 */
export function orderTakesCoupon(order: Pick<Order, 'status' | 'kind' | 'paymentStartedAt'>): boolean {
  return (
    order.status === 'pending_payment' && order.kind !== 'regular' && order.paymentStartedAt === undefined
  );
}

/**
 * The coupon choice on an unpaid seckill or group-buy order: none, or one of mine that applies (best first). The
 * one the order holds is chosen; holding none, the best is (put on the order when the shopper pays, so that
 * opening the page locks nothing).
 */
export function orderCouponChoice(
  items: ReadonlyArray<{ coupon: Coupon; discountFen: number }>,
  heldCouponId: string | undefined,
): { choices: CouponChoice[]; index: number } {
  const choices = couponChoices(items);
  if (heldCouponId !== undefined) {
    const held = choices.findIndex((c) => c.couponId === heldCouponId);
    if (held >= 0) return { choices, index: held };
  }
  return { choices, index: choices.length > 1 ? 1 : 0 };
}

/** What the chosen coupon asks of the order: put it on, take the held one off, or nothing (already so). */
export type OrderCouponChange = { kind: 'apply'; couponId: string } | { kind: 'remove' } | null;

export function orderCouponChange(
  chosen: CouponChoice | undefined,
  heldCouponId: string | undefined,
): OrderCouponChange {
  const wanted = chosen?.couponId ?? '';
  if (wanted === (heldCouponId ?? '')) return null;
  return wanted === '' ? { kind: 'remove' } : { kind: 'apply', couponId: wanted };
}

/**
 * The order's price with the chosen coupon instead of the one it holds: what the breakdown shows before the
 * choice reaches the server (the server's answer replaces it). Its other discounts and points stay as they are.
 */
export function orderPriceWith(
  order: Pick<Order, 'itemsFen' | 'discountFen' | 'payableFen' | 'pointsUsed' | 'coupon'>,
  chosen: CouponChoice | undefined,
): Pick<Order, 'itemsFen' | 'discountFen' | 'payableFen' | 'pointsUsed'> {
  const otherFen = order.discountFen - (order.coupon?.discountFen ?? 0);
  const discountFen = otherFen + (chosen?.discountFen ?? 0);
  return {
    itemsFen: order.itemsFen,
    discountFen,
    payableFen: order.payableFen + order.discountFen - discountFen,
    pointsUsed: order.pointsUsed,
  };
}
