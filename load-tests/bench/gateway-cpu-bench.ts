/**
 * Issue 17's figure alone: server CPU per answer of the gateway's reservation route (d) against the reference
 * route (h), a minimal Fastify route doing one reserve EVALSHA, in one run, on one platform process started as
 * in production (fresh PostgreSQL database, Redis, NATS, settlement running). The two are measured in turn over
 * several rounds (h, d, h, d, ...) so that a load spike from other work on a shared machine hits both alike;
 * settlement is drained before each gateway round. Prints each round's figures, each round's ratio of server
 * CPU per answer (d ÷ h, target at most 1.5) and the median ratio.
 * Run alone: `BENCH_ONLY=gateway-cpu node load-tests/bench/run-bench.ts` (BENCH_DURATION seconds a measurement,
 * BENCH_ROUNDS rounds, BENCH_USERS shoppers; BENCH_PROFILE_DIR writes a V8 CPU profile of the platform process
 * there, over its whole life: the log gives its pid and each measurement's start and end, to cut the peak out;
 * BENCH_PLATFORM_NODE_OPTIONS gives the platform process, and only it, Node flags to try).
 */

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { RedisHotPathStore } from '@tuanmiao/hot-path';
import pg from 'pg';
import { startPlatform } from '../../broker-services/test/support/platform.ts';
import { json, openBenchShop } from './bench-shop.ts';
import { benchPlatformEnv } from './checkout-bench.ts';
import { spawnServer } from './child-server.ts';
import { formatFigures, type HttpFigures, measureHttp } from './http-load.ts';

export interface GatewayCpuRound {
  reference: HttpFigures;
  gateway: HttpFigures;
  /** Server CPU per answer, gateway ÷ reference. */
  cpuRatio: number;
}

export interface GatewayCpuBenchResult {
  rounds: GatewayCpuRound[];
  /** The median of the rounds' ratios (target at most 1.5). */
  medianCpuRatio: number;
}

