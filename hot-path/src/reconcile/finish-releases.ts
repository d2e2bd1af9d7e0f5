/**
 * Finishes releases that PostgreSQL recorded but the hot path never heard of. A cancel or refund commits its
 * transition (with `stock_released_at`) first and returns the units to the hot path after; a crash in between
 * would leave those units unsellable. The release is idempotent per reservation id in the store, so calling it
 * again for every recently released order is safe and races with nothing.
 */
import type { HotPathStore } from '../store/types.ts';
import type { SqlRunner } from './reconcile.ts';
import type { SettledRecords } from './records.ts';

/** Releases in the hot path every order of the campaign released in PostgreSQL since `sinceMs`; returns how many
 * it released now (0 when all were already released). */
export async function finishReleases(args: {
  store: HotPathStore;
  sql: SqlRunner;
  /** The released orders, read through their owner. */
  records: SettledRecords;
  campaignId: string;
  sinceMs: number;
}): Promise<number> {
  const { store, sql, records, campaignId } = args;
  const released = await records.releasedSince(sql, campaignId, new Date(args.sinceMs));
  let finished = 0;
  for (const o of released) {
    const r = await store.getReservation(campaignId, o.reservation_id, o.user_id);
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
