/**
 * The piscina worker: settles one batch of stream entries into PostgreSQL in one transaction. Runs as TypeScript
 * natively (Node 22 type stripping). Talks to PostgreSQL with `pg`: the batch is hand-written multi-row SQL, so an
 * ORM's unit of work and metadata discovery per thread would add start-up cost and nothing else.
 */
import pg from 'pg';
import { parseSettlementEntry } from '../store/parse.ts';
import type { CampaignType, SettlementEntry } from '../store/types.ts';
import { type SettleBatchResult, settleBatch } from './settle-sql.ts';
import { loadSettlementSink, type SettlementSinkModule } from './sink.ts';

export interface PgConnectionOptions {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
}

export interface SettleTask {
  connection: PgConnectionOptions;
  /** The module whose default export writes the batch's orders and groups (./sink.ts). */
  sink: SettlementSinkModule;
  /** The sinks of campaign types that do not settle into orders (coupon claims), by type. */
  sinks?: Partial<Record<CampaignType, SettlementSinkModule>>;
  schema?: string;
  /** Parsed entries (a store without raw fields), or … */
  entries?: SettlementEntry[];
  /** … the entries' fields as read from the stream, parsed here rather than on the main thread. */
  raw?: { campaignId: string; fields: Array<readonly string[]> };
  injectFault?: boolean;
  /** Instead of settling: set aside one entry that kept failing (a poison entry), with its error. */
  park?: { campaignId: string; streamId: string; entry: SettlementEntry; attempts: number; error: string };
}

export interface SettleTaskResult extends SettleBatchResult {
  /** The reservation id of each entry, in order ('' for a release): what the main thread acknowledges with. */
  reservationIds: string[];
}

const pools = new Map<string, pg.Pool>();

function poolFor(task: SettleTask): pg.Pool {
  const key = JSON.stringify([task.connection, task.schema ?? '']);
  let pool = pools.get(key);
  if (!pool) {
    // One connection per thread: the pool size is the piscina thread count.
    pool = new pg.Pool({
      ...task.connection,
      max: 1,
      idleTimeoutMillis: 10_000,
      ...(task.schema ? { options: `-c search_path=${task.schema}` } : {}),
    });
    pool.on('error', () => {});
    pools.set(key, pool);
  }
  return pool;
}

/** Settles one batch; the main thread acknowledges the entries only after this resolves. */
export default async function settleTask(task: SettleTask): Promise<SettleTaskResult> {
  if (task.park) return parkEntry(task, task.park);
  const raw = task.raw;
  const entries = raw
    ? raw.fields.map((fields) => parseSettlementEntry(raw.campaignId, fields))
    : (task.entries ?? []);
  // One stream per campaign: a batch is all of one campaign, hence of one type, settled by that type's sink.
  const type = entries[0]?.campaignType;
  const sink = await loadSettlementSink((type !== undefined && task.sinks?.[type]) || task.sink);
  const client = await poolFor(task).connect();
  let result: SettleBatchResult;
  try {
    result = await settleBatch(client, entries, sink, task.injectFault ? { injectFault: true } : {});
  } catch (err) {
    // The connection may be in any state after a failure: drop it rather than reuse it.
    client.release(true);
    throw err;
  }
  client.release();
  return {
    ...result,
    reservationIds: entries.map((e) => (e.kind === 'reserve' ? e.reservationId : '')),
  };
}

/** Records a poison entry once (by its stream id); the main thread then acknowledges it. */
async function parkEntry(task: SettleTask, park: NonNullable<SettleTask['park']>): Promise<SettleTaskResult> {
  const e = park.entry;
  await poolFor(task).query(
    `insert into settlement_parked
       (campaign_id, stream_id, reservation_id, user_id, kind, entry, attempts, error)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (campaign_id, stream_id) do nothing`,
    [
      park.campaignId,
      park.streamId,
      e.reservationId,
      e.userId,
      e.kind,
      JSON.stringify(e),
      park.attempts,
      park.error,
    ],
  );
  return { inserted: 0, duplicates: 0, released: 0, transitions: [], reservationIds: [''] };
}
