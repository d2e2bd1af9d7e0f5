/** @tuanmiao/hot-path: atomic reservation (Redis Lua or in process), settlement into PostgreSQL, reconciliation. */
export type { HotPathObserver } from './observer.ts';
export { finishReleases } from './reconcile/finish-releases.ts';
export { type HotStateGuard, type HotStateGuardOptions, startHotStateGuard } from './reconcile/guard.ts';
export {
  type LiveUnitsSource,
  ms as msOf,
  type RebuildReason,
  type ReconcileReport,
  readSettledPosition,
  reconcileCampaign,
  type SettledUnits,
  type SqlRunner,
} from './reconcile/reconcile.ts';
export type { FormingGroupRow, ReleasedOrderRow, SettledRecords } from './reconcile/records.ts';
export { type SettlementHandle, type SettlementOptions, startSettlement } from './settlement/consumer.ts';
export { type SettleBatchResult, settleBatch } from './settlement/settle-sql.ts';
export type { PgConnectionOptions } from './settlement/settle-worker.ts';
export type {
  SettledTransitionCount,
  SettlementSink,
  SettlementSinkModule,
  SettlementSql,
} from './settlement/sink.ts';
export {
  bucketOfShard,
  campaignOfShard,
  homeBucket,
  homeBucketSql,
  MAX_STOCK_BUCKETS,
  moveIdFor,
  moveTarget,
  shardId,
  shardIds,
  splitStock,
} from './store/buckets.ts';
export {
  type CampaignKeys,
  campaignKeys,
  groupField,
  HOT_LAYOUT,
  holdingField,
  SETTLEMENT_GROUP,
} from './store/keys.ts';
export { MemoryHotPathStore, type MemoryHotPathStoreOptions } from './store/memory-store.ts';
export { type RedisClient, RedisHotPathStore, type RedisHotPathStoreOptions } from './store/redis-store.ts';
export { RefusalCode, type ReservationRefusal, toApiErrorCode } from './store/refusal-codes.ts';
export * from './store/types.ts';
