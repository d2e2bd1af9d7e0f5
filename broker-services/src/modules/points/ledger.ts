/**
 * The points ledger: the one way a shopper's points change. Each change is one append-only `points_ledger` row and
 * the matching move of `points_balances`, in the caller's transaction, so the balance is always the sum of the
 * ledger. The balance row is locked first (an upsert that takes its row lock), which serialises every change of one
 * shopper: the duplicate check by (user, reason, source) and the guard against a negative balance both read a
 * balance nobody else can move until commit. Two checkouts or two redemptions spending the same points therefore
 * queue on that row, and the second sees what the first left.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { pointsChangesTotal, pointsHoldTransitionsTotal, pointsMovedTotal } from '@tuanmiao/observability';
import type { Logger } from 'pino';
import { AppError } from '../../errors.ts';

/** Why a balance moved; one ledger row has one reason. */
export type PointsReason =
  | 'order_earn'
  | 'order_earn_reversal'
  | 'checkout_hold'
  | 'checkout_release'
  | 'refund_return'
  | 'mall_redeem'
  | 'expired'
  | 'admin_adjust';

export const POINTS_REASONS: readonly PointsReason[] = [
  'order_earn',
  'order_earn_reversal',
  'checkout_hold',
  'checkout_release',
  'refund_return',
  'mall_redeem',
  'expired',
  'admin_adjust',
];

export interface PointsChangeInput {
  userId: string;
  /** Positive credits, negative debits; never 0. */
  delta: number;
  reason: PointsReason;
  /** What caused it (an order id, a redemption id, an operator's requestId): unique per user and reason. */
  sourceRef: string;
  orderId?: string;
  /** Credits that expire: when (the expiry sweep keeps at most the credits not yet due). */
  expiresAt?: Date;
  note?: string;
  /**
   * A debit that takes back what it can (a refund's reversal of points already spent elsewhere): the delta shrinks
   * to the balance instead of refusing with INSUFFICIENT_POINTS, and what it could not take is the row's
   * `shortfall` (a row of delta 0 when the balance was 0, so the take-back is on record all the same).
   */
  clampToBalance?: boolean;
}

/** One change that was written; reported after its transaction commits. */
export interface PointsChange {
  userId: string;
  delta: number;
  reason: PointsReason;
  sourceRef: string;
  orderId?: string;
  balanceAfter: number;
  /** A clamped debit: the points it could not take (already spent elsewhere). */
  shortfall?: number;
}

/** A change of the points an order spends (order_points.status). */
export interface PointsHoldTransition {
  orderId: string;
  from: 'none' | 'held' | 'spent';
  to: 'held' | 'spent' | 'released' | 'returned';
}

/** What one transaction did to points; counted and logged by reportPointsEffects once it has committed. */
export interface PointsEffects {
  changes: PointsChange[];
  holds: PointsHoldTransition[];
}

export const noPointsEffects = (): PointsEffects => ({ changes: [], holds: [] });

/** Locks the shopper's balance row (creating it at 0) and returns the balance. */
export async function lockBalance(tx: EntityManager, userId: string): Promise<number> {
  const rows = await tx.execute<{ balance: number }[]>(
    `insert into points_balances (user_id, balance) values (?, 0)
     on conflict (user_id) do update set user_id = excluded.user_id returning balance`,
    [userId],
  );
  return rows[0]!.balance;
}

/**
 * Applies one change inside `tx`: returns it, or null when the same (user, reason, source) is already in the
 * ledger (a replay) or a clamped debit found nothing to take. A debit larger than the balance is INSUFFICIENT_POINTS
 * and the caller's transaction rolls back whole.
 */
export async function applyPointsChange(
  tx: EntityManager,
  input: PointsChangeInput,
): Promise<PointsChange | null> {
  if (!Number.isSafeInteger(input.delta) || input.delta === 0) {
    throw new Error(`points change of ${input.delta} is not a non-zero integer`);
  }
  const balance = await lockBalance(tx, input.userId);
  const seen = await tx.execute<{ id: string }[]>(
    'select id from points_ledger where user_id = ? and reason = ? and source_ref = ?',
    [input.userId, input.reason, input.sourceRef],
  );
  if (seen[0]) return null;
  let delta = input.delta;
  let shortfall = 0;
  if (balance + delta < 0) {
    if (!input.clampToBalance) {
      throw new AppError('INSUFFICIENT_POINTS', undefined, { balance, needed: -delta });
    }
    shortfall = -(balance + delta);
    delta = -balance;
  }
  // The guard repeats in SQL: the balance cannot go below zero even if the lock above were ever lost.
  const moved = await tx.execute<{ balance: number }[]>(
    `update points_balances set balance = balance + ?, updated_at = now()
     where user_id = ? and balance + ? >= 0 returning balance`,
    [delta, input.userId, delta],
  );
  if (!moved[0]) throw new AppError('INSUFFICIENT_POINTS', undefined, { balance, needed: -delta });
  const balanceAfter = moved[0].balance;
  await tx.execute(
    `insert into points_ledger (user_id, delta, reason, source_ref, order_id, expires_at, balance_after, note, shortfall)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      input.userId,
      delta,
      input.reason,
      input.sourceRef,
      input.orderId ?? null,
      input.expiresAt ?? null,
      balanceAfter,
      input.note ?? null,
      shortfall,
    ],
  );
  return {
    userId: input.userId,
    delta,
    reason: input.reason,
    sourceRef: input.sourceRef,
    balanceAfter,
    ...(input.orderId ? { orderId: input.orderId } : {}),
    ...(shortfall > 0 ? { shortfall } : {}),
  };
}

/** Counts and logs what a committed transaction did to points (never before the commit: a rollback did nothing). */
export function reportPointsEffects(log: Logger, effects: PointsEffects): void {
  for (const c of effects.changes) {
    pointsChangesTotal.inc({ reason: c.reason });
    pointsMovedTotal.inc(
      { reason: c.reason, direction: c.delta > 0 ? 'earned' : 'spent' },
      Math.abs(c.delta),
    );
    log.info(
      {
        userId: c.userId,
        delta: c.delta,
        reason: c.reason,
        sourceRef: c.sourceRef,
        balanceAfter: c.balanceAfter,
        ...(c.orderId ? { orderId: c.orderId } : {}),
        ...(c.shortfall ? { shortfall: c.shortfall } : {}),
      },
      'points change',
    );
  }
  for (const h of effects.holds) {
    pointsHoldTransitionsTotal.inc({ from: h.from, to: h.to });
    log.info({ orderId: h.orderId, from: h.from, to: h.to }, 'order points transition');
  }
}
