/**
 * What an order's life does to points, called by the orders module inside the transaction that changes the order
 * (exported in ../points/README.md). The order's guarded transition has exactly one winner, and the ledger is unique
 * per (user, reason, order), so each effect happens once:
 *
 * - checkout: the points the shopper spends are taken from the balance (`checkout_hold`) and held by the order;
 * - paid: the hold is spent (the balance does not move again);
 * - cancelled or expired unpaid: the hold is released (`checkout_release`, the points come back);
 * - completed: the order earns points on the cash it paid (`order_earn`, expiring per the rules);
 * - refunded: the points it spent come back (`refund_return`) and the points it earned are taken back
 *   (`order_earn_reversal`, at most down to a zero balance: points already spent elsewhere are not owed, and are
 *   recorded as the reversal's `shortfall`).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.ts';
import { applyPointsChange, noPointsEffects, type PointsEffects } from './ledger.ts';
import { maxPointsFor, pointsEarnedFor, readPointsRules } from './rules.ts';

export { noPointsEffects, type PointsEffects, reportPointsEffects } from './ledger.ts';

/** The fields of an order these effects read (a subset of the orders module's row). */
export interface OrderForPoints {
  id: string;
  user_id: string;
  payable_fen: number;
}

export interface CheckoutPointsInput {
  userId: string;
  orderId: string;
  /** Points the shopper asks to spend (> 0). */
  requested: number;
  /** What the points may pay towards: the items less every discount. */
  baseFen: number;
}

/**
 * Checkout: holds `requested` points for the new order, in the order's creating transaction. Over the rules' share
 * or cap is POINTS_OVER_LIMIT (with the most allowed); more than the balance is INSUFFICIENT_POINTS.
 */
export async function holdCheckoutPoints(
  tx: EntityManager,
  input: CheckoutPointsInput,
  effects: PointsEffects,
): Promise<{ pointsUsed: number; pointsFen: number }> {
  const rules = await readPointsRules(tx);
  const max = maxPointsFor(rules, input.baseFen);
  if (input.requested > max) {
    throw new AppError('POINTS_OVER_LIMIT', `At most ${max} points can be used on this order`, {
      maxPoints: max,
    });
  }
  const pointsFen = input.requested * rules.pointValueFen;
  const change = await applyPointsChange(tx, {
    userId: input.userId,
    delta: -input.requested,
    reason: 'checkout_hold',
    sourceRef: input.orderId,
    orderId: input.orderId,
  });
  if (!change) throw new Error(`order ${input.orderId} already holds points`);
  await tx.execute(
    `insert into order_points (order_id, user_id, points, points_fen, status) values (?, ?, ?, ?, 'held')`,
    [input.orderId, input.userId, input.requested, pointsFen],
  );
  effects.changes.push(change);
  effects.holds.push({ orderId: input.orderId, from: 'none', to: 'held' });
  return { pointsUsed: input.requested, pointsFen };
}

async function moveHold(
  tx: EntityManager,
  orderId: string,
  from: 'held' | 'spent',
  to: 'spent' | 'released' | 'returned',
): Promise<{ user_id: string; points: number } | null> {
  const rows = await tx.execute<{ user_id: string; points: number }[]>(
    `update order_points set status = ?, updated_at = now() where order_id = ? and status = ? returning user_id, points`,
    [to, orderId, from],
  );
  return rows[0] ?? null;
}

/** Releases the held points of unpaid orders that were cancelled or expired (the expiry sweep's batch). */
export async function releaseOrderPoints(
  tx: EntityManager,
  orderIds: readonly string[],
  effects: PointsEffects,
): Promise<void> {
  if (orderIds.length === 0) return;
  const held = await tx.execute<{ order_id: string }[]>(
    `select order_id from order_points where status = 'held' and order_id in (${orderIds.map(() => '?').join(', ')})
     order by order_id`,
    [...orderIds],
  );
  for (const { order_id } of held) {
    const hold = await moveHold(tx, order_id, 'held', 'released');
    if (!hold) continue;
    const change = await applyPointsChange(tx, {
      userId: hold.user_id,
      delta: hold.points,
      reason: 'checkout_release',
      sourceRef: order_id,
      orderId: order_id,
    });
    if (change) effects.changes.push(change);
    effects.holds.push({ orderId: order_id, from: 'held', to: 'released' });
  }
}

/**
 * The points side of one order transition, in its transaction (see the file's head for each state). Returns what
 * it did, for reportPointsEffects after the commit.
 */
export async function pointsOnOrderTransition(
  tx: EntityManager,
  order: OrderForPoints,
  to: string,
  now: Date,
): Promise<PointsEffects> {
  const effects = noPointsEffects();
  if (to === 'paid') {
    if (await moveHold(tx, order.id, 'held', 'spent')) {
      effects.holds.push({ orderId: order.id, from: 'held', to: 'spent' });
    }
  } else if (to === 'cancelled') {
    await releaseOrderPoints(tx, [order.id], effects);
  } else if (to === 'completed') {
    const rules = await readPointsRules(tx);
    const earned = pointsEarnedFor(rules, order.payable_fen);
    if (earned > 0) {
      const change = await applyPointsChange(tx, {
        userId: order.user_id,
        delta: earned,
        reason: 'order_earn',
        sourceRef: order.id,
        orderId: order.id,
        ...(rules.expiryDays ? { expiresAt: new Date(now.getTime() + rules.expiryDays * 86400_000) } : {}),
      });
      if (change) effects.changes.push(change);
    }
  } else if (to === 'refunded') {
    const returned = await moveHold(tx, order.id, 'spent', 'returned');
    if (returned) {
      const change = await applyPointsChange(tx, {
        userId: returned.user_id,
        delta: returned.points,
        reason: 'refund_return',
        sourceRef: order.id,
        orderId: order.id,
      });
      if (change) effects.changes.push(change);
      effects.holds.push({ orderId: order.id, from: 'spent', to: 'returned' });
    }
    const earned = await tx.execute<{ delta: number }[]>(
      `select delta from points_ledger where user_id = ? and reason = 'order_earn' and source_ref = ?`,
      [order.user_id, order.id],
    );
    if (earned[0]) {
      const change = await applyPointsChange(tx, {
        userId: order.user_id,
        delta: -earned[0].delta,
        reason: 'order_earn_reversal',
        sourceRef: order.id,
        orderId: order.id,
        clampToBalance: true,
      });
      if (change) effects.changes.push(change);
    }
  }
  return effects;
}
