/**
 * The orders module's implementation of the hot path's `SettledRecords`: what reconciliation (`reconcileCampaign`,
 * the hot-state guard, `finishReleases`) reads of the settled orders and groups to check and rebuild a seckill or
 * group-buy campaign's hot state. The groups' part is the groups module's (../groups/members.ts). Read-only; runs
 * on the connection reconciliation passes (the runtime's reconciliation pool).
 */
import type { LiveUnitsSource, ReleasedOrderRow, SettledRecords, SqlRunner } from '@tuanmiao/hot-path';
import { homeBucketSql, msOf } from '@tuanmiao/hot-path';
import { formingGroupsOf, groupLeadersOf } from '../groups/members.ts';

/** Seckill and group-buy units: their orders. */
export const ORDER_UNITS: LiveUnitsSource = {
  async count(sql, campaignId, ids) {
    // One statement, so one snapshot: an entry settled between two reads would be counted twice or not at all.
    const res = await sql.query<{ units: string | number; found: unknown }>(
      `select
         (select coalesce(sum(quantity), 0) from orders
          where campaign_id = $1 and status <> 'cancelled' and stock_released_at is null) as units,
         (select coalesce(json_agg(json_build_array(reservation_id, quantity,
            status <> 'cancelled' and stock_released_at is null)), '[]'::json)
          from orders where reservation_id = any($2::text[])) as found`,
      [campaignId, ids],
    );
    const row = res.rows[0];
    const found = (typeof row?.found === 'string' ? JSON.parse(row.found) : (row?.found ?? [])) as Array<
      [string, number, boolean]
    >;
    return { units: Number(row?.units ?? 0), found };
  },

  async countByBucket(sql, campaignId, buckets, ids) {
    // As count, with the live units summed per home bucket of the order's shopper (the hot path's homeBucket).
    const res = await sql.query<{ units: unknown; found: unknown }>(
      `select
         (select coalesce(json_agg(json_build_array(bucket, units)), '[]'::json) from (
            select ${homeBucketSql('user_id', '$3::int')} as bucket, sum(quantity) as units from orders
            where campaign_id = $1 and status <> 'cancelled' and stock_released_at is null
            group by 1) b) as units,
         (select coalesce(json_agg(json_build_array(reservation_id, quantity,
            status <> 'cancelled' and stock_released_at is null)), '[]'::json)
          from orders where reservation_id = any($2::text[])) as found`,
      [campaignId, ids, buckets],
    );
    const row = res.rows[0];
    const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : (v ?? [])) as T;
    const units = Array.from({ length: buckets }, () => 0);
    for (const [bucket, n] of json<Array<[number, number | string]>>(row?.units)) units[bucket] = Number(n);
    return { units, found: json<Array<[string, number, boolean]>>(row?.found) };
  },

  async list(sql, campaignId) {
    const orders = await sql.query<{
      reservation_id: string;
      request_id: string;
      user_id: string;
      quantity: number;
      unit_price_fen: number;
      group_id: string | null;
      status: string;
      created_at: Date;
      expires_at: Date;
      stock_released_at: Date | null;
    }>(
      `select reservation_id, request_id, user_id, quantity, unit_price_fen, group_id, status,
              created_at, expires_at, stock_released_at
       from orders where campaign_id = $1`,
      [campaignId],
    );
    // A group's leader never changes, so reading the leaders apart from the orders misses nothing.
    const leaders = await groupLeadersOf(sql, [
      ...new Set(orders.rows.flatMap((o) => (o.group_id ? [o.group_id] : []))),
    ]);
    return orders.rows.map((o) => {
      const leader = o.group_id ? leaders.get(o.group_id) : undefined;
      return {
        reservationId: o.reservation_id,
        requestId: o.request_id,
        userId: o.user_id,
        quantity: Number(o.quantity),
        unitPriceFen: Number(o.unit_price_fen),
        createdAtMs: msOf(o.created_at),
        expiresAtMs: msOf(o.expires_at),
        // Units are live until they went back to stock: a cancelled order, or a refunded one whose units returned.
        live: o.status !== 'cancelled' && !o.stock_released_at,
        ...(o.group_id ? { groupId: o.group_id } : {}),
        ...(leader ? { groupLeaderId: leader } : {}),
      };
    });
  },
};

/** What reconciliation reads of orders and groups (`reconcileCampaign({ records })`, the guard, `finishReleases`). */
export const SETTLED_RECORDS: SettledRecords = {
  orders: ORDER_UNITS,
  formingGroups: (sql, campaignId) => formingGroupsOf(sql, campaignId),
  async releasedSince(sql, campaignId, since) {
    const res = await sql.query<ReleasedOrderRow>(
      `select reservation_id, user_id, quantity, group_id from orders
       where campaign_id = $1 and stock_released_at is not null and stock_released_at >= $2`,
      [campaignId, since],
    );
    return res.rows;
  },
};

/** Units of the campaign's unpaid orders past their expiry by `before` (the expiry sweep is behind on them). */
export async function unpaidPastExpiryUnits(
  sql: SqlRunner,
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
