/**
 * The coupons module's settlement sink (`SettlementSink` of the hot path) for campaigns of type `coupon`: writes a
 * batch of a template's claims (its settlement stream) as coupons with their `null → unused` transitions, inside
 * the batch's transaction that the hot path opens and commits with its settled position
 * (`startSettlement({ sinks: { coupon } })`). The coupons module stays the one writer of its tables. Idempotent:
 * `claim_id` is unique and each coupon id is derived from its claim, so a retried or reclaimed batch inserts
 * nothing twice. Loaded by module URL in every settlement worker thread: it imports nothing but types.
 */
import type {
  SettledTransitionCount,
  SettlementEntry,
  SettlementSink,
  SettlementSql,
} from '@tuanmiao/hot-path';

/** `cpn_` + the part after `clm_` (as `couponIdFor` of the hot path). */
const couponId = (claimId: string) => `cpn_${claimId.startsWith('clm_') ? claimId.slice(4) : claimId}`;

async function checkReferences(tx: SettlementSql, entries: SettlementEntry[]): Promise<void> {
  const users = [...new Set(entries.map((e) => e.userId))];
  const templates = [...new Set(entries.map((e) => e.campaignId))];
  const res = await tx.query<{ users: number; templates: number }>(
    `select (select count(*) from users where id = any($1::text[]))::int as users,
       (select count(*) from coupon_templates where id = any($2::text[]))::int as templates`,
    [users, templates],
  );
  const found = res.rows[0];
  if (found?.users !== users.length || found.templates !== templates.length) {
    throw new Error(
      `claim batch names ${users.length - (found?.users ?? 0)} unknown user(s) and ` +
        `${templates.length - (found?.templates ?? 0)} unknown coupon template(s)`,
    );
  }
}

async function settleReservations(
  tx: SettlementSql,
  entries: SettlementEntry[],
): Promise<{ inserted: number; transitions: SettledTransitionCount[] }> {
  if (entries.length === 0) return { inserted: 0, transitions: [] };
  // Validity as the template sets it: fixed dates, or valid_days from the claim's own time (the gateway answered
  // the shopper with the same rule). Those columns never change once a template exists.
  const res = await tx.query<{ id: string; claimed_at: Date }>(
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
    await tx.query(
      `insert into coupon_transitions (coupon_id, from_status, to_status, reason, actor, at)
       select id, null, 'unused', 'claimed', 'hot-path', at from unnest($1::text[], $2::timestamptz[]) as t(id, at)`,
      [res.rows.map((r) => r.id), res.rows.map((r) => r.claimed_at)],
    );
  }
  return {
    inserted: res.rows.length,
    transitions:
      res.rows.length > 0
        ? [{ machine: 'coupon', from: null, to: 'unused', reason: 'claimed', count: res.rows.length }]
        : [],
  };
}

const couponClaimsSink: SettlementSink = {
  checkReferences,
  settleReservations,
  async settleReleases(_tx, entries) {
    // The claim script appends claims only: a coupon once claimed stays the shopper's.
    throw new Error(
      `a coupon template's stream holds ${entries.length} release(s): claims are never released`,
    );
  },
};

export default couponClaimsSink;
