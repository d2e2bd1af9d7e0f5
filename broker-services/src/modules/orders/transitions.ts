/**
 * The orders service's transactions around the one transition function (./order-machine.ts): each runs it in
 * one short transaction with the writes that must commit with it (a refund record, an audit entry, a regular
 * order's stock returned to its SKUs), then logs and counts every change once committed.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { orderTransitionsTotal } from '@tuanmiao/observability';
import type { Logger } from 'pino';
import { AppError } from '../../errors.ts';
import { returnRegularStock } from '../catalog/stock.ts';
import { reportCouponChanges } from '../coupons/order-coupons.ts';
import {
  type LevelChange,
  membershipOnOrderTransition,
  reportLevelChanges,
} from '../membership/order-effects.ts';
import {
  noPointsEffects,
  pointsOnOrderTransition,
  releaseOrderPoints,
  reportPointsEffects,
} from '../points/order-effects.ts';
import {
  type MoveOrders,
  type OrderChange,
  type OrderRow,
  type OrderStatus,
  ormSql,
  transitionOrders,
} from './order-machine.ts';

/** Logs and counts committed order transitions (from `none` for a created order), and their coupons' changes. */
export function recordOrderTransitions(
  log: Logger,
  done: readonly OrderChange[],
  reason: string,
  actor: string,
): void {
  for (const t of done) {
    orderTransitionsTotal.inc({ from: t.from ?? 'none', to: t.to, reason });
    log.info({ orderId: t.row.id, from: t.from, to: t.to, reason, actor }, 'order transition');
    if (t.coupon) reportCouponChanges(log, [t.coupon]);
  }
}

/** Regular orders' units go back to their SKUs in the transaction that released them (its one winner). */
async function returnStockOf(tx: EntityManager, rows: readonly OrderRow[]): Promise<void> {
  const regular = rows.filter((r) => r.campaign_type === 'regular').map((r) => r.id);
  if (regular.length === 0) return;
  const lines = await tx.execute<{ sku_id: string; quantity: number }[]>(
    `select sku_id, quantity from order_items where order_id in (${regular.map(() => '?').join(', ')})`,
    regular,
  );
  await returnRegularStock(
    tx,
    lines.map((l) => ({ skuId: l.sku_id, quantity: l.quantity })),
  );
}

export interface TransitionRequest {
  orderId: string;
  to: OrderStatus;
  /** Narrower than the machine allows. */
  from?: readonly OrderStatus[];
  reason: string;
  actor: string;
  /** Extra guard: only orders that also match this user (shopper actions). */
  userId?: string;
  /** The transition's instant (its stamps and its transition row); the database's now() if absent. */
  at?: Date;
  stamp?: MoveOrders['stamp'];
  cancelReason?: string;
  trackingNo?: string;
  /** More writes that must commit with the transition (a refund record); no other I/O inside. */
  inTransaction?: (tx: EntityManager, row: OrderRow) => Promise<void>;
}

/**
 * Moves one order to `to` in its own transaction. Returns the updated row, or null when the order was not in an
 * allowed state (someone else moved it first): the caller decides whether that is an error.
 */
export async function transitionOrder(
  em: EntityManager,
  log: Logger,
  req: TransitionRequest,
): Promise<{ row: OrderRow; from: OrderStatus } | null> {
  let pointsEffects = noPointsEffects();
  let levelChanges: LevelChange[] = [];
  const done = await em.transactional(async (tx) => {
    const [moved] = await transitionOrders(ormSql(tx), {
      kind: 'move',
      ids: [req.orderId],
      to: req.to,
      reason: req.reason,
      actor: req.actor,
      ...(req.from ? { from: req.from } : {}),
      ...(req.at ? { at: [req.at] } : {}),
      ...(req.userId !== undefined ? { userId: req.userId } : {}),
      ...(req.stamp ? { stamp: req.stamp } : {}),
      ...(req.cancelReason !== undefined ? { cancelReason: req.cancelReason } : {}),
      ...(req.trackingNo !== undefined ? { trackingNo: req.trackingNo } : {}),
    });
    if (!moved) return null;
    if (req.stamp?.includes('stock_released_at')) await returnStockOf(tx, [moved.row]);
    // The order's points (held, spent, released, earned, returned) move with its status, once, by the winner.
    pointsEffects = await pointsOnOrderTransition(tx, moved.row, req.to, req.at ?? new Date());
    // Its growth too (completion earns, a refund takes back), and a level reached at once.
    levelChanges = await membershipOnOrderTransition(tx, moved.row, req.to, req.at ?? new Date());
    await req.inTransaction?.(tx, moved.row);
    return moved;
  });
  if (!done) return null;
  recordOrderTransitions(log, [done], req.reason, req.actor);
  reportPointsEffects(log, pointsEffects);
  reportLevelChanges(log, levelChanges);
  return { row: done.row, from: done.from as OrderStatus };
}

/** Like transitionOrder, but a lost race or a wrong state is the client's INVALID_TRANSITION. */
export async function requireTransition(
  em: EntityManager,
  log: Logger,
  req: TransitionRequest,
): Promise<{ row: OrderRow; from: OrderStatus }> {
  const done = await transitionOrder(em, log, req);
  if (!done) {
    throw new AppError('INVALID_TRANSITION', `The order cannot become ${req.to} from its current state`);
  }
  return done;
}

/**
 * The expiry sweep's transition, for a whole batch in one statement and one transaction: every order of `ids`
 * still unpaid and past its expiry becomes cancelled (payment_timeout), with its transition row and its group
 * slot ended. One transaction per order drained a backlog at about 130 orders/s. Orders another sweeper holds
 * are skipped (it cancels them); each cancellation is logged and counted. Returns the cancelled rows.
 */
export async function cancelExpiredOrders(
  em: EntityManager,
  log: Logger,
  ids: string[],
  expiredBefore: Date,
): Promise<OrderRow[]> {
  if (ids.length === 0) return [];
  const pointsEffects = noPointsEffects();
  const done = await em.transactional(async (tx) => {
    const cancelled = await transitionOrders(ormSql(tx), {
      kind: 'move',
      ids,
      at: ids.map(() => expiredBefore),
      to: 'cancelled',
      from: ['pending_payment'],
      reason: 'payment_timeout',
      actor: 'system',
      expiredBefore,
      skipLocked: true,
      stamp: ['cancelled_at', 'stock_released_at'],
      cancelReason: 'payment_timeout',
    });
    await returnStockOf(
      tx,
      cancelled.map((c) => c.row),
    );
    // Their held points come back in the same transaction, once.
    await releaseOrderPoints(
      tx,
      cancelled.filter((c) => c.row.campaign_type === 'regular').map((c) => c.row.id),
      pointsEffects,
    );
    return cancelled;
  });
  recordOrderTransitions(log, done, 'payment_timeout', 'system');
  reportPointsEffects(log, pointsEffects);
  return done.map((d) => d.row);
}
