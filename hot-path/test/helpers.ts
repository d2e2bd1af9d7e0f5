/**
 * Test fixtures: both stores (real Redis under a unique key prefix, and the memory store), a fresh PostgreSQL schema
 * per test file with the migrations applied, and the users/products/campaigns rows settlement checks for.
 */
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import pg from 'pg';
// Test-only: the schema is owned by broker-services; the hot path itself never imports it.
import { MIGRATIONS } from '../../broker-services/src/db/orm.ts';
import { SETTLED_RECORDS as OWNERS_RECORDS } from '../../broker-services/src/modules/orders/settled-records.ts';
import { SETTLEMENT_SINK_MODULE } from '../../broker-services/src/modules/orders/settlement-sink.ts';
import type { CampaignDef, HotPathStore, Reservation } from '../src/index.ts';
import {
  MemoryHotPathStore,
  type RedisClient,
  RedisHotPathStore,
  type SettlementHandle,
  type SettlementOptions,
  startSettlement,
} from '../src/index.ts';
import { deleteClusterKeys, type LocalRedisCluster } from './redis-cluster.ts';

/** Test-only: the platform's settlement sink (broker-services' orders module writes orders and groups). */
export const SETTLEMENT_SINK = SETTLEMENT_SINK_MODULE;
/** Test-only: the platform's settled records (what reconciliation reads of orders and groups, through their owner). */
export const SETTLED_RECORDS = OWNERS_RECORDS;

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PG = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? 'postgres',
  database: process.env.PGDATABASE_TEST ?? 'test',
};

