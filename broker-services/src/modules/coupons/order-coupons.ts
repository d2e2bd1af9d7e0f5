/**
 * The coupons module's part of checkout, exported to the orders module: `lockCouponForOrder` runs inside the
 * transaction that writes the order, `reportCouponChanges` after it (and after every order move that moved a
 * coupon, ./coupon-machine.ts).
 */
import { couponTransitionsTotal } from '@tuanmiao/observability';
import type { Logger } from 'pino';
import { AppError } from '../../errors.ts';
import { type CouponChange, type CouponSql, lockCoupon } from './coupon-machine.ts';
import { type CouponTerms, discountFor, type OrderKind, type PricedLine } from './pricing.ts';
import type { CouponStatus } from './schemas.ts';

/** Logs and counts coupon changes that committed. */
export function reportCouponChanges(log: Logger, changes: readonly CouponChange[]): void {
  for (const c of changes) {
    couponTransitionsTotal.inc({ from: c.from ?? 'none', to: c.to, reason: c.reason });
    log.info(
      { couponId: c.couponId, from: c.from, to: c.to, reason: c.reason, actor: c.actor, orderId: c.orderId },
      'coupon transition',
    );
  }
}

export interface LockInput {
  couponId: string;
  userId: string;
  orderId: string;
  lines: readonly PricedLine[];
  orderKind: OrderKind;
  now: Date;
  /** The most the coupon may take off (what earlier discounts, the member's, left of the items). */
  capFen?: number;
}

/**
 * Locks the shopper's coupon to a new unpaid order, inside the transaction that writes the order, and returns
 * the discount it gives. A coupon that is not the shopper's is NOT_FOUND; one not unused (on another order,
 * used, expired, not yet valid) is COUPON_UNAVAILABLE; one that takes nothing off these lines is
 * COUPON_NOT_APPLICABLE. Two checkouts sending the same coupon at once: the guarded UPDATE (from `unused`) lets
 * one through; the other waits on the row, then finds it locked and answers COUPON_UNAVAILABLE, and its
 * transaction (the order, the stock) rolls back whole. `coupons_one_per_live_order` keeps an order to one coupon.
 */
export async function lockCouponForOrder(
  sql: CouponSql,
  input: LockInput,
): Promise<{ discountFen: number; change: CouponChange }> {
  const rows = await sql.query<CouponTerms & { status: CouponStatus; valid_from: Date; valid_until: Date }>(
    `select c.status, c.valid_from, c.valid_until, t.kind, t.amount_off_fen, t.percent_off, t.max_off_fen,
       t.min_spend_fen, t.scope, t.scope_ids, t.combines_with_seckill, t.combines_with_groupbuy
     from coupons c join coupon_templates t on t.id = c.template_id
     where c.id = $1 and c.user_id = $2`,
    [input.couponId, input.userId],
  );
  const coupon = rows.rows[0];
  if (!coupon) throw new AppError('NOT_FOUND', 'No such coupon');
  const nowMs = input.now.getTime();
  const usable =
    coupon.status === 'unused' &&
    new Date(coupon.valid_from).getTime() <= nowMs &&
    nowMs < new Date(coupon.valid_until).getTime();
  if (!usable) throw new AppError('COUPON_UNAVAILABLE', undefined, { couponId: input.couponId });
  // What is left after earlier discounts bounds it too, keeping at least 1 fen to pay (see discountFor).
  const discountFen = Math.min(
    discountFor(coupon, input.lines, input.orderKind),
    input.capFen === undefined ? Number.MAX_SAFE_INTEGER : Math.max(0, input.capFen - 1),
  );
  if (discountFen === 0) throw new AppError('COUPON_NOT_APPLICABLE', undefined, { couponId: input.couponId });
  const change = await lockCoupon(sql, {
    couponId: input.couponId,
    userId: input.userId,
    orderId: input.orderId,
    discountFen,
    now: input.now,
  });
  if (!change) throw new AppError('COUPON_UNAVAILABLE', undefined, { couponId: input.couponId });
  return { discountFen, change };
}
