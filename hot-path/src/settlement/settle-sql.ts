/**
 * Settles one batch into PostgreSQL in one transaction: the batch's references checked, its runs handed to the
 * settlement sink (the owner of orders and groups writes them, ./sink.ts), and the latest position settled
 * recorded in `hot_path_positions`, the hot path's own table. Every statement is idempotent, so a batch retried
 * after a crash, or reclaimed from a dead consumer, writes nothing twice. The batch is applied in stream order,
 * cut into runs of reservations and runs of releases, so a freed group slot is vacated before a later joiner
 * takes it.
 */
import type { PoolClient } from 'pg';
import type { HotPosition, SettlementEntry } from '../store/types.ts';
import { isBehind } from '../store/types.ts';
import type { SettledTransitionCount, SettlementSink } from './sink.ts';

export interface SettleBatchResult {
  /** Orders inserted by this batch (reservations that were not yet orders). */
  inserted: number;
  /** Reservation entries whose order already existed (a retry or a reclaim). */
  duplicates: number;
  /** Orders moved to cancelled (or written cancelled) by release entries. */
  released: number;
  /** The latest position among the batch's entries (absent when none carries one): now settled in PostgreSQL. */
  settledUpTo?: HotPosition;
  /** The order and group status changes the batch made, summed by from, to and reason. */
  transitions: SettledTransitionCount[];
}

export interface SettleOptions {
  /** Test-only: throw after the orders insert, inside the transaction (a worker dying mid-batch). */
  injectFault?: boolean;
}

/**
 * Records the latest position settled per campaign (per stock bucket's shard), in the batch's transaction: a Redis found behind it came
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
    // Positions are per hot state: a stock bucket's shard keeps its own.
    const at = e.shardId ?? e.campaignId;
    const known = latest.get(at);
    if (!known || isBehind(known, p)) latest.set(at, p);
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
  sink: SettlementSink,
  opts: SettleOptions = {},
): Promise<SettleBatchResult> {
  const result: SettleBatchResult = { inserted: 0, duplicates: 0, released: 0, transitions: [] };
  const counted = new Map<string, SettledTransitionCount>();
  const count = (ts: SettledTransitionCount[]) => {
    for (const t of ts) {
      const key = `${t.machine}:${t.from}>${t.to}>${t.reason}`;
      const known = counted.get(key);
      if (known) known.count += t.count;
      else counted.set(key, { ...t });
    }
  };
  const runs: Array<{ kind: SettlementEntry['kind']; entries: SettlementEntry[] }> = [];
  for (const e of entries) {
    const last = runs.at(-1);
    if (last && last.kind === e.kind) last.entries.push(e);
    else runs.push({ kind: e.kind, entries: [e] });
  }
  await client.query('begin');
  try {
    await sink.checkReferences(client, entries);
    for (const run of runs) {
      if (run.kind === 'reserve') {
        const settled = await sink.settleReservations(client, run.entries);
        result.inserted += settled.inserted;
        result.duplicates += run.entries.length - settled.inserted;
        count(settled.transitions);
        if (opts.injectFault) throw new Error('injected settlement fault (test)');
      } else {
        const settled = await sink.settleReleases(client, run.entries);
        result.released += settled.released;
        count(settled.transitions);
      }
    }
    const settledUpTo = await recordSettledPosition(client, entries);
    if (settledUpTo) result.settledUpTo = settledUpTo;
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
  result.transitions = [...counted.values()];
  return result;
}
