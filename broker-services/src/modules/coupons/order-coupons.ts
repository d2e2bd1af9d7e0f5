/**
 * The coupons module's part of checkout and of an unpaid campaign order's price, exported to the orders module:
 * `lockCouponForOrder` runs inside the transaction that writes the order, `applyCouponToOrder` and
 * `removeCouponFromOrder` inside the transaction that holds an unpaid campaign order's row and writes its new
 * discount, `reportCouponChanges` after them (and after every order move that moved a coupon,
 * ./coupon-machine.ts); `couponsOnOrders` reads what the orders' views show.
 */
import { couponTransitionsTotal } from '@tuanmiao/observability';
import type { Logger } from 'pino';
import { AppError } from '../../errors.ts';
import { type CouponChange, type CouponSql, lockCoupon, unlockOrderCoupon } from './coupon-machine.ts';
import {
  type CouponTerms,
  discountFor,
  type NoDiscountReason,
  noDiscountReason,
  type OrderKind,
  type PricedLine,
} from './pricing.ts';
import type { AppliedCoupon, CouponStatus } from './schemas.ts';

export type { PricedLine };

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

/** Each refusal of a coupon on a campaign order, by why it takes nothing off. */
const REFUSAL: Record<
  NoDiscountReason,
  'COUPON_NOT_COMBINABLE' | 'COUPON_NOT_APPLICABLE' | 'COUPON_THRESHOLD_NOT_MET'
> = {
  not_combinable: 'COUPON_NOT_COMBINABLE',
  out_of_scope: 'COUPON_NOT_APPLICABLE',
  below_threshold: 'COUPON_THRESHOLD_NOT_MET',
  nothing_to_take: 'COUPON_NOT_APPLICABLE',
};

export interface ApplyInput {
  couponId: string;
  userId: string;
  orderId: string;
  /** The order's line at its campaign price. */
  lines: readonly PricedLine[];
  orderKind: Exclude<OrderKind, 'regular'>;
  now: Date;
  /** The order's price as it stands (its discount includes the coupon it holds, if any). */
  order: OrderPrice;
}

/** An order's price breakdown as the orders module keeps it. */
export interface OrderPrice {
  totalFen: number;
  discountFen: number;
  pointsFen: number;
}

export interface CouponOnOrderResult {
  /** The order's whole discount now (its other discounts and the coupon's): what the order writes. */
  orderDiscountFen: number;
  /** The coupon changes to report after commit (none when nothing changed). */
  changes: CouponChange[];
}

/**
 * Puts one of the shopper's coupons on their unpaid campaign order, inside the transaction that holds the order's
 * row (`for update`) and writes its new discount; a coupon the order held already is taken off first
 * (`order_coupon_replaced`). Refusals, each changing nothing: not the shopper's, NOT_FOUND; used or locked to
 * another order, COUPON_UNAVAILABLE; past its validity, COUPON_EXPIRED, before it, COUPON_NOT_YET_VALID; a
 * template that does not combine with this campaign's price, COUPON_NOT_COMBINABLE; the campaign's product out
 * of its scope, COUPON_NOT_APPLICABLE; below its minimum spend, COUPON_THRESHOLD_NOT_MET. The same coupon sent
 * to two orders at once: the guarded UPDATE from `unused` lets one through, the other waits on the coupon's row,
 * finds it locked and rolls back whole with COUPON_UNAVAILABLE. The same coupon again on its order changes
 * nothing.
 */
