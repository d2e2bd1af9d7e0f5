/**
 * Writes one settlement batch into PostgreSQL in one transaction, with multi-row `INSERT … ON CONFLICT DO NOTHING`
 * (rows from `unnest` of typed arrays): every statement is idempotent, so a batch retried after a crash, or
 * reclaimed from a dead consumer, inserts nothing twice. The batch is applied in stream order, cut into runs of
 * reservations and runs of releases, so a freed group slot is vacated before a later joiner takes it.
 */
import type { PoolClient } from 'pg';
import type { CampaignType, HotPosition, SettlementEntry } from '../store/types.ts';
import { isBehind, orderIdFor } from '../store/types.ts';

export interface SettleBatchResult {
  /** Orders inserted by this batch (reservations that were not yet orders). */
  inserted: number;
  /** Reservation entries whose order already existed (a retry or a reclaim). */
  duplicates: number;
  /** Orders moved to cancelled (or written cancelled) by release entries. */
  released: number;
  /** The latest position among the batch's entries (absent when none carries one): now settled in PostgreSQL. */
  settledUpTo?: HotPosition;
}

/**
 * Writes the reservations of a campaign type that does not settle into orders (coupon claims settle into the
 * coupons module's tables), inside the batch's transaction, idempotently (a retried batch inserts nothing twice).
 * The module that owns those tables provides it (the default export of the module named in
 * `SettlementOptions.settlers`), so that it stays their one writer; the hot path only runs it in the batch.
 */
export type CampaignSettler = (
  client: PoolClient,
  entries: SettlementEntry[],
) => Promise<{ inserted: number; duplicates: number }>;

export interface SettleOptions {
  /** Test-only: throw after the orders insert, inside the transaction (a worker dying mid-batch). */
  injectFault?: boolean;
  /** Settlers of the campaign types that do not settle into orders. */
  settlers?: Partial<Record<CampaignType, CampaignSettler>>;
}

const ACTOR = 'hot-path';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

async function insertGroups(client: PoolClient, entries: SettlementEntry[]): Promise<void> {
  const groups = new Map<string, SettlementEntry>();
  for (const e of entries) if (e.groupId !== undefined && !groups.has(e.groupId)) groups.set(e.groupId, e);
  if (groups.size === 0) return;
  const rows = [...groups.values()];
  const res = await client.query<{ id: string }>(
    `insert into groups (id, campaign_id, leader_id, size, status, created_at, expires_at)
     select id, campaign_id, leader_id, size, 'forming', created_at, expires_at
     from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[])
       as t(id, campaign_id, leader_id, size, created_at, expires_at)
     on conflict do nothing
     returning id`,
    [
      rows.map((e) => e.groupId),
      rows.map((e) => e.campaignId),
      rows.map((e) => e.groupLeaderId ?? e.userId),
      rows.map((e) => e.groupSize ?? 0),
      rows.map((e) => iso(e.groupCreatedAtMs ?? e.createdAtMs)),
      rows.map((e) => iso(e.groupExpiresAtMs ?? e.expiresAtMs)),
    ],
  );
  if (res.rows.length === 0) return;
  const created = new Map(rows.map((e) => [e.groupId, e]));
  await client.query(
    `insert into group_transitions (group_id, from_status, to_status, reason, at)
     select id, null, 'forming', 'opened', at from unnest($1::text[], $2::timestamptz[]) as t(id, at)`,
    [res.rows.map((r) => r.id), res.rows.map((r) => iso(created.get(r.id)?.groupCreatedAtMs ?? Date.now()))],
  );
}

