/**
 * The claim settler: writes a batch of a coupon template's claims (its settlement stream) as coupons, inside the
 * hot path's batch transaction (`CampaignSettler`, run by the settlement worker threads; named in
 * `startSettlement({ settlers: { coupon } })`). The coupons module stays the one writer of its tables; the hot
 * path only runs this in its batch. Idempotent: `claim_id` is unique and each coupon id is derived from its claim,
 * so a retried or reclaimed batch inserts nothing twice. Imports nothing but types: it loads in every worker.
 */
import type { SettlementEntry } from '@tuanmiao/hot-path';
import type { PoolClient } from 'pg';

/** `cpn_` + the part after `clm_` (as `couponIdFor` of the hot path). */
const couponId = (claimId: string) => `cpn_${claimId.startsWith('clm_') ? claimId.slice(4) : claimId}`;

export default async function settleCouponClaims(
  client: PoolClient,
  entries: SettlementEntry[],
): Promise<{ inserted: number; duplicates: number }> {
  if (entries.length === 0) return { inserted: 0, duplicates: 0 };
  const templates = [...new Set(entries.map((e) => e.campaignId))];
  const known = await client.query<{ id: string }>(
    'select id from coupon_templates where id = any($1::text[])',
    [templates],
  );
  if (known.rows.length !== templates.length)
    throw new Error(`claim batch names ${templates.length - known.rows.length} unknown coupon template(s)`);
  // Validity as the template sets it: fixed dates, or valid_days from the claim's own time (the gateway answered
  // the shopper with the same rule). Those columns never change once a template exists.
  const res = await client.query<{ id: string; claimed_at: Date }>(
    `insert into coupons (id, template_id, user_id, source, claim_id, request_id, status, valid_from, valid_until,
       claimed_at)
     select c.id, c.template_id, c.user_id, 'claim', c.claim_id, c.request_id, 'unused',
       case when t.valid_days is null then coalesce(t.valid_from, c.at) else c.at end,
       case when t.valid_days is null then t.valid_until else c.at + make_interval(days => t.valid_days) end,
       c.at
     from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::int[])
       as c(id, template_id, user_id, claim_id, request_id, at, ord)
     join coupon_templates t on t.id = c.template_id
     order by c.ord
     on conflict do nothing
     returning id, claimed_at`,
    [
      entries.map((e) => couponId(e.reservationId)),
      entries.map((e) => e.campaignId),
      entries.map((e) => e.userId),
      entries.map((e) => e.reservationId),
      entries.map((e) => e.requestId),
      entries.map((e) => new Date(e.createdAtMs).toISOString()),
      entries.map((_e, i) => i),
    ],
  );
  if (res.rows.length > 0) {
    await client.query(
      `insert into coupon_transitions (coupon_id, from_status, to_status, reason, actor, at)
       select id, null, 'unused', 'claimed', 'hot-path', at from unnest($1::text[], $2::timestamptz[]) as t(id, at)`,
      [res.rows.map((r) => r.id), res.rows.map((r) => r.claimed_at)],
    );
  }
  return { inserted: res.rows.length, duplicates: entries.length - res.rows.length };
}
