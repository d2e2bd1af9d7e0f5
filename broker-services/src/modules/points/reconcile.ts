/**
 * Reconciliation of the points ledger: every shopper's balance row must equal the sum of their ledger rows. Both move
 * in one transaction, so a difference means a write outside this module (or a bug); it is exported as
 * `tm_points_ledger_drift_users` and alerted on (TuanmiaoPointsLedgerDrift), never corrected silently.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { pointsLedgerDriftUsers, pointsReconciliationRunsTotal } from '@tuanmiao/observability';
import type { Logger } from 'pino';

export interface LedgerDrift {
  userId: string;
  balance: number;
  ledgerSum: number;
}

/** Shoppers whose balance is not the sum of their ledger (at most `limit` of them, worst first). */
export async function findLedgerDrift(em: EntityManager, limit = 100): Promise<LedgerDrift[]> {
  const rows = await em.execute<{ user_id: string; balance: string | number; ledger_sum: string | number }[]>(
    `select coalesce(b.user_id, l.user_id) as user_id, coalesce(b.balance, 0) as balance,
       coalesce(l.total, 0) as ledger_sum
     from points_balances b
     full join (select user_id, sum(delta) as total from points_ledger group by user_id) l on l.user_id = b.user_id
     where coalesce(b.balance, 0) <> coalesce(l.total, 0)
     order by abs(coalesce(b.balance, 0) - coalesce(l.total, 0)) desc, 1
     limit ?`,
    [limit],
  );
  return rows.map((r) => ({
    userId: r.user_id,
    balance: Number(r.balance),
    ledgerSum: Number(r.ledger_sum),
  }));
}

/** One reconciliation run: sets the drift gauge and counts the run; returns the drift found. */
export async function reconcilePoints(em: EntityManager, log: Logger): Promise<LedgerDrift[]> {
  try {
    const drift = await findLedgerDrift(em, 1000);
    pointsLedgerDriftUsers.set(drift.length);
    pointsReconciliationRunsTotal.inc({ result: drift.length === 0 ? 'ok' : 'drift' });
    if (drift.length > 0)
      log.error({ drift: drift.slice(0, 20), users: drift.length }, 'points ledger drift');
    return drift;
  } catch (err) {
    pointsReconciliationRunsTotal.inc({ result: 'error' });
    throw err;
  }
}