/** Inserts orders (as pending_payment, or as cancelled for a release whose order never settled); returns ids inserted. */
async function insertOrders(
  client: PoolClient,
  entries: SettlementEntry[],
  status: 'pending_payment' | 'cancelled',
): Promise<Set<string>> {
  if (entries.length === 0) return new Set();
  const cancelled = status === 'cancelled';
  const res = await client.query<{ id: string }>(
    `insert into orders (id, reservation_id, request_id, user_id, campaign_id, campaign_type, group_id, sku_id, title,
       status, quantity, unit_price_fen, total_fen, dry_run, created_at, expires_at,
       cancel_reason, cancelled_at, stock_released_at)
     select id, reservation_id, request_id, user_id, campaign_id, campaign_type, group_id, sku_id, title,
       $17::text, quantity, unit_price_fen, quantity * unit_price_fen, dry_run, created_at, expires_at,
       case when $17::text = 'cancelled' then 'released' end, released_at, released_at
     from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[], $10::int[], $11::int[], $12::boolean[], $13::timestamptz[], $14::timestamptz[],
       $15::timestamptz[], $16::int[])
       as t(id, reservation_id, request_id, user_id, campaign_id, campaign_type, group_id, sku_id, title,
         quantity, unit_price_fen, dry_run, created_at, expires_at, released_at, ord)
     order by ord
     on conflict do nothing
     returning id`,
    [
      entries.map((e) => orderIdFor(e.reservationId)),
      entries.map((e) => e.reservationId),
      entries.map((e) => e.requestId),
      entries.map((e) => e.userId),
      entries.map((e) => e.campaignId),
      entries.map((e) => e.campaignType),
      entries.map((e) => e.groupId ?? null),
      entries.map((e) => e.skuId),
      entries.map((e) => e.title),
      entries.map((e) => e.quantity),
      entries.map((e) => e.unitPriceFen),
      entries.map((e) => e.dryRun),
      entries.map((e) => iso(e.createdAtMs)),
      entries.map((e) => iso(e.expiresAtMs)),
      entries.map((e) => (cancelled ? iso(e.releasedAtMs ?? Date.now()) : null)),
      entries.map((_e, i) => i),
      status,
    ],
  );
  const inserted = new Set(res.rows.map((r) => r.id));
  if (inserted.size === 0) return inserted;
  const rows = entries.filter((e) => inserted.has(orderIdFor(e.reservationId)));
  await client.query(
    `insert into order_transitions (order_id, from_status, to_status, reason, actor, at)
     select order_id, null, 'pending_payment', 'reserved', $3, at from unnest($1::text[], $2::timestamptz[]) as t(order_id, at)`,
    [rows.map((e) => orderIdFor(e.reservationId)), rows.map((e) => iso(e.createdAtMs)), ACTOR],
  );
  if (cancelled) {
    await client.query(
      `insert into order_transitions (order_id, from_status, to_status, reason, actor, at)
       select order_id, 'pending_payment', 'cancelled', 'released', $3, at
       from unnest($1::text[], $2::timestamptz[]) as t(order_id, at)`,
      [
        rows.map((e) => orderIdFor(e.reservationId)),
        rows.map((e) => iso(e.releasedAtMs ?? Date.now())),
        ACTOR,
      ],
    );
  }
  const members = rows.filter((e) => e.groupId !== undefined && e.slot !== undefined);
  if (members.length > 0) {
    await client.query(
      `insert into group_members (group_id, user_id, order_id, slot, joined_at, left_at)
       select group_id, user_id, order_id, slot, joined_at, left_at
       from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[])
         as t(group_id, user_id, order_id, slot, joined_at, left_at)
       on conflict do nothing`,
      [
        members.map((e) => e.groupId),
        members.map((e) => e.userId),
        members.map((e) => orderIdFor(e.reservationId)),
        members.map((e) => e.slot),
        members.map((e) => iso(e.createdAtMs)),
        members.map((e) => (cancelled ? iso(e.releasedAtMs ?? Date.now()) : null)),
      ],
    );
  }
  return inserted;
}

async function applyReleases(client: PoolClient, entries: SettlementEntry[]): Promise<number> {
  await insertGroups(client, entries);
  // A release may overtake its own reservation (reclaimed late): its order is then written cancelled outright.
  const writtenCancelled = await insertOrders(client, entries, 'cancelled');
  const rest = entries.filter((e) => !writtenCancelled.has(orderIdFor(e.reservationId)));
  let moved = 0;
  if (rest.length > 0) {
    const ids = rest.map((e) => orderIdFor(e.reservationId));
    const ats = rest.map((e) => iso(e.releasedAtMs ?? Date.now()));
    const res = await client.query<{ id: string; at: string }>(
      `update orders o set status = 'cancelled', cancel_reason = coalesce(o.cancel_reason, 'released'),
         cancelled_at = t.at, stock_released_at = coalesce(o.stock_released_at, t.at), updated_at = now()
       from unnest($1::text[], $2::timestamptz[]) as t(id, at)
       where o.id = t.id and o.status = 'pending_payment'
       returning o.id, t.at`,
      [ids, ats],
    );
    moved = res.rows.length;
    if (moved > 0) {
      await client.query(
        `insert into order_transitions (order_id, from_status, to_status, reason, actor, at)
         select id, 'pending_payment', 'cancelled', 'released', $3, at
         from unnest($1::text[], $2::timestamptz[]) as t(id, at)`,
        [res.rows.map((r) => r.id), res.rows.map((r) => r.at), ACTOR],
      );
    }
    // Whoever cancelled the order, its units are back in stock now and its group slot is free.
    await client.query(
      `update orders o set stock_released_at = t.at, updated_at = now()
       from unnest($1::text[], $2::timestamptz[]) as t(id, at)
       where o.id = t.id and o.stock_released_at is null`,
      [ids, ats],
    );
    await client.query(
      `update group_members m set left_at = t.at
       from unnest($1::text[], $2::timestamptz[]) as t(id, at)
       where m.order_id = t.id and m.left_at is null`,
      [ids, ats],
    );
  }
  return moved + writtenCancelled.size;
}

