/**
 * (l) The regular-price checkout: `POST /api/orders` through the gateway of a platform process started as in
 * production (fresh PostgreSQL database, Redis, NATS), each order two SKUs (quantity 1 each) of a 50-SKU product
 * with large stock, for shoppers from dev login who each have an address; orders/s (2xx/s), closed-loop, with
 * where the machine's CPU went. Read against (e), the naive PostgreSQL UPDATE+INSERT measured in the same run: the
 * checkout takes its stock in PostgreSQL too (`broker-services/src/modules/orders/checkout.ts`), but per order it
 * also claims the requestId, locks two SKU rows in id order, writes the lines, the sealed address and the first
 * transition, behind authentication, validation, rate limit and metrics.
 * `BENCH_ONLY=checkout npm run bench` runs (e) and (l) alone.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import pg from 'pg';
import { startPlatform } from '../../broker-services/test/support/platform.ts';
import { formatFigures, type HttpFigures, measureHttp } from './http-load.ts';
import { measureNaivePg } from './naive-pg-baseline.ts';

/** SKUs of the bench product: orders spread over them, as a shop's do over its catalogue. */
const SKUS = 50;
const ITEMS_PER_ORDER = 2;

export interface CheckoutBenchResult {
  skus: number;
  itemsPerOrder: number;
  checkout: HttpFigures;
  naivePg: HttpFigures;
  /** Checkout orders/s over the naive baseline's 2xx/s, both measured in the same run. */
  checkoutToNaivePg: number;
}

/** The environment of a platform process started as in production for the bench. */
export function benchPlatformEnv(o: {
  databaseUrl: string;
  redisUrl: string;
  natsUrl: string;
  tag: string;
  adminPassword: string;
}): Record<string, string> {
  return {
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    NATS_URL: o.natsUrl,
    MIGRATE_ON_START: '1',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    ADDRESS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    DEV_LOGIN: '1',
    PAYMENT_PROVIDER: 'dev',
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: o.adminPassword,
    BROKER_NAMESPACE: `bench-${o.tag}`,
    NODE_ID: `bench-${o.tag}`,
    // One process, as every earlier run of these sections; the scaling section measures worker groups.
    WORKERS: '1',
    RATE_LIMIT_PER_IP_PER_SECOND: '100000000',
    RATE_LIMIT_PER_USER_PER_SECOND: '100000000',
    LOG_LEVEL: 'warn',
  };
}