let seq = 0;
export function uid(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${(seq++).toString(36)}${randomBytes(4).toString('hex')}`;
}

export interface StoreKind {
  name: 'redis' | 'memory' | 'redis-cluster';
  make(): Promise<HotPathStore>;
  /** Deletes every key of a campaign (Redis) or forgets it (memory): a flush without persistence. */
  wipeCampaign(store: HotPathStore, campaignId: string): Promise<void>;
}

async function deleteByPattern(redis: RedisClient, pattern: string): Promise<void> {
  if (redis instanceof Cluster) return deleteClusterKeys(redis, pattern);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

const redisStores: RedisHotPathStore[] = [];

export const storeKinds: StoreKind[] = [
  {
    name: 'redis',
    async make() {
      // Auto-pipelined as the platform runs it, so every Redis suite goes through that connection too.
      const store = new RedisHotPathStore({
        redisUrl: REDIS_URL,
        keyPrefix: `test:${uid('p')}:`,
        autoPipelining: true,
      });
      redisStores.push(store);
      return store;
    },
    async wipeCampaign(store, campaignId) {
      const s = store as RedisHotPathStore;
      await deleteByPattern(s.redis, `${s.keyPrefix}tm:{c:${campaignId}}:*`);
    },
  },
  {
    name: 'memory',
    async make() {
      return new MemoryHotPathStore();
    },
    async wipeCampaign(store, campaignId) {
      (store as MemoryHotPathStore).forgetCampaign(campaignId);
    },
  },
];

/** The Redis store on a local Redis Cluster (./redis-cluster.ts), auto-pipelined as the platform runs it. */
export function clusterStoreKind(cluster: LocalRedisCluster): StoreKind {
  return {
    name: 'redis-cluster',
    async make() {
      return new RedisHotPathStore({
        clusterNodes: cluster.seeds,
        keyPrefix: `test:${uid('p')}:`,
        autoPipelining: true,
      });
    },
    async wipeCampaign(store, campaignId) {
      const s = store as RedisHotPathStore;
      await deleteByPattern(s.redis, `${s.keyPrefix}tm:{c:${campaignId}}:*`);
    },
  };
}

/** Closes a store; for Redis, deletes every key under its prefix first. */
export async function disposeStore(store: HotPathStore): Promise<void> {
  if (store instanceof RedisHotPathStore) await deleteByPattern(store.redis, `${store.keyPrefix}*`);
  await store.close();
}

export function seckillDef(overrides: Partial<CampaignDef> = {}): CampaignDef {
  const now = Date.now();
  return {
    id: uid('cmp'),
    type: 'seckill',
    title: 'Test seckill',
    skuId: 'sku_test',
    priceFen: 990,
    startsAtMs: now - 60_000,
    endsAtMs: now + 3600_000,
    stockTotal: 10,
    perUserLimit: 2,
    stopped: false,
    killSwitch: false,
    dryRun: false,
    ...overrides,
  };
}

export function groupbuyDef(overrides: Partial<CampaignDef> = {}): CampaignDef {
  return seckillDef({
    type: 'groupbuy',
    title: 'Test group buy',
    groupSize: 3,
    groupTtlMs: 600_000,
    ...overrides,
  });
}

export interface PgSchema {
  schema: string;
  pool: pg.Pool;
  insertUsers(ids: string[]): Promise<void>;
  insertCampaign(def: CampaignDef): Promise<void>;
  drop(): Promise<void>;
}

/** A fresh schema on database `test` with the migrations applied; `drop()` removes it and closes the pool. */
export async function createPgSchema(): Promise<PgSchema> {
  const schema = `tm_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(PG);
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const pool = new pg.Pool({ ...PG, max: 4, options: `-c search_path=${schema}` });
  for (const { class: M } of MIGRATIONS) {
    const migration = new M(null as never, null as never);
    await migration.up();
    for (const q of migration.getQueries()) await pool.query(String(q));
  }
  return {
    schema,
    pool,
    async insertUsers(ids) {
      await pool.query(
        `insert into users (id, openid) select id, 'openid_' || id from unnest($1::text[]) as t(id)
         on conflict do nothing`,
        [ids],
      );
    },
    async insertCampaign(def) {
      await pool.query(
        `insert into products (id, title) values ('prd_test', 'Test product') on conflict do nothing`,
      );
      await pool.query(
        `insert into skus (id, product_id, name, price_fen) values ($1, 'prd_test', $1, $2) on conflict do nothing`,
        [def.skuId, def.priceFen],
      );
      await pool.query(
        `insert into campaigns (id, type, title, product_id, sku_id, price_fen, original_price_fen, starts_at, ends_at,
           stock_total, per_user_limit, group_size, group_ttl_seconds)
         values ($1, $2, $3, 'prd_test', $4, $5, $5, $6, $7, $8, $9, $10, $11)`,
        [
          def.id,
          def.type,
          def.title,
          def.skuId,
          def.priceFen,
          new Date(def.startsAtMs),
          new Date(def.endsAtMs),
          def.stockTotal,
          def.perUserLimit,
          def.groupSize ?? null,
          def.groupTtlMs === undefined ? null : Math.max(60, Math.round(def.groupTtlMs / 1000)),
        ],
      );
    },
    async drop() {
      await pool.end();
      const c = new pg.Client(PG);
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

/**
 * Settlement of `store` into the test schema `db`, started as the tests start it: the platform's sink and a consumer
 * of its own (`opts.consumerName` names another); `opts` gives the rest (the campaigns listed, batch size, pool, lease,
 * other sinks).
 */
export function startTestSettlement(
  store: HotPathStore,
  db: PgSchema,
  opts: Omit<SettlementOptions, 'store' | 'sink' | 'pg' | 'schema' | 'consumerName'> &
    Partial<Pick<SettlementOptions, 'consumerName'>>,
): SettlementHandle {
  return startSettlement({
    sink: SETTLEMENT_SINK,
    store,
    pg: PG,
    schema: db.schema,
    consumerName: uid('consumer'),
    ...opts,
  });
}

export const rsv = () => uid('rsv');
export const grp = () => uid('grp');

/** Loads `def` into the store and into PostgreSQL, with `userIds` as its shoppers. */
export async function seedCampaign(
  store: HotPathStore,
  db: PgSchema,
  def: CampaignDef,
  userIds: string[],
): Promise<void> {
  await store.loadCampaign(def);
  await db.insertUsers([...new Set(userIds)]);
  await db.insertCampaign(def);
}

let requestSeq = 0;

/**
 * Reserves one unit for each of `userIds` in turn (a shopper may repeat: each is a request of its own); returns the
 * reservations made, refusals left out.
 */
export async function reserveEach(
  store: HotPathStore,
  def: CampaignDef,
  userIds: string[],
  paymentTtlMs = 60_000,
): Promise<Reservation[]> {
  const out: Reservation[] = [];
  for (const userId of userIds) {
    const r = await store.reserveSeckill({
      campaignId: def.id,
      userId,
      requestId: `req-${requestSeq++}-${userId}`,
      quantity: 1,
      reservationId: rsv(),
      nowMs: Date.now(),
      paymentTtlMs,
    });
    if (r.ok) out.push(r.reservation);
  }
  return out;
}
