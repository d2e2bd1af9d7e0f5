/**
 * What a coupon takes off an order: the lines it applies to (its scope), its threshold, its kind's rule, and
 * whether it combines with the order's campaign price. Pure: checkout, the suggestion and the tests share it.
 */
import type { CouponKind, CouponScope } from './schemas.ts';

/** One line of an order as pricing sees it. */
export interface PricedLine {
  productId: string;
  /** The product's category and that category's parent (a coupon for a top-level category covers its children). */
  categoryIds: string[];
  quantity: number;
  unitPriceFen: number;
}

export interface CouponTerms {
  kind: CouponKind;
  amount_off_fen: number | null;
  percent_off: number | null;
  max_off_fen: number | null;
  min_spend_fen: number;
  scope: CouponScope;
  scope_ids: string[];
  combines_with_seckill: boolean;
  combines_with_groupbuy: boolean;
}

/** The price an order's lines are at: the shop's regular price, or a campaign's. */
export type OrderKind = 'regular' | 'seckill' | 'groupbuy';

function applies(t: CouponTerms, line: PricedLine): boolean {
  if (t.scope === 'all') return true;
  if (t.scope === 'products') return t.scope_ids.includes(line.productId);
  return line.categoryIds.some((id) => t.scope_ids.includes(id));
}

/**
 * The discount in fen (0: it does not apply). Computed on the lines in scope only; the threshold is met by
 * those lines too (满100减20 on tea needs 100 of tea). A percentage is rounded down to the fen. The payable amount
 * stays at least 1 fen: WeChat Pay takes no order of 0, and a free order would skip payment and its checks.
 */
export function discountFor(t: CouponTerms, lines: readonly PricedLine[], orderKind: OrderKind): number {
  if (orderKind === 'seckill' && !t.combines_with_seckill) return 0;
  if (orderKind === 'groupbuy' && !t.combines_with_groupbuy) return 0;
  const itemsFen = lines.reduce((n, l) => n + l.unitPriceFen * l.quantity, 0);
  const inScope = lines.filter((l) => applies(t, l)).reduce((n, l) => n + l.unitPriceFen * l.quantity, 0);
  if (inScope === 0 || inScope < t.min_spend_fen) return 0;
  let off: number;
  if (t.kind === 'percent_off') {
    off = Math.floor((inScope * (t.percent_off ?? 0)) / 100);
    if (t.max_off_fen !== null) off = Math.min(off, t.max_off_fen);
  } else {
    off = Math.min(t.amount_off_fen ?? 0, inScope);
  }
  return Math.max(0, Math.min(off, itemsFen - 1));
}

/** Why a coupon takes nothing off these lines, in the order a shopper should hear it; null when it does. */
export type NoDiscountReason = 'not_combinable' | 'out_of_scope' | 'below_threshold' | 'nothing_to_take';

export function noDiscountReason(
  t: CouponTerms,
  lines: readonly PricedLine[],
  orderKind: OrderKind,
): NoDiscountReason | null {
  if (orderKind === 'seckill' && !t.combines_with_seckill) return 'not_combinable';
  if (orderKind === 'groupbuy' && !t.combines_with_groupbuy) return 'not_combinable';
  const inScope = lines.filter((l) => applies(t, l)).reduce((n, l) => n + l.unitPriceFen * l.quantity, 0);
  if (inScope === 0) return 'out_of_scope';
  if (inScope < t.min_spend_fen) return 'below_threshold';
  return discountFor(t, lines, orderKind) === 0 ? 'nothing_to_take' : null;
}

/** The best of several coupons for these lines: the largest discount, then the one that runs out first. */
export function bestCoupon<C extends { terms: CouponTerms; validUntil: Date; id: string }>(
  coupons: readonly C[],
  lines: readonly PricedLine[],
  orderKind: OrderKind,
): Array<{ coupon: C; discountFen: number }> {
  return coupons
    .map((coupon) => ({ coupon, discountFen: discountFor(coupon.terms, lines, orderKind) }))
    .filter((c) => c.discountFen > 0)
    .sort(
      (a, b) =>
        b.discountFen - a.discountFen ||
        a.coupon.validUntil.getTime() - b.coupon.validUntil.getTime() ||
        (a.coupon.id < b.coupon.id ? -1 : 1),
    );
}
