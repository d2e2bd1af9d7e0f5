/**
 * `npm run bench`: one run on this machine that measures, each against a baseline taken in the same run,
 *   (a) a bare Fastify hello-world route (the HTTP floor),
 *   (b) the reserve script's raw EVALSHA on a pipelined client, and (c) the hot-path store at 64–256 in flight
 *       (both from hot-path/bench/hot-path-bench.ts, which also measures the join script),
 *   (d) the gateway's reservation route with everything on (auth, validation, rate limit, metrics) on a
 *       platform process started as in production (fresh PostgreSQL database, Redis, NATS), peak and at 80%,
 *   (e) a naive PostgreSQL reservation (conditional UPDATE + INSERT) behind a bare Fastify route,
 *   (f) group joins through the gateway against the join script's raw EVALSHA,
 *   (g) settlement lag: a burst of reservations straight into the hot path, then the time until every order is
 *       in PostgreSQL,
 *   (h) the reference: a minimal Fastify route doing one reserve EVALSHA and nothing else (no auth, schema, rate
 *       limit, metrics or settlement), i.e. what one Redis round trip behind HTTP costs on this machine,
 *   (i) the stronger acknowledgements (`wait-replica`, AOF `always`) against the default one, on Redis servers of
 *       its own (./ack-bench.ts; `BENCH_ONLY=ack` runs that section alone).
 *   (j) catalogue search at 100,000 products (./search-bench.ts; `BENCH_ONLY=search` runs that section alone).
 *   (k) Redis CPU per call of the reserve and join scripts and of each piece of a reservation, against a
 *       one-command EVALSHA, on a private redis-server (hot-path/bench/script-cost.ts; `BENCH_ONLY=scripts`).
 *   (l) the regular-price checkout (`POST /api/orders`, two SKUs an order) through the gateway, orders/s against
 *       (e) (./checkout-bench.ts; `BENCH_ONLY=checkout` runs (e) and (l) alone).
 *   (m) coupon claims through the gateway against seckill reservations through the gateway, on a platform of its
 *       own (./coupon-bench.ts; `BENCH_ONLY=coupons` runs that section alone).
 *   (n) one hot campaign in 1, 2 and 4 stock buckets on a Redis Cluster of four masters, at a fixed offered rate:
 *       the busiest master's share of Redis CPU (./bucket-bench.ts; `BENCH_ONLY=buckets` runs that section alone).
 * Issue 17's CPU figure alone, (h) and (d) in turn over rounds, on the whole platform in one process and on a
 * gateway process beside a services process: `BENCH_ONLY=gateway-cpu` (./gateway-cpu-bench.ts).
 * Prints each figure and the ratios with their targets, and for the gateway's peak where the machine's CPU went
 * (per process, per answer); writes load-tests/reports/bench-<date>.json, and stops everything it started. The
 * load generator (a raw HTTP/1.1 client, ./http-load.ts) runs in this process, on the same machine.
 */

import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisHotPathStore } from '@tuanmiao/hot-path';
import pg from 'pg';
import { startPlatform } from '../../broker-services/test/support/platform.ts';
import { type HotPathBenchResult, runHotPathBench } from '../../hot-path/bench/hot-path-bench.ts';
import { runScriptCost, type ScriptCostResult } from '../../hot-path/bench/script-cost.ts';
import { type AckBenchResult, runAckBench } from './ack-bench.ts';
import { json, loginShoppers, openBenchShop } from './bench-shop.ts';
import { runBucketBench } from './bucket-bench.ts';
import { benchPlatformEnv, measureCheckout, runCheckoutBench } from './checkout-bench.ts';
import { spawnServer } from './child-server.ts';
import { runCouponBench } from './coupon-bench.ts';
import { type GatewayLayout, runGatewayCpuBench } from './gateway-cpu-bench.ts';
import { formatFigures, type HttpFigures, measureHttp } from './http-load.ts';
import { measureNaivePg } from './naive-pg-baseline.ts';
import {
  type CapacityPlan,
  capacityPlan,
  formatCapacityPlan,
  runWorkerScaling,
  type WorkerScalingRun,
} from './scale-bench.ts';
import { runSearchBench, type SearchBenchResult } from './search-bench.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface BenchOptions {
  /** Seconds per HTTP measurement (after a warm-up of a quarter of it). */
  durationSeconds: number;
  /** Connections of the load generator, the same for every HTTP measurement. */
  connections: number;
  /** Shoppers logged in with dev login before the gateway measurements. */
  users: number;
  /** Operations per hot-path measurement. */
  hotPathOperations: number;
  /** Group joins through the gateway. */
  joins: number;
  /** Reservations of the settlement burst. */
  settlementBurst: number;
  /** Products of the catalogue search measurement (j). */
  searchProducts: number;
  /** How long to wait for settlement to drain, at most. */
  settleTimeoutSeconds: number;
  /** PostgreSQL server (a fresh database is created on it and dropped after), Redis (a dedicated DB index), NATS. */
  postgresUrl: string;
  redisUrl: string;
  natsUrl: string;
  /** Where to write bench-<date>.json; '' for nowhere. */
  reportDir: string;
  /** Write a V8 CPU profile of the platform process here (node --cpu-prof). */
  profileDir?: string;
  log: (line: string) => void;
}

