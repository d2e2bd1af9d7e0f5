/**
 * (m) Coupon claims (抢券) through the gateway against seckill reservations through the gateway, in one run on one
 * platform process started as in production (fresh PostgreSQL database, Redis, NATS): the claim route
 * (`POST /api/coupons/:templateId/claims`, `claimCoupon-6`) and the reservation route
 * (`POST /api/seckill/:campaignId/reservations`, `reserveSeckill-6`), each with everything on (auth, validation,
 * per-user limit, metrics, settlement into PostgreSQL running), the same shoppers, connections and duration,
 * measured in turn over several rounds (a load spike on a shared machine then hits both alike), settlement drained
 * before each measurement. Prints claims/s, reservations/s (each the median round) and their ratio.
 * Run alone: `BENCH_ONLY=coupons node load-tests/bench/run-bench.ts`.
 */

import { randomBytes } from 'node:crypto';
import { RedisHotPathStore } from '@tuanmiao/hot-path';
import pg from 'pg';
import { startPlatform } from '../../broker-services/test/support/platform.ts';
import { json, loginShoppers, openBenchShop } from './bench-shop.ts';
import { formatFigures, type HttpFigures, measureHttp } from './http-load.ts';

export interface CouponBenchResult {
  rounds: number;
  connections: number;
  durationSeconds: number;
  /** The median round of each. */
  claims: HttpFigures;
  reservations: HttpFigures;
  /** claims/s ÷ reservations/s (answers 201 per second). */
  claimsToReservations: number;
}

export interface CouponBenchOptions {
  postgresUrl: string;
  redisUrl: string;
  natsUrl: string;
  durationSeconds?: number;
  connections?: number;
  users?: number;
  rounds?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function median(runs: HttpFigures[]): HttpFigures {
  const sorted = [...runs].sort((a, b) => a.okPerSec - b.okPerSec);
  return sorted[Math.floor(sorted.length / 2)] as HttpFigures;
}

/** Runs section (m) on a platform and a database of its own, stopped and dropped after. */
export async function runCouponBench(o: CouponBenchOptions): Promise<CouponBenchResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const durationSeconds = o.durationSeconds ?? 8;
  const connections = o.connections ?? 128;
  const userCount = o.users ?? 2000;
  const rounds = o.rounds ?? 3;
  const tag = randomBytes(4).toString('hex');
  const dbName = `tm_bench_coupons_${tag}`;
  const admin = new pg.Client({ connectionString: o.postgresUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const databaseUrl = new URL(o.postgresUrl);
  databaseUrl.pathname = `/${dbName}`;
  const store = new RedisHotPathStore({ redisUrl: o.redisUrl });
  const hotIds: string[] = [];
  const adminPassword = randomBytes(12).toString('base64url');
  const platform = await startPlatform({
    env: {
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: o.redisUrl,
      NATS_URL: o.natsUrl,
      MIGRATE_ON_START: '1',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      ADDRESS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      DEV_LOGIN: '1',
      PAYMENT_PROVIDER: 'dev',
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: adminPassword,
      BROKER_NAMESPACE: `bench-${tag}`,
      NODE_ID: `bench-${tag}`,
      WORKERS: '1',
      RATE_LIMIT_PER_IP_PER_SECOND: '100000000',
      RATE_LIMIT_PER_USER_PER_SECOND: '100000000',
      LOG_LEVEL: 'warn',
    },
    timeoutMs: 90_000,
  });
  try {
    const base = platform.baseUrl;
    const { call, adminToken, skuId } = await openBenchShop(base, adminPassword, tag);
    const startsAt = new Date(Date.now() - 1000).toISOString();
    const endsAt = new Date(Date.now() + 3 * 3_600_000).toISOString();
    // The same quantity and per-user limit on both: 100 each for every shopper, never reached in a round.
    const seckillIds: string[] = [];
    const templateIds: string[] = [];
    for (let round = 0; round < rounds + 1; round++) {
      const c = await json<{ id: string }>(
        await call('POST', '/api/admin/campaigns', adminToken, {
          type: 'seckill',
          title: `Bench seckill ${tag} ${round}`,
          skuId,
          priceFen: 100,
          startsAt,
          endsAt,
          stockTotal: 10_000_000,
          perUserLimit: 100,
        }),
        'create campaign',
      );
      const t = await json<{ id: string }>(
        await call('POST', '/api/admin/coupon-templates', adminToken, {
          name: `Bench coupon ${tag} ${round}`,
          kind: 'no_threshold',
          amountOffFen: 100,
          total: 10_000_000,
          perUserLimit: 100,
          claimStartsAt: startsAt,
          claimEndsAt: endsAt,
          validDays: 7,
        }),
        'create coupon template',
      );
      seckillIds.push(c.id);
      templateIds.push(t.id);
      hotIds.push(c.id, t.id);
    }
    const users = (await loginShoppers(base, tag, userCount)).map((u) => u.auth);
    log(`(m) platform ${base}: ${users.length} shoppers logged in`);
    const load = (path: string, body: (i: number) => string) => ({
      url: base,
      serverPid: platform.child.pid,
      method: 'POST' as const,
      path,
      connections,
      headers: { 'content-type': 'application/json' },
      next: (i: number) => ({ headers: { authorization: users[i % users.length] as string }, body: body(i) }),
    });
    const reserve = (id: string) =>
      load(
        `/api/seckill/${id}/reservations`,
        (i) => `{"quantity":1,"requestId":"r-${tag}-${id.slice(-6)}-${i}"}`,
      );
    const claim = (id: string) =>
      load(`/api/coupons/${id}/claims`, (i) => `{"requestId":"c-${tag}-${id.slice(-6)}-${i}"}`);
    const drained = async () => {
      const deadline = Date.now() + 180_000;
      for (;;) {
        let unsettled = 0;
        for (const id of hotIds) unsettled += (await store.getCampaignCounters(id))?.unsettled ?? 0;
        if (unsettled === 0) return;
        if (Date.now() > deadline) throw new Error(`settlement did not catch up: ${unsettled} entries left`);
        await sleep(100);
      }
    };
    // Warm both routes (JIT, connections, caches) on the extra campaign and template.
    const warmSeconds = Math.max(1, Math.round(durationSeconds / 4));
    await measureHttp({ ...reserve(seckillIds[rounds] as string), durationSeconds: warmSeconds });
    await measureHttp({ ...claim(templateIds[rounds] as string), durationSeconds: warmSeconds });
    const claimsRuns: HttpFigures[] = [];
    const reserveRuns: HttpFigures[] = [];
    for (let round = 0; round < rounds; round++) {
      await drained();
      reserveRuns.push(await measureHttp({ ...reserve(seckillIds[round] as string), durationSeconds }));
      await drained();
      claimsRuns.push(await measureHttp({ ...claim(templateIds[round] as string), durationSeconds }));
    }
    const claims = median(claimsRuns);
    const reservations = median(reserveRuns);
    const claimsToReservations = +(claims.okPerSec / reservations.okPerSec).toFixed(3);
    log(formatFigures(`(m) gateway POST /api/coupons/:id/claims (median of ${rounds})`, claims));
    log(formatFigures(`(m) gateway POST /api/seckill/:id/reservations (median of ${rounds})`, reservations));
    log(`(m) ratio claims/s to reservations/s: ${claimsToReservations}`);
    return { rounds, connections, durationSeconds, claims, reservations, claimsToReservations };
  } finally {
    await platform.stop();
    const redis = store.redis;
    for (const id of hotIds) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `*{c:${id}}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
    await store.close();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}
