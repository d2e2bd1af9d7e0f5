/**
 * The coupon state machine: `unused → locked` (on an unpaid order) `→ used` (paid); `locked → unused` when that
 * order is cancelled or expires; `used → unused` after a refund only when the template says so; `unused →
 * expired` past its validity. Every change is a guarded UPDATE (only from the allowed state), written with its
 * `coupon_transitions` row in the caller's transaction, then logged and counted by `reportCouponChanges` once that
 * transaction committed. The functions taking a transaction are exported to the orders module, which calls them
 * inside the transaction that creates or moves the order: the coupon and the order commit together or not at all.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { couponTransitionsTotal } from '@tuanmiao/observability';
import type { Logger } from 'pino';
import { AppError } from '../../errors.ts';
import { type CouponTerms, discountFor, type OrderKind, type PricedLine } from './pricing.ts';
import type { CouponStatus } from './schemas.ts';

export const COUPON_TRANSITIONS: Record<CouponStatus, readonly CouponStatus[]> = {
  unused: ['locked', 'expired'],
  locked: ['used', 'unused'],
  used: ['unused'],
  expired: [],
};

/** One change of one coupon, as written; reported (logged and counted) after its transaction commits. */
export interface CouponChange {
  couponId: string;
  from: CouponStatus | null;
  to: CouponStatus;
  reason: string;
  actor: string;
  orderId?: string;
}

/** Writes the transition rows of changes just made by a guarded UPDATE, in the same transaction. */
export async function writeTransitions(tx: EntityManager, changes: readonly CouponChange[]): Promise<void> {
  if (changes.length === 0) return;
  for (const c of changes) {
    if (c.from !== null && !COUPON_TRANSITIONS[c.from].includes(c.to))
      throw new Error(`coupon ${c.couponId}: ${c.from} → ${c.to} is not a transition`);
  }
  // One JSON parameter: the driver expands an array bound to one `?` into a list, never an array.
  await tx.execute(
    `insert into coupon_transitions (coupon_id, from_status, to_status, reason, actor, order_id)
     select coupon_id, from_status, to_status, reason, actor, order_id
     from json_to_recordset(?::json)
       as t(coupon_id text, from_status text, to_status text, reason text, actor text, order_id text)`,
    [
      JSON.stringify(
        changes.map((c) => ({
          coupon_id: c.couponId,
          from_status: c.from,
          to_status: c.to,
          reason: c.reason,
          actor: c.actor,
          order_id: c.orderId ?? null,
        })),
      ),
    ],
  );
}

/** Logs and counts changes that committed. */
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
  tx: EntityManager,
  input: LockInput,
): Promise<{ discountFen: number; change: CouponChange }> {
  const rows = await tx.execute<
    (CouponTerms & { status: CouponStatus; valid_from: Date; valid_until: Date })[]
  >(
    `select c.status, c.valid_from, c.valid_until, t.kind, t.amount_off_fen, t.percent_off, t.max_off_fen,
       t.min_spend_fen, t.scope, t.scope_ids, t.combines_with_seckill, t.combines_with_groupbuy
     from coupons c join coupon_templates t on t.id = c.template_id
     where c.id = ? and c.user_id = ?`,
    [input.couponId, input.userId],
  );
  const coupon = rows[0];
  if (!coupon) throw new AppError('NOT_FOUND', 'No such coupon');
  const usable =
    coupon.status === 'unused' &&
    new Date(coupon.valid_from).getTime() <= input.now.getTime() &&
    input.now.getTime() < new Date(coupon.valid_until).getTime();
  if (!usable) throw new AppError('COUPON_UNAVAILABLE', undefined, { couponId: input.couponId });
  const discountFen = discountFor(coupon, input.lines, input.orderKind);
  if (discountFen === 0) throw new AppError('COUPON_NOT_APPLICABLE', undefined, { couponId: input.couponId });
  const locked = await tx.execute<{ id: string }[]>(
    `update coupons set status = 'locked', order_id = ?, discount_fen = ?, locked_at = ?, updated_at = now()
     where id = ? and user_id = ? and status = 'unused' and valid_from <= ? and valid_until > ?
     returning id`,
    [input.orderId, discountFen, input.now, input.couponId, input.userId, input.now, input.now],
  );
  if (!locked[0]) throw new AppError('COUPON_UNAVAILABLE', undefined, { couponId: input.couponId });
  const change: CouponChange = {
    couponId: input.couponId,
    from: 'unused',
    to: 'locked',
    reason: 'order_placed',
    actor: input.userId,
    orderId: input.orderId,
  };
  await writeTransitions(tx, [change]);
  return { discountFen, change };
}

/** What an order's move means for the coupon on it. */
export type OrderCouponEvent = 'paid' | 'cancelled' | 'refunded';

/**
 * Moves the coupons on these orders as the orders just moved, inside the orders' transaction: paid → the locked
 * coupon is used; cancelled (by the shopper, the expiry sweep, a failed group) → the locked coupon is unused
 * again; refunded → a used coupon comes back only when its template says `returned_on_refund`. Orders without a
 * coupon change nothing. Returns the changes, to report once the transaction committed.
 */
export async function couponsFollowOrders(
  tx: EntityManager,
  orderIds: readonly string[],
  event: OrderCouponEvent,
  actor: string,
): Promise<CouponChange[]> {
  if (orderIds.length === 0) return [];
  const ids = [...orderIds];
  // One placeholder per id: the driver expands an array bound to one `?` into a list, never an array.
  const list = ids.map(() => '?').join(', ');
  let rows: { id: string; order_id: string }[];
  let from: CouponStatus;
  let to: CouponStatus;
  if (event === 'paid') {
    [from, to] = ['locked', 'used'];
    rows = await tx.execute(
      `update coupons set status = 'used', used_at = now(), updated_at = now()
       where order_id in (${list}) and status = 'locked' returning id, order_id`,
      ids,
    );
  } else if (event === 'cancelled') {
    [from, to] = ['locked', 'unused'];
    rows = await tx.execute(
      `update coupons c set status = 'unused', order_id = null, discount_fen = null, locked_at = null,
         updated_at = now()
       from (select id, order_id as was_on from coupons where order_id in (${list}) and status = 'locked'
             for update) prev
       where c.id = prev.id returning c.id, prev.was_on as order_id`,
      ids,
    );
  } else {
    [from, to] = ['used', 'unused'];
    rows = await tx.execute(
      `update coupons c set status = 'unused', order_id = null, discount_fen = null, locked_at = null,
         used_at = null, updated_at = now()
       from (select c2.id, c2.order_id as was_on from coupons c2 join coupon_templates t on t.id = c2.template_id
             where c2.order_id in (${list}) and c2.status = 'used' and t.returned_on_refund
             for update of c2) prev
       where c.id = prev.id returning c.id, prev.was_on as order_id`,
      ids,
    );
  }
  const changes = rows.map(
    (r): CouponChange => ({ couponId: r.id, from, to, reason: `order_${event}`, actor, orderId: r.order_id }),
  );
  await writeTransitions(tx, changes);
  return changes;
}
