/**
 * The orders module's implementation of the hot path's `SettledRecords`: what reconciliation (`reconcileCampaign`,
 * the hot-state guard, `finishReleases`) reads of the settled orders and groups to check and rebuild a campaign's
 * hot state. The groups' part is the groups module's (../groups/members.ts). Read-only; runs on the runtime's
 * reconciliation pool.
 */
import type { ReleasedOrderRow, SettledOrderRow, SettledRecords, SettlementSql } from '@tuanmiao/hot-path';
import { formingGroupsOf, groupLeadersOf } from '../groups/members.ts';

/** Reads the settled orders and groups on `sql` (a `pg` pool, or any connection of that shape). */
export function settledRecords(sql: SettlementSql): SettledRecords {
  return {
    async liveUnits(campaignId, reservationIds) {
      // One statement, so one snapshot: an entry settled between two reads would be counted twice or not at all.
      const res = await sql.query<{ units: string | number; found: unknown }>(
        `select
           (select coalesce(sum(quantity), 0) from orders
            where campaign_id = $1 and status <> 'cancelled' and stock_released_at is null) as units,
           (select coalesce(json_agg(json_build_array(reservation_id, quantity,
              status <> 'cancelled' and stock_released_at is null)), '[]'::json)
            from orders where reservation_id = any($2::text[])) as found`,
        [campaignId, reservationIds],
      );
      const row = res.rows[0];
      const found = (typeof row?.found === 'string' ? JSON.parse(row.found) : (row?.found ?? [])) as Array<
        [string, number, boolean]
      >;
      return { units: Number(row?.units ?? 0), found };
    },

    async campaignOrders(campaignId) {
      const res = await sql.query<Omit<SettledOrderRow, 'group_leader_id'>>(
        `select reservation_id, request_id, user_id, quantity, unit_price_fen, group_id, status,
                created_at, expires_at, stock_released_at
         from orders where campaign_id = $1`,
        [campaignId],
      );
      // A group's leader never changes, so reading it apart from the orders misses nothing.
      const leaders = await groupLeadersOf(sql, [
        ...new Set(res.rows.flatMap((o) => (o.group_id ? [o.group_id] : []))),
      ]);
      return res.rows.map((o) => ({
        ...o,
        group_leader_id: o.group_id ? (leaders.get(o.group_id) ?? null) : null,
      }));
    },

    formingGroups: (campaignId) => formingGroupsOf(sql, campaignId),

    async releasedSince(campaignId, since) {
      const res = await sql.query<ReleasedOrderRow>(
        `select reservation_id, user_id, quantity, group_id from orders
         where campaign_id = $1 and stock_released_at is not null and stock_released_at >= $2`,
        [campaignId, since],
      );
      return res.rows;
    },
  };
}

/** Units of the campaign's unpaid orders past their expiry by `before` (the expiry sweep is behind on them). */
export async function unpaidPastExpiryUnits(
  sql: SettlementSql,
  campaignId: string,
  before: Date,
): Promise<number> {
  const res = await sql.query<{ units: string }>(
    `select coalesce(sum(quantity), 0) as units from orders
     where campaign_id = $1 and status = 'pending_payment' and expires_at < $2`,
    [campaignId, before],
  );
  return Number(res.rows[0]?.units ?? 0);
}