export const defaultBenchOptions: BenchOptions = {
  durationSeconds: 8,
  connections: 128,
  users: 2000,
  hotPathOperations: 20_000,
  joins: 15_000,
  settlementBurst: 100_000,
  searchProducts: 100_000,
  settleTimeoutSeconds: 180,
  postgresUrl: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9',
  natsUrl: process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222',
  reportDir: path.join(ROOT, 'load-tests/reports'),
  log: (line) => console.log(line),
};

export interface Ratio {
  value: number;
  target: number;
  /** `value >= target`. */
  met: boolean;
}

export interface BenchReport {
  date: string;
  machine: { cpus: number; node: string };
  generator: string;
  options: Omit<BenchOptions, 'log' | 'postgresUrl' | 'redisUrl' | 'natsUrl'>;
  http: {
    bareFastify: HttpFigures;
    naivePg: HttpFigures;
    gatewayReserve: HttpFigures;
    gatewayReserveAt80: HttpFigures;
    gatewayJoin: HttpFigures;
    reference: HttpFigures;
    /** (l) The regular checkout over a catalogue, orders/s as 2xx/s. */
    checkout: HttpFigures;
    /** (l) The regular checkout on one hot product. */
    checkoutHotProduct: HttpFigures;
  };
  hotPath: HotPathBenchResult;
  /** Redis CPU per call of the reserve and join scripts against a one-command EVALSHA (section k). */
  scriptCost: ScriptCostResult;
  ack: AckBenchResult;
  search: SearchBenchResult;
  settlement: {
    reservations: number;
    burstSeconds: number;
    burstPerSec: number;
    /** From the end of the burst until every order was in PostgreSQL. */
    drainSecondsAfterBurst: number;
    /** From the start of the burst until every order was in PostgreSQL. */
    totalSeconds: number;
    ordersPresent: number;
  };
  ratios: {
    hotPathToRawEvalsha: Ratio;
    gatewayToBareFastify: Ratio;
    gatewayToNaivePg: Ratio;
    checkoutToNaivePg: Ratio;
    checkoutHotProductToNaivePg: Ratio;
    gatewayJoinToRawJoinEvalsha: Ratio;
    referenceToBareFastify: Ratio;
    gatewayToReference: Ratio;
    ackWaitReplicaToPrimary: Ratio;
    ackAofAlwaysToPrimary: Ratio;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function ratio(value: number, target: number): Ratio {
  const v = +value.toFixed(3);
  return { value: v, target, met: v >= target };
}

function dbUrl(serverUrl: string, db: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function mapConcurrent<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}

async function deleteKeys(redisStore: RedisHotPathStore, patterns: string[]): Promise<void> {
  const redis = redisStore.redis;
  for (const match of patterns) {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  }
}

/**
 * Waits until settlement has caught up: every campaign's unsettled count is 0 (its stream is empty; entries are
 * deleted once their orders are committed). Each measurement then starts from a machine that is not still
 * settling the one before it.
 */
async function settled(store: RedisHotPathStore, campaignIds: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let unsettled = 0;
    for (const id of campaignIds) unsettled += (await store.getCampaignCounters(id))?.unsettled ?? 0;
    if (unsettled === 0) return;
    if (Date.now() > deadline) throw new Error(`settlement did not catch up: ${unsettled} entries left`);
    await sleep(100);
  }
}

/** Runs the whole benchmark once and returns (and writes) its report. */
export async function runBench(partial: Partial<BenchOptions> = {}): Promise<BenchReport> {
  const o: BenchOptions = { ...defaultBenchOptions, ...partial };
  const log = o.log;
  const tag = randomBytes(4).toString('hex');
  const dbName = `tm_bench_${tag}`;
  const admin = new pg.Client({ connectionString: o.postgresUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const databaseUrl = dbUrl(o.postgresUrl, dbName);
  const cleanups: Array<() => Promise<void>> = [];
  log(
    `bench ${tag}: ${cpus().length} CPUs, Node ${process.version}; load generator: raw HTTP/1.1 client in this process`,
  );
  try {
    const warmSeconds = Math.max(1, Math.round(o.durationSeconds / 4));

    // (a) The HTTP floor.
    const bare = await spawnServer('bare-fastify.ts', {});
    await measureHttp({
      url: bare.url,
      path: '/hello',
      connections: o.connections,
      durationSeconds: warmSeconds,
    });
    const bareFastify = await measureHttp({
      url: bare.url,
      serverPid: bare.pid,
      path: '/hello',
      connections: o.connections,
      durationSeconds: o.durationSeconds,
      breakdown: true,
    });
    await bare.stop();
    log(formatFigures('(a) bare Fastify GET /hello', bareFastify));

    // (e) The naive PostgreSQL reservation.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    cleanups.push(() => db.end());
    const naivePg = await measureNaivePg({
      db,
      databaseUrl,
      connections: o.connections,
      durationSeconds: o.durationSeconds,
      warmSeconds,
      users: o.users,
      tag,
    });
    log(formatFigures('(e) naive PostgreSQL UPDATE+INSERT', naivePg));

    // (b), (c) and the join script's raw EVALSHA, before the platform runs, so nothing else takes CPU.
    const hotPath = await runHotPathBench({
      redisUrl: o.redisUrl,
      operations: o.hotPathOperations,
      concurrencies: [64, 128, 256],
      log: (line) => log(`(b/c) ${line}`),
    });
    // (k) Redis CPU per script call, on a private redis-server, also before the platform runs.
    const scriptCost = await runScriptCost({ calls: o.hotPathOperations, log: (line) => log(`(k) ${line}`) });
    // (i) The acknowledgements, also before the platform runs.
    const ack = await runAckBench({ operations: o.hotPathOperations, concurrency: 128, rounds: 3, log });

    // The platform, as in production.
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
    const platform = await startPlatform({ env, timeoutMs: 90_000 });
    let platformExit: string | undefined;
    platform.child.once('exit', (code, signal) => {
      platformExit = `platform exited (${code ?? signal}) during the bench:\n${platform.output().slice(-4000)}`;
    });
    const alive = () => {
      if (platformExit) throw new Error(platformExit);
    };
    const store = new RedisHotPathStore({ redisUrl: o.redisUrl });
    const campaignIds: string[] = [];
    const referenceCampaign = `cmp_reference_${tag}`;
    cleanups.push(async () => {
      await platform.stop();
      await deleteKeys(store, [
        ...campaignIds.map((id) => `*{c:${id}}*`),
        `*{c:${referenceCampaign}}*`,
        'tm:rl:*',
      ]);
      await store.close();
    });
    const base = platform.baseUrl;
    const { call, adminToken, skuId } = await openBenchShop(base, adminPassword, tag);
    const createCampaign = async (type: 'seckill' | 'groupbuy', stockTotal: number): Promise<string> => {
      const c = await json<{ id: string }>(
        await call('POST', '/api/admin/campaigns', adminToken, {
          type,
          title: `Bench ${type} ${tag}`,
          skuId,
          priceFen: 100,
          startsAt: new Date(Date.now() - 1000).toISOString(),
          endsAt: new Date(Date.now() + 3 * 3_600_000).toISOString(),
          stockTotal,
          perUserLimit: 100,
          ...(type === 'groupbuy' ? { groupSize: 50, groupTtlSeconds: 3600 } : {}),
        }),
        `create ${type} campaign`,
      );
      campaignIds.push(c.id);
      return c.id;
    };
    const warmCampaign = await createCampaign('seckill', 10_000_000);
    const peakCampaign = await createCampaign('seckill', 10_000_000);
    const at80Campaign = await createCampaign('seckill', 10_000_000);
    const groupCampaign = await createCampaign('groupbuy', 10_000_000);
    const settleCampaign = await createCampaign('seckill', Math.max(o.settlementBurst, 1));

    const users = await loginShoppers(base, tag, o.users);
    log(`platform ${base}: ${users.length} shoppers logged in`);
    const auth = users.map((u) => u.auth);

    // (h) The reference: one EVALSHA behind a minimal Fastify route, sent the same headers and bodies as (d).
    const reference = await spawnServer('fastify-evalsha.ts', {
      REDIS_URL: o.redisUrl,
      CAMPAIGN_ID: referenceCampaign,
    });
    const referenceLoad = {
      url: reference.url,
      serverPid: reference.pid,
      method: 'POST' as const,
      path: '/reserve',
      connections: o.connections,
      headers: { 'content-type': 'application/json' },
      next: (i: number) => ({
        headers: {
          authorization: auth[i % auth.length] as string,
          'x-user': users[i % users.length]?.id ?? '',
        },
        body: `{"quantity":1,"requestId":"ref-${tag}-${i}"}`,
      }),
    };
    await measureHttp({ ...referenceLoad, durationSeconds: warmSeconds });
    const referenceFigures = await measureHttp({
      ...referenceLoad,
      durationSeconds: o.durationSeconds,
      breakdown: true,
    });
    await reference.stop();
    log(formatFigures('(h) reference: minimal Fastify + one reserve EVALSHA', referenceFigures));

    // (d) The gateway's reservation route.
    const reserveLoad = (campaignId: string) => ({
      url: base,
      serverPid: platform.child.pid,
      method: 'POST' as const,
      path: `/api/seckill/${campaignId}/reservations`,
      connections: o.connections,
      headers: { 'content-type': 'application/json' },
      next: (i: number) => ({
        headers: { authorization: auth[i % auth.length] as string },
        body: `{"quantity":1,"requestId":"b-${tag}-${campaignId.slice(-6)}-${i}"}`,
      }),
    });
    await measureHttp({ ...reserveLoad(warmCampaign), durationSeconds: warmSeconds });
    await settled(store, campaignIds, o.settleTimeoutSeconds * 1000);
    const gatewayReserve = await measureHttp({
      ...reserveLoad(peakCampaign),
      durationSeconds: o.durationSeconds,
      breakdown: true,
    });
    log(formatFigures('(d) gateway POST /api/seckill/:id/reservations', gatewayReserve));
    // The peak leaves orders to settle; p99 at 80% is of the steady state, with its own settlement running.
    await settled(store, campaignIds, o.settleTimeoutSeconds * 1000);
    const gatewayReserveAt80 = await measureHttp({
      ...reserveLoad(at80Campaign),
      durationSeconds: o.durationSeconds,
      overallRate: Math.max(1, Math.round(gatewayReserve.requestsPerSec * 0.8)),
    });
    log(formatFigures('(d) gateway reservations at 80% of peak', gatewayReserveAt80));
    alive();
    await settled(store, campaignIds, o.settleTimeoutSeconds * 1000);

    // (f) Group joins through the gateway: groups of 50 opened first, then each join takes a free slot.
    const perGroup = Math.min(49, users.length - 1);
    const groupCount = Math.ceil(o.joins / perGroup);
    const groups = await mapConcurrent(
      Array.from({ length: groupCount }, (_, i) => i),
      16,
      async (g) =>
        (
          await json<{ group: { id: string } }>(
            await call('POST', `/api/groupbuy/${groupCampaign}/groups`, users[g % users.length]?.token, {
              requestId: `open-${tag}-${g}`,
            }),
            'open group',
          )
        ).group.id,
    );
    const gatewayJoin = await measureHttp({
      url: base,
      serverPid: platform.child.pid,
      method: 'POST',
      path: `/api/groupbuy/groups/${groups[0]}/members`,
      connections: Math.min(o.connections, o.joins),
      amount: o.joins,
      headers: { 'content-type': 'application/json' },
      next: (i) => {
        const j = i % o.joins;
        const g = Math.floor(j / perGroup);
        const slot = (j % perGroup) + 1;
        return {
          path: `/api/groupbuy/groups/${groups[g]}/members`,
          headers: { authorization: auth[(g + slot) % auth.length] as string },
          body: `{"requestId":"join-${tag}-${i}"}`,
        };
      },
    });
    log(formatFigures('(f) gateway POST /api/groupbuy/groups/:id/members', gatewayJoin));
    alive();

    // Let settlement catch up with the joins, so that the burst below is measured alone.
    await settled(store, campaignIds, o.settleTimeoutSeconds * 1000);
    const countOrders = async (campaignId: string): Promise<number> =>
      Number(
        (
          await db.query<{ n: string }>('select count(*) as n from orders where campaign_id = $1', [
            campaignId,
          ])
        ).rows[0]?.n ?? 0,
      );

    // (g) Settlement lag: a burst straight into the hot path, then until every order is in PostgreSQL.
    const burstStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(256, o.settlementBurst) }, async () => {
        while (next < o.settlementBurst) {
          const i = next++;
          const r = await store.reserveSeckill({
            campaignId: settleCampaign,
            userId: users[i % users.length]?.id ?? '',
            requestId: `burst-${tag}-${i}`,
            quantity: 1,
            reservationId: `rsv_burst${tag}${i}`,
            nowMs: Date.now(),
            paymentTtlMs: 3_600_000,
          });
          if (!r.ok) throw new Error(`burst reservation refused: ${r.code}`);
        }
      }),
    );
    const burstEnded = performance.now();
    const settleDeadline = Date.now() + o.settleTimeoutSeconds * 1000;
    let present = await countOrders(settleCampaign);
    while (present < o.settlementBurst && Date.now() < settleDeadline) {
      alive();
      await sleep(100);
      present = await countOrders(settleCampaign);
    }
    const drained = performance.now();
    if (present < o.settlementBurst) {
      throw new Error(
        `settlement did not drain in ${o.settleTimeoutSeconds} s: ${present}/${o.settlementBurst}`,
      );
    }
    const settlement = {
      reservations: o.settlementBurst,
      burstSeconds: +((burstEnded - burstStarted) / 1000).toFixed(2),
      burstPerSec: Math.round(o.settlementBurst / ((burstEnded - burstStarted) / 1000)),
      drainSecondsAfterBurst: +((drained - burstEnded) / 1000).toFixed(2),
      totalSeconds: +((drained - burstStarted) / 1000).toFixed(2),
      ordersPresent: present,
    };
    log(
      `(g) settlement: ${settlement.reservations} reservations in ${settlement.burstSeconds} s (${settlement.burstPerSec}/s), ` +
        `all orders in PostgreSQL ${settlement.drainSecondsAfterBurst} s after the burst (${settlement.totalSeconds} s from its start)`,
    );

    // (l) The regular checkout, on the same platform (stock in PostgreSQL, so no campaign is involved).
    alive();
    const checkout = await measureCheckout({
      base,
      platformPid: platform.child.pid,
      adminToken,
      tokens: users.map((u) => u.token),
      connections: o.connections,
      durationSeconds: o.durationSeconds,
      warmSeconds,
      tag,
      log,
    });

    // (j) Catalogue search, in a database of its own.
    const search = await runSearchBench({ postgresUrl: o.postgresUrl, products: o.searchProducts, log });

    const bestStore = Math.max(...hotPath.storeReserve.map((s) => s.opsPerSec));
    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      generator: 'raw HTTP/1.1 client in the bench process, on the same machine as the servers under test',
      options: {
        durationSeconds: o.durationSeconds,
        connections: o.connections,
        users: o.users,
        hotPathOperations: o.hotPathOperations,
        joins: o.joins,
        settlementBurst: o.settlementBurst,
        searchProducts: o.searchProducts,
        settleTimeoutSeconds: o.settleTimeoutSeconds,
        reportDir: o.reportDir,
        ...(o.profileDir ? { profileDir: o.profileDir } : {}),
      },
      http: {
        bareFastify,
        naivePg,
        gatewayReserve,
        gatewayReserveAt80,
        gatewayJoin,
        reference: referenceFigures,
        checkout: checkout.catalogue,
        checkoutHotProduct: checkout.hotProduct,
      },
      hotPath,
      scriptCost,
      ack,
      search,
      settlement,
      ratios: {
        hotPathToRawEvalsha: ratio(bestStore / hotPath.rawReserveEvalshaOpsPerSec, 0.5),
        gatewayToBareFastify: ratio(gatewayReserve.okPerSec / bareFastify.requestsPerSec, 0.5),
        gatewayToNaivePg: ratio(gatewayReserve.okPerSec / Math.max(1, naivePg.okPerSec), 10),
        checkoutToNaivePg: ratio(checkout.catalogue.okPerSec / Math.max(1, naivePg.okPerSec), 0),
        checkoutHotProductToNaivePg: ratio(checkout.hotProduct.okPerSec / Math.max(1, naivePg.okPerSec), 0),
        gatewayJoinToRawJoinEvalsha: ratio(gatewayJoin.okPerSec / hotPath.rawJoinEvalshaOpsPerSec, 0),
        referenceToBareFastify: ratio(referenceFigures.okPerSec / bareFastify.requestsPerSec, 0),
        gatewayToReference: ratio(gatewayReserve.okPerSec / Math.max(1, referenceFigures.okPerSec), 0),
        ackWaitReplicaToPrimary: ratio(ack.ratios.waitReplicaToPrimary, 0),
        ackAofAlwaysToPrimary: ratio(ack.ratios.aofAlwaysToPrimary, 0),
      },
    };
    log(
      `(d) gateway p99 at 80% of peak (${gatewayReserveAt80.offeredRate}/s offered): ${gatewayReserveAt80.p99Ms} ms`,
    );
    for (const [name, r] of Object.entries(report.ratios)) {
      log(
        `ratio ${name}: ${r.value}${r.target ? ` (target >= ${r.target}: ${r.met ? 'met' : 'MISSED'})` : ''}`,
      );
    }
    if (o.reportDir) {
      mkdirSync(o.reportDir, { recursive: true });
      const file = path.join(o.reportDir, `bench-${report.date.replace(/[:.]/g, '-')}.json`);
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      log(`report: ${file}`);
    }
    return report;
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        log(`cleanup: ${(err as Error).message}`);
      }
    }
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

