/**
 * (l) The regular-price checkout: `POST /api/orders` through the gateway of a platform process started as in
 * production (fresh PostgreSQL database, Redis, NATS), each order two SKUs (quantity 1 each) with large stock, for
 * shoppers from dev login who each have an address; orders/s (2xx/s), closed-loop, with where the machine's CPU
 * went. Twice: over a catalogue (the two SKUs of two of 50 products, as a shop's orders spread) and on one hot
 * product (both SKUs among the 50 of one product). Read against (e), the naive PostgreSQL UPDATE+INSERT on one
 * row measured in the same run: the checkout takes its stock in PostgreSQL too
 * (`broker-services/src/modules/orders/checkout.ts`), but per order it also claims the requestId, locks two SKU
 * rows in id order and then their products' rows (units sold), writes the lines, the sealed address and the first
 * transition, behind authentication, validation, rate limit and metrics; on one product every checkout queues on
 * that product's row for the rest of its transaction.
 * `BENCH_ONLY=checkout npm run bench` runs (e) and (l) alone.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import pg from 'pg';
import { startPlatform } from '../../broker-services/test/support/platform.ts';
import { loginShoppers } from './bench-shop.ts';
import { formatFigures, type HttpFigures, measureHttp } from './http-load.ts';
import { measureNaivePg } from './naive-pg-baseline.ts';

/** Products of the catalogue, and SKUs of the hot product. */
const PRODUCTS = 50;
const HOT_SKUS = 50;
const ITEMS_PER_ORDER = 2;

/** The two checkout measurements. */
export interface CheckoutFigures {
  /** Two SKUs of two different products among 50 per order. */
  catalogue: HttpFigures;
  /** Two SKUs of one product per order: every checkout also updates that product's row. */
  hotProduct: HttpFigures;
}

export interface CheckoutBenchResult {
  products: number;
  itemsPerOrder: number;
  checkout: CheckoutFigures;
  naivePg: HttpFigures;
  /** Catalogue checkout orders/s over the naive baseline's 2xx/s, both measured in the same run. */
  checkoutToNaivePg: number;
  /** The same for the hot product. */
  hotProductCheckoutToNaivePg: number;
  /**
   * CPU per answer of the server and PostgreSQL together, checkout (catalogue) over naive: steadier than the
   * rates when other work shares the machine.
   */
  checkoutCpuToNaiveCpu: number;
}

/** ms of CPU the server process and PostgreSQL spent per answer. */
function serverAndDatabaseCpu(f: HttpFigures): number {
  return (f.cpuPerAnswer?.server ?? 0) + (f.cpuPerAnswer?.postgresql ?? 0);
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
 * (l) on a running platform: makes the products, gives each shopper an address, then for the catalogue and for
 * the hot product warms up and measures checkouts closed-loop with the CPU breakdown.
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
}): Promise<CheckoutFigures> {
  const call = caller(o.base);
  const createProduct = async (title: string, skus: number) =>
    (
      await call<{ skus: { id: string }[] }>('POST', '/api/admin/products', o.adminToken, {
        title,
        skus: Array.from({ length: skus }, (_, i) => ({
          name: `规格 ${i + 1}`,
          priceFen: 990 + i,
          stock: 100_000_000,
        })),
      })
    ).skus.map((s) => s.id);
  const catalogue: string[] = [];
  for (let p = 0; p < PRODUCTS; p++) catalogue.push(...(await createProduct(`Bench ${o.tag} 商品 ${p}`, 1)));
  const hot = await createProduct(`Bench ${o.tag} 爆款`, HOT_SKUS);
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
  o.log(
    `(l) checkout: ${PRODUCTS} products of one SKU and one of ${HOT_SKUS} SKUs, ${o.tokens.length} shoppers with an address`,
  );
  const auth = o.tokens.map((t) => `Bearer ${t}`);
  const load = (skuIds: readonly string[], phase: string) => ({
    url: o.base,
    serverPid: o.platformPid,
    method: 'POST' as const,
    path: '/api/orders',
    connections: o.connections,
    headers: { 'content-type': 'application/json' },
    next: (i: number) => {
      const u = i % auth.length;
      // Two distinct SKUs per order, spread over the given SKUs.
      const first = (i * 7) % skuIds.length;
      const items = Array.from({ length: ITEMS_PER_ORDER }, (_, k) => ({
        skuId: skuIds[(first + k) % skuIds.length],
        quantity: 1,
      }));
      return {
        headers: { authorization: auth[u] as string },
        body: JSON.stringify({ items, addressId: addressIds[u], requestId: `co-${o.tag}-${phase}-${i}` }),
      };
    },
  });
  const measure = async (skuIds: readonly string[], phase: string, name: string) => {
    await measureHttp({ ...load(skuIds, `${phase}-warm`), durationSeconds: o.warmSeconds });
    const figures = await measureHttp({
      ...load(skuIds, phase),
      durationSeconds: o.durationSeconds,
      breakdown: true,
    });
    o.log(formatFigures(name, figures));
    return figures;
  };
  return {
    catalogue: await measure(catalogue, 'cat', '(l) gateway POST /api/orders, 2 SKUs of 2 of 50 products'),
    hotProduct: await measure(hot, 'hot', '(l) gateway POST /api/orders, 2 SKUs of one hot product'),
  };
}