/** A JSON call to the platform; throws on a non-2xx answer. */
function caller(base: string) {
  return async <T>(method: string, p: string, token: string | undefined, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
}

/** Runs `fn` for 0..n-1, at most `limit` at once. */
async function forEachLimited(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/**
 * (l) on a running platform: makes the product, gives each shopper an address, warms up, then measures
 * checkouts closed-loop with the CPU breakdown.
 */
export async function measureCheckout(o: {
  base: string;
  platformPid: number | undefined;
  adminToken: string;
  /** Shopper tokens (dev login). */
  tokens: readonly string[];
  connections: number;
  durationSeconds: number;
  warmSeconds: number;
  tag: string;
  log: (line: string) => void;
}): Promise<HttpFigures> {
  const call = caller(o.base);
  const product = await call<{ skus: { id: string }[] }>('POST', '/api/admin/products', o.adminToken, {
    title: `Bench checkout ${o.tag}`,
    skus: Array.from({ length: SKUS }, (_, i) => ({
      name: `规格 ${i + 1}`,
      priceFen: 990 + i,
      stock: 100_000_000,
    })),
  });
  const skuIds = product.skus.map((s) => s.id);
  const addressIds: string[] = new Array(o.tokens.length);
  await forEachLimited(o.tokens.length, 16, async (i) => {
    const a = await call<{ id: string }>('POST', '/api/addresses', o.tokens[i], {
      name: '张三',
      phone: '13812348000',
      region: ['330000', '330100', '330106'],
      detail: `龙井路 ${i + 1} 号`,
    });
    addressIds[i] = a.id;
  });
  o.log(`(l) checkout: ${SKUS} SKUs, ${o.tokens.length} shoppers with an address`);
  const auth = o.tokens.map((t) => `Bearer ${t}`);
  const load = (phase: string) => ({
    url: o.base,
    serverPid: o.platformPid,
    method: 'POST' as const,
    path: '/api/orders',
    connections: o.connections,
    headers: { 'content-type': 'application/json' },
    next: (i: number) => {
      const u = i % auth.length;
      // Two distinct SKUs per order, spread over the product's SKUs.
      const first = (i * 7) % SKUS;
      const items = Array.from({ length: ITEMS_PER_ORDER }, (_, k) => ({
        skuId: skuIds[(first + k) % SKUS],
        quantity: 1,
      }));
      return {
        headers: { authorization: auth[u] as string },
        body: JSON.stringify({ items, addressId: addressIds[u], requestId: `co-${o.tag}-${phase}-${i}` }),
      };
    },
  });
  await measureHttp({ ...load('warm'), durationSeconds: o.warmSeconds });
  const figures = await measureHttp({ ...load('peak'), durationSeconds: o.durationSeconds, breakdown: true });
  o.log(formatFigures('(l) gateway POST /api/orders (regular checkout, 2 SKUs)', figures));
  return figures;
}

/** `BENCH_ONLY=checkout`: (e) and (l) in one run, on a database of their own. */
export async function runCheckoutBench(o: {
  postgresUrl: string;
  redisUrl: string;
  natsUrl: string;
  durationSeconds: number;
  connections: number;
  users: number;
  log: (line: string) => void;
}): Promise<CheckoutBenchResult> {
  const tag = randomBytes(4).toString('hex');
  const dbName = `tm_bench_${tag}`;
  const admin = new pg.Client({ connectionString: o.postgresUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = new URL(o.postgresUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  let platform: Awaited<ReturnType<typeof startPlatform>> | undefined;
  o.log(`bench ${tag} (checkout): ${cpus().length} CPUs, Node ${process.version}`);
  try {
    const warmSeconds = Math.max(1, Math.round(o.durationSeconds / 4));
    const naivePg = await measureNaivePg({
      db,
      databaseUrl,
      connections: o.connections,
      durationSeconds: o.durationSeconds,
      warmSeconds,
      users: o.users,
      tag,
    });
    o.log(formatFigures('(e) naive PostgreSQL UPDATE+INSERT', naivePg));

    const adminPassword = randomBytes(12).toString('base64url');
    platform = await startPlatform({
      env: benchPlatformEnv({ databaseUrl, redisUrl: o.redisUrl, natsUrl: o.natsUrl, tag, adminPassword }),
      timeoutMs: 90_000,
    });
    const call = caller(platform.baseUrl);
    const adminToken = (
      await call<{ token: string }>('POST', '/api/admin/auth/login', undefined, {
        username: 'admin',
        password: adminPassword,
      })
    ).token;
    const tokens: string[] = new Array(o.users);
    await forEachLimited(o.users, 16, async (i) => {
      tokens[i] = (
        await call<{ token: string }>('POST', '/api/auth/dev', undefined, { openid: `bench-${tag}-${i}` })
      ).token;
    });
    const checkout = await measureCheckout({
      base: platform.baseUrl,
      platformPid: platform.child.pid,
      adminToken,
      tokens,
      connections: o.connections,
      durationSeconds: o.durationSeconds,
      warmSeconds,
      tag,
      log: o.log,
    });
    const result: CheckoutBenchResult = {
      skus: SKUS,
      itemsPerOrder: ITEMS_PER_ORDER,
      checkout,
      naivePg,
      checkoutToNaivePg: +(checkout.okPerSec / Math.max(1, naivePg.okPerSec)).toFixed(3),
    };
    o.log(
      `ratio checkoutToNaivePg: ${result.checkoutToNaivePg} (${checkout.okPerSec} orders/s against ${naivePg.okPerSec} naive UPDATE+INSERT/s)`,
    );
    return result;
  } finally {
    await platform?.stop();
    await db.end();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}
