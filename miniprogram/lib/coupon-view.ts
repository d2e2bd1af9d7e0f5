/**
 * How coupons read to a shopper: what a coupon is worth (满100减20, 8折 最高减15元, 无门槛减5元), where a coupon
 * grab stands on the server's clock (a countdown to its start, claim now, all claimed, over), how long a coupon
 * of mine is valid, and the choice at checkout. Money stays integer fen until `formatFen` shows it.
 */
import type { Coupon, CouponTemplate } from '../services/api-types';
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
