/**
 * Finishes releases that PostgreSQL recorded but the hot path never heard of. A cancel or refund commits its
 * transition (with `stock_released_at`) first and returns the units to the hot path after; a crash in between
 * would leave those units unsellable. The release is idempotent per reservation id in the store, so calling it
 * again for every recently released order is safe and races with nothing.
 */
import type { HotPathStore } from '../store/types.ts';
import type { SqlRunner } from './reconcile.ts';

/** Releases in the hot path every order of the campaign released in PostgreSQL since `sinceMs`; returns how many
 * it released now (0 when all were already released). */
export async function finishReleases(args: {
  store: HotPathStore;
  sql: SqlRunner;
  campaignId: string;
  sinceMs: number;
}): Promise<number> {
  const { store, sql, campaignId } = args;
  const released = await sql.query<{
    reservation_id: string;
    user_id: string;
    quantity: number;
    group_id: string | null;
  }>(
    `select reservation_id, user_id, quantity, group_id from orders
     where campaign_id = $1 and stock_released_at is not null and stock_released_at >= $2`,
    [campaignId, new Date(args.sinceMs)],
  );
  let finished = 0;
  for (const o of released.rows) {
    const r = await store.getReservation(campaignId, o.reservation_id);
    if (!r || r.status === 'released') continue;
    const now = await store.releaseReservation({
      campaignId,
      reservationId: o.reservation_id,
      userId: o.user_id,
      quantity: Number(o.quantity),
      ...(o.group_id ? { groupId: o.group_id } : {}),
    });
    if (now) finished++;
  }
  return finished;
}