export interface ScaleReport {
  date: string;
  machine: { cpus: number; node: string };
  /** The reservation peak with each worker count, in one run. */
  workers: WorkerScalingRun[];
  /** Reservations/s of the largest group against one worker, in the same run. */
  workersSpeedup: number;
  capacity: CapacityPlan;
}

/**
 * The scaling section (`BENCH_SECTIONS=scale`): the reservation peak with WORKERS=1 and WORKERS=2, and the
 * capacity model for 100k and 1M reservations/s from the worker group's CPU per reservation.
 */
export async function runScaleBench(partial: Partial<BenchOptions> = {}): Promise<ScaleReport> {
  const o: BenchOptions = { ...defaultBenchOptions, ...partial };
  const tag = randomBytes(4).toString('hex');
  const dbName = `tm_bench_${tag}`;
  const admin = new pg.Client({ connectionString: o.postgresUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const store = new RedisHotPathStore({ redisUrl: o.redisUrl });
  const campaignIds: string[] = [];
  try {
    o.log(`bench ${tag} (scale): ${cpus().length} CPUs, Node ${process.version}`);
    const runs = await runWorkerScaling({
      databaseUrl: dbUrl(o.postgresUrl, dbName),
      redisUrl: o.redisUrl,
      natsUrl: o.natsUrl,
      durationSeconds: o.durationSeconds,
      connections: o.connections,
      users: o.users,
      workers: [1, 2],
      store,
      campaignIds,
      settled: (s, ids) => settled(s, ids, o.settleTimeoutSeconds * 1000),
      log: o.log,
    });
    const one = runs[0]!;
    const group = runs[runs.length - 1]!;
    const report: ScaleReport = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      workers: runs,
      workersSpeedup: +(group.figures.okPerSec / Math.max(1, one.figures.okPerSec)).toFixed(3),
      capacity: capacityPlan(group, [100_000, 1_000_000]),
    };
    o.log(
      `ratio workers ${group.workers}/1: ${report.workersSpeedup} (${group.figures.okPerSec} against ${one.figures.okPerSec} reservations/s)`,
    );
    for (const line of formatCapacityPlan(report.capacity)) o.log(line);
    if (o.reportDir) {
      mkdirSync(o.reportDir, { recursive: true });
      const file = path.join(o.reportDir, `scale-${report.date.replace(/[:.]/g, '-')}.json`);
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      o.log(`report: ${file}`);
    }
    return report;
  } finally {
    await deleteKeys(store, [...campaignIds.map((id) => `*{c:${id}}*`), 'tm:rl:*']);
    await store.close();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.env.BENCH_ONLY === 'search') {
  await runSearchBench({ postgresUrl: defaultBenchOptions.postgresUrl, log: (line) => console.log(line) });
} else if (process.argv[1] === fileURLToPath(import.meta.url) && process.env.BENCH_ONLY === 'scripts') {
  await runScriptCost();
} else if (process.argv[1] === fileURLToPath(import.meta.url) && process.env.BENCH_ONLY === 'checkout') {
  await runCheckoutBench({
    postgresUrl: defaultBenchOptions.postgresUrl,
    redisUrl: defaultBenchOptions.redisUrl,
    natsUrl: defaultBenchOptions.natsUrl,
    durationSeconds: Number(process.env.BENCH_DURATION ?? defaultBenchOptions.durationSeconds),
    connections: defaultBenchOptions.connections,
    users: Number(process.env.BENCH_USERS ?? 500),
    ...(process.env.BENCH_PROFILE_DIR ? { profileDir: process.env.BENCH_PROFILE_DIR } : {}),
    log: (line) => console.log(line),
  });
} else if (process.argv[1] === fileURLToPath(import.meta.url) && process.env.BENCH_ONLY === 'coupons') {
  await runCouponBench({
    postgresUrl: defaultBenchOptions.postgresUrl,
    redisUrl: defaultBenchOptions.redisUrl,
    natsUrl: defaultBenchOptions.natsUrl,
    ...(process.env.BENCH_DURATION ? { durationSeconds: Number(process.env.BENCH_DURATION) } : {}),
    ...(process.env.BENCH_USERS ? { users: Number(process.env.BENCH_USERS) } : {}),
  });
} else if (process.argv[1] === fileURLToPath(import.meta.url) && process.env.BENCH_ONLY === 'buckets') {
  await runBucketBench({
    ...(process.env.BENCH_BUCKET_RATE ? { ratePerSec: Number(process.env.BENCH_BUCKET_RATE) } : {}),
    ...(process.env.BENCH_BUCKET_SECONDS ? { seconds: Number(process.env.BENCH_BUCKET_SECONDS) } : {}),
  });
} else if (process.argv[1] === fileURLToPath(import.meta.url) && process.env.BENCH_ONLY === 'gateway-cpu') {
  await runGatewayCpuBench({
    postgresUrl: defaultBenchOptions.postgresUrl,
    redisUrl: defaultBenchOptions.redisUrl,
    natsUrl: defaultBenchOptions.natsUrl,
    ...(process.env.BENCH_DURATION ? { durationSeconds: Number(process.env.BENCH_DURATION) } : {}),
    ...(process.env.BENCH_USERS ? { users: Number(process.env.BENCH_USERS) } : {}),
    ...(process.env.BENCH_ROUNDS ? { rounds: Number(process.env.BENCH_ROUNDS) } : {}),
    ...(process.env.BENCH_GATEWAY_LAYOUTS
      ? {
          layouts: process.env.BENCH_GATEWAY_LAYOUTS.split(',').filter(
            (x): x is GatewayLayout => x === 'whole' || x === 'split',
          ),
        }
      : {}),
    ...(process.env.BENCH_PLATFORM_NODE_OPTIONS
      ? { platformNodeOptions: process.env.BENCH_PLATFORM_NODE_OPTIONS }
      : {}),
    ...(process.env.BENCH_PROFILE_DIR ? { profileDir: process.env.BENCH_PROFILE_DIR } : {}),
  });
} else if (process.argv[1] === fileURLToPath(import.meta.url) && process.env.BENCH_ONLY === 'ack') {
  await runAckBench({ operations: Number(process.env.BENCH_ACK_OPERATIONS ?? 10_000) });
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const profileDir = process.env.BENCH_PROFILE_DIR;
  // BENCH_SECTIONS=core,scale (both by default): the bench is heavy, run only the section a change needs.
  const sections = new Set((process.env.BENCH_SECTIONS ?? 'core,scale').split(',').map((x) => x.trim()));
  const opts = {
    ...(process.env.BENCH_DURATION ? { durationSeconds: Number(process.env.BENCH_DURATION) } : {}),
    ...(process.env.BENCH_USERS ? { users: Number(process.env.BENCH_USERS) } : {}),
    ...(profileDir ? { profileDir } : {}),
  };
  if (sections.has('core')) await runBench(opts);
  if (sections.has('scale')) await runScaleBench(opts);
}
