/**
 * Points expiry on the operator's schedule: a credit that expires carries `expires_at` (rules.expiryDays after it
 * was earned). Points are spent first-in first-out by expiry, so at time T a shopper keeps at most the credits not
 * yet due: the sweep writes one `expired` debit of `balance − (credits expiring after T, less their reversals)`
 * when that is positive. Points returned by a cancelled or refunded order count as the oldest. The debit is unique
 * per (user, T), and a second sweep at the same T finds nothing left to expire.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { applyPointsChange, lockBalance, noPointsEffects, reportPointsEffects } from './ledger.ts';

/** Shoppers one sweep looks at; a longer backlog continues on the next sweep. */
const USERS_PER_SWEEP = 500;
const SWEEP_NAME = 'expiry';

/** Expires what is due for one shopper at `at`, in one transaction; returns the points expired. */
export async function expireUserPoints(
  em: EntityManager,
  log: Logger,
  userId: string,
  at: Date,
): Promise<number> {
  const effects = noPointsEffects();
  await em.transactional(async (tx) => {
    const balance = await lockBalance(tx, userId);
    if (balance === 0) return;
    const rows = await tx.execute<{ kept: string | number }[]>(
      `select coalesce(sum(e.delta + coalesce(r.delta, 0)), 0) as kept
       from points_ledger e
       left join points_ledger r
         on r.user_id = e.user_id and r.reason = 'order_earn_reversal' and r.source_ref = e.source_ref
       where e.user_id = ? and e.delta > 0 and e.expires_at > ?`,
      [userId, at],
    );
    const due = balance - Number(rows[0]!.kept);
    if (due <= 0) return;
    const change = await applyPointsChange(tx, {
      userId,
      delta: -due,
      reason: 'expired',
      sourceRef: `expiry:${at.toISOString()}`,
    });
    if (change) effects.changes.push(change);
  });
  reportPointsEffects(log, effects);
  return effects.changes.reduce((sum, c) => sum - c.delta, 0);
}

/**
 * One expiry sweep: every shopper with a credit that fell due since the last sweep's watermark. Returns the
 * shoppers looked at and the points expired.
 */
export async function expireDuePoints(
  em: EntityManager,
  log: Logger,
  now: Date,
): Promise<{ users: number; expired: number }> {
  const mark = await em.execute<{ swept_until: Date }[]>(
    'select swept_until from points_sweeps where name = ?',
    [SWEEP_NAME],
  );
  const since = mark[0] ? new Date(mark[0].swept_until) : new Date(0);
  const due = await em.execute<{ user_id: string; last_due: Date }[]>(
    `select user_id, max(expires_at) as last_due from points_ledger
     where expires_at > ? and expires_at <= ? group by user_id order by last_due, user_id limit ?`,
    [since, now, USERS_PER_SWEEP],
  );
  let expired = 0;
  for (const { user_id } of due) expired += await expireUserPoints(em, log, user_id, now);
  // A shopper left for the next sweep has a due credit after the new watermark, so it is found again.
  const until = due.length < USERS_PER_SWEEP ? now : new Date(due[due.length - 1]!.last_due);
  await em.execute(
    `insert into points_sweeps (name, swept_until) values (?, ?)
     on conflict (name) do update set swept_until = greatest(points_sweeps.swept_until, excluded.swept_until)`,
    [SWEEP_NAME, until],
  );
  return { users: due.length, expired };
}
