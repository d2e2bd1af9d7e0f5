/**
 * Stock buckets (库存分桶): one hot seckill campaign's stock split over several hash tags, so that its
 * reservations spread over several Redis slots (masters of a cluster) instead of one core.
 *
 * Bucket 0 is the campaign itself (`{c:<id>}`, so an unbucketed campaign is a one-bucket one); bucket b ≥ 1 is the
 * shard `<id>#<b>` with keys under `{c:<id>#<b>}`. Each shard is a full hot state of its own (metadata with its
 * share of the stock, holdings, released ids, stream, position, lease): every script, the settlement consumer and
 * the floors run on a shard exactly as on a campaign. A shopper always reserves in their **home bucket**
 * (`homeBucket`), so the per-user limit stays one atomic check in one script. The bucket count is fixed when the
 * campaign is created (it lives in bucket 0's metadata as `buckets`), so a process may cache it for good.
 */
import { createHash } from 'node:crypto';

/** The most buckets a campaign may have (the admin's setting is 1–16). */
export const MAX_STOCK_BUCKETS = 16;

const SEPARATOR = '#';

/** The shard (hot-state id) of bucket `bucket` of a campaign: the campaign's own id for bucket 0. */
export function shardId(campaignId: string, bucket: number): string {
  return bucket === 0 ? campaignId : `${campaignId}${SEPARATOR}${bucket}`;
}

/** Every shard of a campaign with `buckets` buckets, bucket 0 (the campaign's own id) first. */
export function shardIds(campaignId: string, buckets = 1): string[] {
  const n = Math.max(1, Math.trunc(buckets));
  return Array.from({ length: n }, (_, b) => shardId(campaignId, b));
}

/** The campaign a shard belongs to (itself for bucket 0 and unbucketed campaigns). */
export function campaignOfShard(shard: string): string {
  const at = shard.indexOf(SEPARATOR);
  return at < 0 ? shard : shard.slice(0, at);
}

/** The bucket index of a shard (0 for the campaign's own id). */
export function bucketOfShard(shard: string): number {
  const at = shard.indexOf(SEPARATOR);
  return at < 0 ? 0 : Number(shard.slice(at + 1));
}

/**
 * A move's id names where its units go (the bucket and the generation the mover read there), so that a move whose
 * mover stopped between its take and its give can be finished by anyone from the take alone (see
 * `completeMoves`): the give is idempotent by this id and refused on another generation.
 */
export function moveIdFor(target: number, targetGeneration: string, unique: string): string {
  return `mv:${target}:${targetGeneration}:${unique}`;
}

/** The target of a move id made by `moveIdFor`, or null for any other id. */
export function moveTarget(moveId: string): { bucket: number; generation: string } | null {
  const m = /^mv:(\d+):(\d+):./.exec(moveId);
  return m ? { bucket: Number(m[1]), generation: m[2] as string } : null;
}

/**
 * A shopper's home bucket: the first 32 bits of md5(userId), modulo the bucket count. PostgreSQL computes the same
 * with `homeBucketSql` (reconciliation counts each bucket's live units there), so both must stay in step.
 */
export function homeBucket(userId: string, buckets: number): number {
  if (buckets <= 1) return 0;
  const h = createHash('md5').update(userId).digest();
  return h.readUInt32BE(0) % buckets;
}

/**
 * `homeBucket` in SQL: `column` is the text expression of the user id, `buckets` the SQL expression of the count
 * (a parameter such as `$2`). md5's first 8 hex digits read as an unsigned 32-bit number, as `homeBucket` does.
 */
export function homeBucketSql(column: string, buckets: string): string {
  return `((('x' || lpad(substr(md5(${column}), 1, 8), 16, '0'))::bit(64)::bigint) % (${buckets}))::int`;
}

/**
 * How a campaign's units are split over its buckets when it is primed or rebuilt: as evenly as possible, the
 * first buckets taking one more when it does not divide.
 */
export function splitStock(units: number, buckets: number): number[] {
  const n = Math.max(1, buckets);
  const base = Math.floor(units / n);
  const extra = units - base * n;
  return Array.from({ length: n }, (_, b) => base + (b < extra ? 1 : 0));
}
