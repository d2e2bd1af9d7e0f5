/**
 * What a test needs to run the platform in production mode on the local PostgreSQL, Redis and NATS without
 * crossing other test files run beside it: a fresh database, a Redis key prefix, a Moleculer namespace, a
 * free port, and the environment that ties them together.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { adminLogin, api } from './http.ts';
import type { WechatPayTestKeys } from './wechat-server.ts';

const PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export interface TestDeployment {
  /** `tm_<hex>`: the database name, Redis key prefix stem and broker namespace of this test file. */
  tag: string;
  databaseUrl: string;
  redisKeyPrefix: string;
  adminPassword: string;
  /** The environment every process of this deployment shares. */
  env: Record<string, string>;
  /** Deletes every Redis key under the prefix (as a lost Redis would). */
  flushRedis(): Promise<number>;
  /** A direct connection to the database, for assertions about what is stored. */
  sql: pg.Pool;
  /** Drops the database and the Redis keys. */
  dispose(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (for a process whose URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Creates the database and the environment of one test file's deployment. */
export async function createTestDeployment(): Promise<TestDeployment> {
  const tag = `tm_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: `${PG_BASE}/postgres` });
  await admin.connect();
  await admin.query(`create database ${tag}`);
  await admin.end();
  const databaseUrl = `${PG_BASE}/${tag}`;
  const redisKeyPrefix = `${tag}:`;
  const adminPassword = `pw-${randomBytes(8).toString('hex')}`;
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  await redis.connect();
  const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisKeyPrefix,
    NATS_URL: TEST_NATS_URL,
    BROKER_NAMESPACE: tag,
    JWT_SECRET: randomBytes(32).toString('hex'),
    ADDRESS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ADMIN_PASSWORD: adminPassword,
    DEV_LOGIN: '1',
    PAYMENT_PROVIDER: 'dev',
    MIGRATE_ON_START: '1',
    LOG_LEVEL: 'warn',
    // One gateway process unless a test asks for a worker group: eight suites share two cores.
    WORKERS: '1',
  };
  return {
    tag,
    databaseUrl,
    redisKeyPrefix,
    adminPassword,
    env,
    sql,
    flushRedis: () => deleteByPrefix(redis, redisKeyPrefix),
    async dispose() {
      await sql.end();
      await deleteByPrefix(redis, redisKeyPrefix);
      redis.disconnect();
      const c = new pg.Client({ connectionString: `${PG_BASE}/postgres` });
      await c.connect();
      // The platform has stopped. A session of it still inside a query (work that outlived the stop) is left to
      // finish, for up to 15 s, rather than killed mid-query, where its rejection could surface in whichever test
      // ran last; what was left is reported. Idle pooled sessions are ended by the drop.
      const busy = async () =>
        (
          await c.query<{ state: string; query: string }>(
            `select state, left(query, 160) as query from pg_stat_activity
             where datname = $1 and state is distinct from 'idle'`,
            [tag],
          )
        ).rows;
      const first = await busy();
      if (first.length > 0) {
        const until = Date.now() + 15_000;
        while ((await busy()).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
        console.warn(`test database ${tag}: sessions still busy after the platform stopped`, first);
      }
      await c.query(`drop database if exists ${tag} with (force)`);
      await c.end();
    },
  };
}

export interface LiveFigures {
  stockTotal: number;
  stockLeft: number;
  reserved: number;
  sold: number;
  unsettled: number;
  ordersPending: number;
  ordersPaid: number;
  ordersCancelled: number;
}

/** Creates a product and a live seckill campaign on it through the admin API; returns the campaign id. */
export async function createLiveSeckill(
  baseUrl: string,
  adminToken: string,
  opts: { stockTotal: number; perUserLimit: number; priceFen?: number; title?: string },
): Promise<string> {
  const product = await api<{ skus: { id: string }[] }>(baseUrl, 'POST', '/api/admin/products', {
    token: adminToken,
    body: { title: opts.title ?? 'Test tea', skus: [{ name: '250 g', priceFen: 9900 }] },
  });
  if (product.status !== 201 && product.status !== 200) {
    throw new Error(`product: ${product.status} ${JSON.stringify(product.body)}`);
  }
  const now = Date.now();
  const campaign = await api<{ id: string }>(baseUrl, 'POST', '/api/admin/campaigns', {
    token: adminToken,
    body: {
      type: 'seckill',
      title: opts.title ?? 'Test seckill',
      skuId: product.body.skus[0]!.id,
      priceFen: opts.priceFen ?? 1990,
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 3600_000).toISOString(),
      stockTotal: opts.stockTotal,
      perUserLimit: opts.perUserLimit,
    },
  });
  if (campaign.status !== 201 && campaign.status !== 200) {
    throw new Error(`campaign: ${campaign.status} ${JSON.stringify(campaign.body)}`);
  }
  return campaign.body.id;
}

export async function liveFigures(baseUrl: string, adminToken: string, campaignId: string) {
  const res = await api<LiveFigures>(baseUrl, 'GET', `/api/admin/campaigns/${campaignId}/live`, {
    token: adminToken,
  });
  if (res.status !== 200) throw new Error(`live: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The WeChat Pay part of the environment; PEMs go in with their newlines escaped, as an env file holds them. */
export function wechatPayEnv(keys: WechatPayTestKeys, wechatUrl: string, notifyUrl: string) {
  const escaped = (pem: string) => pem.replace(/\n/g, '\\n');
  return {
    PAYMENT_PROVIDER: 'wechat',
    DEV_LOGIN: '0',
    WECHAT_API_BASE: wechatUrl,
    WECHAT_APP_ID: keys.appId,
    WECHAT_APP_SECRET: 'test-app-secret',
    WECHATPAY_API_BASE: wechatUrl,
    WECHATPAY_MCH_ID: keys.mchId,
    WECHATPAY_MERCHANT_SERIAL_NO: keys.merchantSerialNo,
    WECHATPAY_MERCHANT_PRIVATE_KEY: escaped(keys.merchantPrivateKeyPem),
    WECHATPAY_API_V3_KEY: keys.apiV3Key,
    WECHATPAY_PLATFORM_PUBLIC_KEY: escaped(keys.platformPublicKeyPem),
    WECHATPAY_PLATFORM_PUBLIC_KEY_ID: keys.platformPublicKeyId,
    WECHATPAY_NOTIFY_URL: notifyUrl,
  };
}

export { adminLogin };
