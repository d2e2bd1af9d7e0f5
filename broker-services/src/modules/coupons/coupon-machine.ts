/**
 * The coupon state machine: `unused → locked` (on an unpaid order) `→ used` (paid); `locked → unused` when that
 * order is cancelled or expires, or the shopper takes the coupon off an unpaid campaign order (or puts another on it); `used → unused` after a refund only when the template says so; `unused →
 * expired` past its validity. Every change is a guarded UPDATE (only from the allowed state), written with its
 * `coupon_transitions` row in the caller's transaction; it is logged and counted once that transaction committed
 * (`reportCouponChanges`, ./order-coupons.ts, or the settlement observer).
 *
 * Runs on a `pg`-style connection (`CouponSql`: `$n` placeholders, arrays bound as arrays), because the order
 * machine calls `couponsFollowOrders` inside every order move, settlement worker threads included: this file
 * loads nothing at run time.
 */
import type { CouponStatus } from './schemas.ts';

export const COUPON_TRANSITIONS: Record<CouponStatus, readonly CouponStatus[]> = {
  unused: ['locked', 'expired'],
  locked: ['used', 'unused'],
  used: ['unused'],
  expired: [],
};

/** A connection inside an open transaction: `$n` placeholders, arrays bound as PostgreSQL arrays. */
export interface CouponSql {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

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
export async function writeTransitions(sql: CouponSql, changes: readonly CouponChange[]): Promise<void> {
  if (changes.length === 0) return;
  for (const c of changes) {
    if (c.from !== null && !COUPON_TRANSITIONS[c.from].includes(c.to))
      throw new Error(`coupon ${c.couponId}: ${c.from} → ${c.to} is not a transition`);
  }
  await sql.query(
    `insert into coupon_transitions (coupon_id, from_status, to_status, reason, actor, order_id)
     select coupon_id, from_status, to_status, reason, actor, order_id
     from json_to_recordset($1::json)
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

/** What an order's move means for the coupon on it. */
export type OrderCouponEvent = 'paid' | 'cancelled' | 'refunded';

/**
 * Moves the coupons on these orders as the orders just moved, inside the orders' transaction: paid → the locked
 * coupon is used; cancelled (by the shopper, the expiry sweep, a failed group) → the locked coupon is unused
 * again; refunded → a used coupon comes back only when its template says `returned_on_refund`. Orders without a
 * coupon change nothing. Returns the changes (at most one per order), to report once the transaction committed.
 */
export async function couponsFollowOrders(
  sql: CouponSql,
  orderIds: readonly string[],
  event: OrderCouponEvent,
  actor: string,
): Promise<CouponChange[]> {
  if (orderIds.length === 0) return [];
  const ids = [...orderIds];
  let rows: { id: string; order_id: string }[];
  let from: CouponStatus;
  let to: CouponStatus;
  if (event === 'paid') {
    [from, to] = ['locked', 'used'];
    rows = (
      await sql.query<{ id: string; order_id: string }>(
        `update coupons set status = 'used', used_at = now(), updated_at = now()
         where order_id = any($1::text[]) and status = 'locked' returning id, order_id`,
        [ids],
      )
    ).rows;
  } else if (event === 'cancelled') {
    [from, to] = ['locked', 'unused'];
    rows = (
      await sql.query<{ id: string; order_id: string }>(
        `update coupons c set status = 'unused', order_id = null, discount_fen = null, locked_at = null,
           updated_at = now()
         from (select id, order_id as was_on from coupons where order_id = any($1::text[]) and status = 'locked'
               for update) prev
         where c.id = prev.id returning c.id, prev.was_on as order_id`,
        [ids],
      )
    ).rows;
  } else {
    [from, to] = ['used', 'unused'];
    rows = (
      await sql.query<{ id: string; order_id: string }>(
        `update coupons c set status = 'unused', order_id = null, discount_fen = null, locked_at = null,
           used_at = null, updated_at = now()
         from (select c2.id, c2.order_id as was_on from coupons c2 join coupon_templates t on t.id = c2.template_id
               where c2.order_id = any($1::text[]) and c2.status = 'used' and t.returned_on_refund
               for update of c2) prev
         where c.id = prev.id returning c.id, prev.was_on as order_id`,
        [ids],
      )
    ).rows;
  }
  const changes = rows.map(
    (r): CouponChange => ({ couponId: r.id, from, to, reason: `order_${event}`, actor, orderId: r.order_id }),
  );
  await writeTransitions(sql, changes);
  return changes;
}

/**
 * Locks a coupon (from `unused`) to an order; null when it was not free (the guard lost). `reason`:
 * `order_placed` at checkout, `order_coupon_applied` on an unpaid campaign order.
 */
export async function lockCoupon(
  sql: CouponSql,
  l: {
    couponId: string;
    userId: string;
    orderId: string;
    discountFen: number;
    now: Date;
    reason?: 'order_placed' | 'order_coupon_applied';
  },
): Promise<CouponChange | null> {
  const locked = await sql.query<{ id: string }>(
    `update coupons set status = 'locked', order_id = $1, discount_fen = $2, locked_at = $3, updated_at = now()
     where id = $4 and user_id = $5 and status = 'unused' and valid_from <= $6 and valid_until > $7
     returning id`,
    [l.orderId, l.discountFen, l.now, l.couponId, l.userId, l.now, l.now],
  );
  if (!locked.rows[0]) return null;
  const change: CouponChange = {
    couponId: l.couponId,
    from: 'unused',
    to: 'locked',
    reason: l.reason ?? 'order_placed',
    actor: l.userId,
    orderId: l.orderId,
  };
  await writeTransitions(sql, [change]);
  return change;
}

/**
 * Takes the coupon locked to an unpaid order off it (`locked → unused`): the shopper removed it or chose
 * another (`order_coupon_removed`, `order_coupon_replaced`). Returns the change and the discount it gave, or
 * null when the order holds no coupon. The caller holds the order's row, so nothing moves the order meanwhile.
 */
export async function unlockOrderCoupon(
  sql: CouponSql,
  u: { orderId: string; actor: string; reason: 'order_coupon_removed' | 'order_coupon_replaced' },
): Promise<{ change: CouponChange; discountFen: number } | null> {
  const rows = (
    await sql.query<{ id: string; discount_fen: number | null }>(
      `update coupons c set status = 'unused', order_id = null, discount_fen = null, locked_at = null,
         updated_at = now()
       from (select id, discount_fen from coupons where order_id = $1 and status = 'locked' for update) prev
       where c.id = prev.id returning c.id, prev.discount_fen`,
      [u.orderId],
    )
  ).rows;
  const row = rows[0];
  if (!row) return null;
  const change: CouponChange = {
    couponId: row.id,
    from: 'locked',
    to: 'unused',
    reason: u.reason,
    actor: u.actor,
    orderId: u.orderId,
  };
  await writeTransitions(sql, [change]);
  return { change, discountFen: row.discount_fen ?? 0 };
}
