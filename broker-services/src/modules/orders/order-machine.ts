/**
 * The order state machine of shared/API.md. Every change of an order's status goes through `transitionOrder`:
 * a guarded UPDATE (only from the allowed states) and its transition row in one short transaction, then a log
 * line and a counter. Whoever wins the guarded UPDATE owns the side effects (releasing stock, refunding), so
 * two racing callers (a sweeper and a shopper, two processes) can never both apply them.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { orderTransitionsTotal } from '@tuanmiao/observability';
import type { Logger } from 'pino';
import { AppError } from '../../errors.ts';
import { returnRegularStock } from '../catalog/stock.ts';
import {
  noPointsEffects,
  pointsOnOrderTransition,
  releaseOrderPoints,
  reportPointsEffects,
} from '../points/order-effects.ts';

/** Every status an order can have (shared/API.md). */
export type OrderStatus =
  | 'pending_payment'
  | 'paid'
  | 'cancelled'
  | 'refunding'
  | 'refunded'
  | 'shipped'
  | 'completed';

export const ORDER_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending_payment: ['paid', 'cancelled'],
  paid: ['refunding', 'shipped'],
  refunding: ['refunded'],
  shipped: ['completed', 'refunding'],
  cancelled: [],
  refunded: [],
  completed: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

export interface OrderRow {
  id: string;
  /** Null on a regular order. */
  reservation_id: string | null;
  request_id: string;
  user_id: string;
  /** Null on a regular order. */
  campaign_id: string | null;
  campaign_type: 'seckill' | 'groupbuy' | 'regular';
  group_id: string | null;
  sku_id: string;
  title: string;
  status: OrderStatus;
  quantity: number;
  unit_price_fen: number;
  total_fen: number;
  discount_fen: number;
  points_used: number;
  points_fen: number;
  payable_fen: number;
  address_pii: string | null;
  address_key_id: string | null;
  dry_run: boolean;
  prepay_id: string | null;
  tracking_no: string | null;
  cancel_reason: string | null;
  created_at: Date;
  expires_at: Date;
  paid_at: Date | null;
  cancelled_at: Date | null;
  stock_released_at: Date | null;
  shipped_at: Date | null;
  refunded_at: Date | null;
}

/** Extra columns a transition may set; only these names, never caller-chosen SQL. */
export interface TransitionEffects {
  paidAt?: Date;
  cancelledAt?: Date;
  cancelReason?: string;
  stockReleasedAt?: Date;
  shippedAt?: Date;
  trackingNo?: string;
  refundedAt?: Date;
}

const EFFECT_COLUMNS: Record<keyof TransitionEffects, string> = {
  paidAt: 'paid_at',
  cancelledAt: 'cancelled_at',
  cancelReason: 'cancel_reason',
  stockReleasedAt: 'stock_released_at',
  shippedAt: 'shipped_at',
  trackingNo: 'tracking_no',
  refundedAt: 'refunded_at',
};

export interface TransitionRequest {
  orderId: string;
  to: OrderStatus;
  reason: string;
  actor: string;
  /** Extra guard: only orders that also match this user (shopper actions). */
  userId?: string;
  /** Extra guard for time-based transitions: only if expires_at is before this instant. */
  expiredBefore?: Date;
  effects?: TransitionEffects;
  /** The time of the transition as the service's clock tells it (points earned expire from it); default now. */
  now?: Date;
  /** More writes that must commit with the transition (a refund record); no other I/O inside. */
  inTransaction?: (tx: EntityManager, row: OrderRow) => Promise<void>;
}

/**
 * Moves one order to `to` from any state allowed to reach it. Returns the updated row, or null when the
 * order was not in an allowed state (someone else moved it first): the caller decides whether that is an error.
 */