export interface GatewayCpuBenchOptions {
  postgresUrl: string;
  redisUrl: string;
  natsUrl: string;
  durationSeconds?: number;
  connections?: number;
  users?: number;
  rounds?: number;
  profileDir?: string;
  /** NODE_OPTIONS of the platform process only. */
  platformNodeOptions?: string;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs (h) and (d) in turn on a platform and a database of their own, stopped and dropped after. */
export async function runGatewayCpuBench(o: GatewayCpuBenchOptions): Promise<GatewayCpuBenchResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const durationSeconds = o.durationSeconds ?? 8;
  const connections = o.connections ?? 128;
  const userCount = o.users ?? 2000;
  const roundCount = o.rounds ?? 2;
  const tag = randomBytes(4).toString('hex');
  const dbName = `tm_bench_gwcpu_${tag}`;
  const admin = new pg.Client({ connectionString: o.postgresUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const databaseUrl = new URL(o.postgresUrl);
  databaseUrl.pathname = `/${dbName}`;
  const store = new RedisHotPathStore({ redisUrl: o.redisUrl });
  const hotIds: string[] = [];
  const referenceCampaign = `cmp_reference_${tag}`;
  const adminPassword = randomBytes(12).toString('base64url');
  const env = benchPlatformEnv({
    databaseUrl: databaseUrl.toString(),
    redisUrl: o.redisUrl,
    natsUrl: o.natsUrl,
    tag,
    adminPassword,
  });
  // Node flags for the platform process alone (the reference keeps its own), to try a runtime flag on it.
  const flags = [...(o.platformNodeOptions ? [o.platformNodeOptions] : [])];
  if (o.profileDir) {
    mkdirSync(o.profileDir, { recursive: true });
    flags.push(`--cpu-prof --cpu-prof-dir=${o.profileDir}`);
  }
  if (flags.length > 0) env.NODE_OPTIONS = flags.join(' ');
  const platform = await startPlatform({ env, timeoutMs: 90_000 });
  try {
    const base = platform.baseUrl;
    const { call, adminToken, skuId } = await openBenchShop(base, adminPassword, tag);
    const startsAt = new Date(Date.now() - 1000).toISOString();
    const endsAt = new Date(Date.now() + 3 * 3_600_000).toISOString();
    // One campaign a round plus one to warm up on, each with stock and a per-user limit never reached.
    const campaignIds: string[] = [];
    for (let round = 0; round < roundCount + 1; round++) {
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
      campaignIds.push(c.id);
      hotIds.push(c.id);
    }
    const users: { auth: string; id: string }[] = [];
    for (let i = 0; i < userCount; i += 16) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(16, userCount - i) }, async (_, k) =>
          json<{ token: string; user: { id: string } }>(
            await call('POST', '/api/auth/dev', undefined, { openid: `bench-${tag}-${i + k}` }),
            'dev login',
          ),
        ),
      );
      for (const u of batch) users.push({ auth: `Bearer ${u.token}`, id: u.user.id });
    }
    log(`(gateway-cpu) platform ${base} (pid ${platform.child.pid}): ${users.length} shoppers logged in`);
    const reference = await spawnServer('fastify-evalsha.ts', {
      REDIS_URL: o.redisUrl,
      CAMPAIGN_ID: referenceCampaign,
    });
    // The same headers and bodies as the gateway's, as in run-bench's (h).
    const referenceLoad = {
      url: reference.url,
      serverPid: reference.pid,
      method: 'POST' as const,
      path: '/reserve',
      connections,
      headers: { 'content-type': 'application/json' },
      next: (i: number) => ({
        headers: {
          authorization: users[i % users.length]?.auth as string,
          'x-user': users[i % users.length]?.id as string,
        },
        body: `{"quantity":1,"requestId":"ref-${tag}-${i}"}`,
      }),
    };
    const reserveLoad = (id: string) => ({
      url: base,
      serverPid: platform.child.pid,
      method: 'POST' as const,
      path: `/api/seckill/${id}/reservations`,
      connections,
      headers: { 'content-type': 'application/json' },
      next: (i: number) => ({
        headers: { authorization: users[i % users.length]?.auth as string },
        body: `{"quantity":1,"requestId":"b-${tag}-${id.slice(-6)}-${i}"}`,
      }),
    });
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
    // A whole measurement's warm-up each, then drained: after a quarter of one (run-bench's), the first gateway
    // round still measured 20-190% more CPU per answer than the later ones (its heap still growing).
    await measureHttp({ ...referenceLoad, durationSeconds });
    await measureHttp({ ...reserveLoad(campaignIds[roundCount] as string), durationSeconds });
    const rounds: GatewayCpuRound[] = [];
    try {
      for (let round = 0; round < roundCount; round++) {
        await drained();
        log(`(h) round ${round + 1} starts at ${new Date().toISOString()}`);
        const ref = await measureHttp({ ...referenceLoad, durationSeconds, breakdown: true });
        log(formatFigures(`(h) round ${round + 1} reference: minimal Fastify + one reserve EVALSHA`, ref));
        await drained();
        log(`(d) round ${round + 1} starts at ${new Date().toISOString()}`);
        const gw = await measureHttp({
          ...reserveLoad(campaignIds[round] as string),
          durationSeconds,
          breakdown: true,
        });
        log(formatFigures(`(d) round ${round + 1} gateway POST /api/seckill/:id/reservations`, gw));
        const cpuRatio = +(
          (gw.serverCpuMsPerRequest ?? 0) / Math.max(1e-9, ref.serverCpuMsPerRequest ?? 0)
        ).toFixed(3);
        log(`(gateway-cpu) round ${round + 1}: server CPU per answer, gateway ÷ reference = ${cpuRatio}`);
        rounds.push({ reference: ref, gateway: gw, cpuRatio });
      }
    } finally {
      await reference.stop();
    }
    const sorted = rounds.map((r) => r.cpuRatio).sort((a, b) => a - b);
    const medianCpuRatio = sorted[Math.floor(sorted.length / 2)] ?? 0;
    log(
      `(gateway-cpu) ratio of server CPU per answer, median of ${rounds.length}: ${medianCpuRatio} (target <= 1.5: ${medianCpuRatio <= 1.5 ? 'met' : 'MISSED'})`,
    );
    await drained();
    return { rounds, medianCpuRatio };
  } finally {
    await platform.stop();
    const redis = store.redis;
    for (const pattern of [...hotIds.map((id) => `*{c:${id}}*`), `*{c:${referenceCampaign}}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
    await store.close();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}
