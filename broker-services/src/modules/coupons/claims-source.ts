/**
 * Where a coupon template's settled claims are, for the hot path's reconciliation (`LiveUnitsSource`): the
 * coupons from claims. A claimed coupon never goes back to the template's quantity (used, expired or returned
 * after an order, it is still the shopper's), so every one is live: left + claimed (unsettled) + settled = total.
 */
import { type LiveUnitsSource, msOf, type SqlRunner } from '@tuanmiao/hot-path';

export const CLAIMED_COUPONS: LiveUnitsSource = {
  async count(sql, templateId, claimIds) {
    const res = await sql.query<{ units: string | number; found: unknown }>(
      `select
         (select count(*) from coupons where template_id = $1 and source = 'claim') as units,
         (select coalesce(json_agg(claim_id), '[]'::json) from coupons where claim_id = any($2::text[])) as found`,
      [templateId, claimIds],
    );
    const row = res.rows[0];
    const found = (typeof row?.found === 'string' ? JSON.parse(row.found) : (row?.found ?? [])) as string[];
    return { units: Number(row?.units ?? 0), found: found.map((id) => [id, 1, true]) };
  },
  async list(sql, templateId) {
    const res = await sql.query<{ claim_id: string; request_id: string; user_id: string; claimed_at: Date }>(
      `select claim_id, request_id, user_id, claimed_at from coupons where template_id = $1 and source = 'claim'`,
      [templateId],
    );
    return res.rows.map((r) => ({
      reservationId: r.claim_id,
      requestId: r.request_id,
      userId: r.user_id,
      quantity: 1,
      unitPriceFen: 0,
      createdAtMs: msOf(r.claimed_at),
      expiresAtMs: msOf(r.claimed_at),
      live: true,
    }));
  },
};

/**
 * Coupons out of step with their orders, from one snapshot: locked on an order that is no longer unpaid, used
 * on one that is not paid (nor shipped, completed or refunded since), or giving a discount its order's price does
 * not hold (the order's `discount_fen` below the coupon's: a coupon change whose order was not written with it). A coupon moves with its order in the order's transaction, so this is always 0
 * unless something wrote around the machines (alert `TuanmiaoCouponsOutOfStep`).
 */
export async function countCouponsOutOfStep(sql: SqlRunner): Promise<number> {
  const res = await sql.query<{ n: string | number }>(
    `select count(*) as n from coupons c left join orders o on o.id = c.order_id
     where c.status in ('locked', 'used')
       and (o.id is null
            or (c.status = 'locked' and o.status <> 'pending_payment')
            or (c.status = 'used' and o.status not in ('paid', 'shipped', 'completed', 'refunding', 'refunded'))
            or o.discount_fen < coalesce(c.discount_fen, 0))`,
  );
  return Number(res.rows[0]?.n ?? 0);
}