/** `BENCH_ONLY=checkout`: (e) and (l) in one run, on a database of their own. */
export async function runCheckoutBench(o: {
  postgresUrl: string;
  redisUrl: string;
  natsUrl: string;
  durationSeconds: number;
  connections: number;
  users: number;
  /** Write a V8 CPU profile of the platform process here (node --cpu-prof). */
  profileDir?: string;
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
    const env = benchPlatformEnv({
      databaseUrl,
      redisUrl: o.redisUrl,
      natsUrl: o.natsUrl,
      tag,
      adminPassword,
    });
    if (o.profileDir) {
      mkdirSync(o.profileDir, { recursive: true });
      env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${o.profileDir}`;
    }
    platform = await startPlatform({ env, timeoutMs: 90_000 });
    const call = caller(platform.baseUrl);
    const adminToken = (
      await call<{ token: string }>('POST', '/api/admin/auth/login', undefined, {
        username: 'admin',
        password: adminPassword,
      })
    ).token;
    const tokens = (await loginShoppers(platform.baseUrl, tag, o.users)).map((u) => u.token);
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
      products: PRODUCTS,
      itemsPerOrder: ITEMS_PER_ORDER,
      checkout,
      naivePg,
      checkoutToNaivePg: +(checkout.catalogue.okPerSec / Math.max(1, naivePg.okPerSec)).toFixed(3),
      hotProductCheckoutToNaivePg: +(checkout.hotProduct.okPerSec / Math.max(1, naivePg.okPerSec)).toFixed(3),
      checkoutCpuToNaiveCpu: +(
        serverAndDatabaseCpu(checkout.catalogue) / Math.max(0.001, serverAndDatabaseCpu(naivePg))
      ).toFixed(2),
    };
    o.log(
      `ratio checkoutToNaivePg: ${result.checkoutToNaivePg} (${checkout.catalogue.okPerSec} orders/s against ${naivePg.okPerSec} naive UPDATE+INSERT/s)`,
    );
    o.log(
      `ratio hotProductCheckoutToNaivePg: ${result.hotProductCheckoutToNaivePg} (${checkout.hotProduct.okPerSec} orders/s)`,
    );
    o.log(
      `server + PostgreSQL CPU per answer: checkout ${serverAndDatabaseCpu(checkout.catalogue).toFixed(3)} ms, naive ${serverAndDatabaseCpu(naivePg).toFixed(3)} ms (×${result.checkoutCpuToNaiveCpu})`,
    );
    return result;
  } finally {
    await platform?.stop();
    await db.end();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}