export async function applyCouponToOrder(sql: CouponSql, input: ApplyInput): Promise<CouponOnOrderResult> {
  const rows = await sql.query<
    CouponTerms & {
      status: CouponStatus;
      order_id: string | null;
      discount_fen: number | null;
      valid_from: Date;
      valid_until: Date;
    }
  >(
    `select c.status, c.order_id, c.discount_fen, c.valid_from, c.valid_until, t.kind, t.amount_off_fen,
       t.percent_off, t.max_off_fen, t.min_spend_fen, t.scope, t.scope_ids, t.combines_with_seckill,
       t.combines_with_groupbuy
     from coupons c join coupon_templates t on t.id = c.template_id
     where c.id = $1 and c.user_id = $2`,
    [input.couponId, input.userId],
  );
  const coupon = rows.rows[0];
  if (!coupon) throw new AppError('NOT_FOUND', 'No such coupon');
  if (coupon.status === 'locked' && coupon.order_id === input.orderId) {
    return { orderDiscountFen: input.order.discountFen, changes: [] };
  }
  const details = { couponId: input.couponId };
  const nowMs = input.now.getTime();
  if (coupon.status === 'locked' || coupon.status === 'used')
    throw new AppError('COUPON_UNAVAILABLE', undefined, details);
  if (coupon.status === 'expired' || new Date(coupon.valid_until).getTime() <= nowMs)
    throw new AppError('COUPON_EXPIRED', undefined, details);
  if (nowMs < new Date(coupon.valid_from).getTime())
    throw new AppError('COUPON_NOT_YET_VALID', undefined, details);
  const why = noDiscountReason(coupon, input.lines, input.orderKind);
  if (why) {
    throw new AppError(
      REFUSAL[why],
      undefined,
      why === 'below_threshold'
        ? {
            ...details,
            minSpendFen: coupon.min_spend_fen,
            spendFen: input.lines.reduce((n, l) => n + l.unitPriceFen * l.quantity, 0),
          }
        : details,
    );
  }
  const replaced = await unlockOrderCoupon(sql, {
    orderId: input.orderId,
    actor: input.userId,
    reason: 'order_coupon_replaced',
  });
  // The order's other discounts and points bound it too, leaving at least 1 fen to pay (see discountFor).
  const otherFen = input.order.discountFen - (replaced?.discountFen ?? 0);
  const leftFen = input.order.totalFen - otherFen - input.order.pointsFen;
  const discountFen = Math.min(discountFor(coupon, input.lines, input.orderKind), Math.max(0, leftFen - 1));
  if (discountFen === 0) throw new AppError('COUPON_NOT_APPLICABLE', undefined, details);
  const locked = await lockCoupon(sql, {
    couponId: input.couponId,
    userId: input.userId,
    orderId: input.orderId,
    discountFen,
    now: input.now,
    reason: 'order_coupon_applied',
  });
  // Another order took it since it was read: this transaction (the replaced coupon too) rolls back.
  if (!locked) throw new AppError('COUPON_UNAVAILABLE', undefined, details);
  return {
    orderDiscountFen: otherFen + discountFen,
    changes: replaced ? [replaced.change, locked] : [locked],
  };
}

/**
 * Takes the coupon off an unpaid campaign order (`locked → unused`, `order_coupon_removed`), inside the
 * transaction that holds the order's row and writes its discount back. An order holding none changes nothing.
 */
export async function removeCouponFromOrder(
  sql: CouponSql,
  r: { orderId: string; userId: string; order: OrderPrice },
): Promise<CouponOnOrderResult> {
  const released = await unlockOrderCoupon(sql, {
    orderId: r.orderId,
    actor: r.userId,
    reason: 'order_coupon_removed',
  });
  return released
    ? { orderDiscountFen: r.order.discountFen - released.discountFen, changes: [released.change] }
    : { orderDiscountFen: r.order.discountFen, changes: [] };
}

/** The coupon locked to or used on each of these orders (what the order's price breakdown shows). */
export async function couponsOnOrders(
  sql: CouponSql,
  orderIds: readonly string[],
): Promise<Map<string, AppliedCoupon>> {
  if (orderIds.length === 0) return new Map();
  const rows = (
    await sql.query<{
      id: string;
      template_id: string;
      name: string;
      order_id: string;
      discount_fen: number | null;
    }>(
      `select c.id, c.template_id, t.name, c.order_id, c.discount_fen
       from coupons c join coupon_templates t on t.id = c.template_id
       where c.order_id = any($1::text[]) and c.status in ('locked', 'used')`,
      [[...orderIds]],
    )
  ).rows;
  return new Map(
    rows.map((r) => [
      r.order_id,
      { id: r.id, templateId: r.template_id, name: r.name, discountFen: r.discount_fen ?? 0 },
    ]),
  );
}