/**
 * The references that foreign keys used to check row by row (see migration 20261205000000), checked once per
 * batch: every user and campaign the batch names must exist, else the batch fails (and is retried) as it did.
 */
async function checkReferences(
  client: PoolClient,
  entries: SettlementEntry[],
  ofCampaigns: boolean,
): Promise<void> {
  const users = [...new Set(entries.map((e) => e.userId))];
  // A plugged settler checks its own campaigns (coupon templates are not in `campaigns`).
  const campaigns = ofCampaigns ? [...new Set(entries.map((e) => e.campaignId))] : [];
  const res = await client.query<{ users: number; campaigns: number }>(
    `select (select count(*) from users where id = any($1::text[]))::int as users,
       (select count(*) from campaigns where id = any($2::text[]))::int as campaigns`,
    [users, campaigns],
  );
  const found = res.rows[0];
  if (found?.users !== users.length || found.campaigns !== campaigns.length) {
    throw new Error(
      `settlement batch names ${users.length - (found?.users ?? 0)} unknown user(s) and ` +
        `${campaigns.length - (found?.campaigns ?? 0)} unknown campaign(s)`,
    );
  }
}

/**
 * Records the latest position settled per campaign, in the batch's transaction: a Redis found behind it came
 * back from an older copy (see reconcile). Only ever moves forward (a retried or reclaimed batch moves nothing).
 */
async function recordSettledPosition(
  client: PoolClient,
  entries: SettlementEntry[],
): Promise<HotPosition | undefined> {
  const latest = new Map<string, HotPosition>();
  for (const e of entries) {
    if (e.generation === undefined || e.seq === undefined) continue;
    const p = { generation: e.generation, seq: e.seq };
    const known = latest.get(e.campaignId);
    if (!known || isBehind(known, p)) latest.set(e.campaignId, p);
  }
  if (latest.size === 0) return undefined;
  const rows = [...latest];
  await client.query(
    `insert into hot_path_positions (campaign_id, settled_generation, settled_seq)
     select * from unnest($1::text[], $2::bigint[], $3::bigint[])
     on conflict (campaign_id) do update
       set settled_generation = excluded.settled_generation, settled_seq = excluded.settled_seq, updated_at = now()
       where (hot_path_positions.settled_generation, hot_path_positions.settled_seq)
           < (excluded.settled_generation, excluded.settled_seq)`,
    [rows.map(([id]) => id), rows.map(([, p]) => p.generation), rows.map(([, p]) => p.seq)],
  );
  let up: HotPosition | undefined;
  for (const [, p] of rows) if (!up || isBehind(up, p)) up = p;
  return up;
}

/** Settles one batch (entries in stream order) in one transaction; nothing is committed unless all of it is. */
export async function settleBatch(
  client: PoolClient,
  entries: SettlementEntry[],
  opts: SettleOptions = {},
): Promise<SettleBatchResult> {
  const result: SettleBatchResult = { inserted: 0, duplicates: 0, released: 0 };
  const runs: Array<{ kind: SettlementEntry['kind']; entries: SettlementEntry[] }> = [];
  for (const e of entries) {
    const last = runs.at(-1);
    if (last && last.kind === e.kind) last.entries.push(e);
    else runs.push({ kind: e.kind, entries: [e] });
  }
  // One stream per campaign: a batch is all of one campaign, hence of one type.
  const type = entries[0]?.campaignType;
  const settler = type === undefined ? undefined : opts.settlers?.[type];
  await client.query('begin');
  try {
    await checkReferences(client, entries, settler === undefined);
    if (settler) {
      if (entries.some((e) => e.kind !== 'reserve'))
        throw new Error(`a ${type} stream holds a release: its settler settles reservations only`);
      const done = await settler(client, entries);
      result.inserted += done.inserted;
      result.duplicates += done.duplicates;
      if (opts.injectFault) throw new Error('injected settlement fault (test)');
    }
    for (const run of settler ? [] : runs) {
      if (run.kind === 'reserve') {
        await insertGroups(client, run.entries);
        const inserted = await insertOrders(client, run.entries, 'pending_payment');
        result.inserted += inserted.size;
        result.duplicates += run.entries.length - inserted.size;
        if (opts.injectFault) throw new Error('injected settlement fault (test)');
      } else {
        result.released += await applyReleases(client, run.entries);
      }
    }
    const settledUpTo = await recordSettledPosition(client, entries);
    if (settledUpTo) result.settledUpTo = settledUpTo;
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
  return result;
}