export async function transitionOrder(
  em: EntityManager,
  log: Logger,
  req: TransitionRequest,
): Promise<{ row: OrderRow; from: OrderStatus } | null> {
  const fromStates = (Object.keys(ORDER_TRANSITIONS) as OrderStatus[]).filter((s) =>
    canTransition(s, req.to),
  );
  const sets = ['status = ?', 'updated_at = now()'];
  const setValues: unknown[] = [req.to];
  for (const [key, value] of Object.entries(req.effects ?? {})) {
    sets.push(`${EFFECT_COLUMNS[key as keyof TransitionEffects]} = ?`);
    setValues.push(value);
  }
  // One placeholder per state: the driver expands an array bound to one `?` into a list, never an array.
  const guards = ['o.id = ?', `o.status in (${fromStates.map(() => '?').join(', ')})`];
  const guardValues: unknown[] = [req.orderId, ...fromStates];
  if (req.userId) {
    guards.push('o.user_id = ?');
    guardValues.push(req.userId);
  }
  if (req.expiredBefore) {
    guards.push('o.expires_at <= ?');
    guardValues.push(req.expiredBefore);
  }
  // Placeholders bind in the order they appear: the guards (in the CTE) come before the SET list.
  const values = [...guardValues, ...setValues];
  let pointsEffects = noPointsEffects();
  const result = await em.transactional(async (tx) => {
    const rows = await tx.execute<(OrderRow & { prev_status: OrderStatus })[]>(
      `with prev as (select id, status from orders o where ${guards.join(' and ')} for update)
       update orders set ${sets.join(', ')} from prev where orders.id = prev.id
       returning orders.*, prev.status as prev_status`,
      values,
    );
    const row = rows[0];
    if (!row) return null;
    await tx.execute(
      'insert into order_transitions (order_id, from_status, to_status, reason, actor) values (?, ?, ?, ?, ?)',
      [row.id, row.prev_status, req.to, req.reason, req.actor],
    );
    if (req.to === 'cancelled' || req.to === 'refunded') {
      // A group member's slot ends with its order, in the same transaction, so that the slot the hot path
      // frees afterwards can be settled for the next member without colliding with this one.
      await tx.execute('update group_members set left_at = now() where order_id = ? and left_at is null', [
        row.id,
      ]);
    }
    if (row.campaign_type === 'regular' && req.effects?.stockReleasedAt) {
      // A regular order's units go back to its SKUs in the transaction that releases them: the one winner of
      // the guarded UPDATE above, so exactly once (a campaign order's go back to the hot path after commit).
      const lines = await tx.execute<{ sku_id: string; quantity: number }[]>(
        'select sku_id, quantity from order_items where order_id = ?',
        [row.id],
      );
      await returnRegularStock(
        tx,
        lines.map((l) => ({ skuId: l.sku_id, quantity: l.quantity })),
      );
    }
    // The order's points (held, spent, released, earned, returned) move with its status, once, by the winner.
    pointsEffects = await pointsOnOrderTransition(tx, row, req.to, req.now ?? new Date());
    await req.inTransaction?.(tx, row);
    return row;
  });
  if (!result) return null;
  reportPointsEffects(log, pointsEffects);
  const { prev_status: from, ...row } = result;
  orderTransitionsTotal.inc({ from, to: req.to, reason: req.reason });
  log.info({ orderId: row.id, from, to: req.to, reason: req.reason, actor: req.actor }, 'order transition');
  return { row, from };
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
 * slot ended, exactly as transitionOrder does one by one. One transaction per order drained a backlog at about
 * 130 orders/s. Orders another sweeper holds are skipped (it cancels them); each cancellation is logged and
 * counted. Returns the cancelled rows.
 */
export async function cancelExpiredOrders(
  em: EntityManager,
  log: Logger,
  ids: string[],
  expiredBefore: Date,
): Promise<OrderRow[]> {
  if (ids.length === 0) return [];
  if (!canTransition('pending_payment', 'cancelled'))
    throw new Error('pending_payment → cancelled not allowed');
  const pointsEffects = noPointsEffects();
  const rows = await em.transactional(async (tx) => {
    const cancelled = await tx.execute<OrderRow[]>(
      `with due as (
         select id from orders
         where id in (${ids.map(() => '?').join(', ')}) and status = 'pending_payment' and expires_at <= ?
         for update skip locked
       ), cancelled as (
         update orders set status = 'cancelled', updated_at = now(), cancelled_at = ?,
           cancel_reason = 'payment_timeout', stock_released_at = ?
         from due where orders.id = due.id
         returning orders.*
       ), transitions as (
         insert into order_transitions (order_id, from_status, to_status, reason, actor)
         select id, 'pending_payment', 'cancelled', 'payment_timeout', 'system' from cancelled
       ), slots as (
         update group_members set left_at = now()
         where order_id in (select id from cancelled) and left_at is null
       )
       select * from cancelled`,
      // One placeholder per id: the driver expands an array bound to one `?` into a list, never an array.
      [...ids, expiredBefore, expiredBefore, expiredBefore],
    );
    // Regular orders' units go back to their SKUs in the same transaction, once (only this statement cancelled them).
    const regular = cancelled.filter((r) => r.campaign_type === 'regular').map((r) => r.id);
    if (regular.length > 0) {
      const lines = await tx.execute<{ sku_id: string; quantity: number }[]>(
        `select sku_id, quantity from order_items where order_id in (${regular.map(() => '?').join(', ')})`,
        regular,
      );
      await returnRegularStock(
        tx,
        lines.map((l) => ({ skuId: l.sku_id, quantity: l.quantity })),
      );
      // Their held points come back in the same transaction, once.
      await releaseOrderPoints(tx, regular, pointsEffects);
    }
    return cancelled;
  });
  reportPointsEffects(log, pointsEffects);
  if (rows.length > 0) {
    orderTransitionsTotal.inc(
      { from: 'pending_payment', to: 'cancelled', reason: 'payment_timeout' },
      rows.length,
    );
  }
  for (const row of rows) {
    log.info(
      {
        orderId: row.id,
        from: 'pending_payment',
        to: 'cancelled',
        reason: 'payment_timeout',
        actor: 'system',
      },
      'order transition',
    );
  }
  return rows;
}
