/**
 * Issue 17's figure alone: server CPU per answer of the gateway's reservation route (d) against the reference
 * route (h), a minimal Fastify route doing one reserve EVALSHA, in one run, on one platform process started as
 * in production (fresh PostgreSQL database, Redis, NATS, settlement running). The two are measured in turn over
 * several rounds (h, d, h, d, ...) so that a load spike from other work on a shared machine hits both alike;
 * settlement is drained before each gateway round. Two layouts of the platform, each on a database, Redis keys and
 * a bus namespace of its own:
 *   - whole: one process runs every service, settlement included (`npm start` with WORKERS=1);
 *   - split: the production layout of the README's deployment sketch, a gateway process (SERVICES=gateway) and a
 *     services process (every other service, settlement included); the gateway process is "the platform process"
 *     that serves the route, and the services process's CPU per answer is printed beside it, so that no cost hides.
 * Prints each round's figures, each round's ratio of server CPU per answer (gateway process ÷ reference, target at
 * most 1.5) and the median ratio of each layout.
 * Run alone: `BENCH_ONLY=gateway-cpu node load-tests/bench/run-bench.ts` (BENCH_DURATION seconds a measurement,
 * BENCH_ROUNDS rounds, BENCH_USERS shoppers; BENCH_PROFILE_DIR writes a V8 CPU profile of the platform process
 * there, over its whole life: the log gives its pid and each measurement's start and end, to cut the peak out;
 * BENCH_PLATFORM_NODE_OPTIONS gives the platform process, and only it, Node flags to try).
 */

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { RedisHotPathStore } from '@tuanmiao/hot-path';
import pg from 'pg';
import { ALL_SERVICES } from '../../broker-services/src/config.ts';
import { type StartedPlatform, startPlatform } from '../../broker-services/test/support/platform.ts';
import { type BenchShopper, json, loginShoppers, openBenchShop } from './bench-shop.ts';
import { benchPlatformEnv } from './checkout-bench.ts';
import { spawnServer } from './child-server.ts';
import { formatFigures, type HttpFigures, measureHttp } from './http-load.ts';

export type GatewayLayout = 'whole' | 'split';

export interface GatewayCpuRound {
  reference: HttpFigures;
  /** The route on each layout measured. */
  gateway: Partial<Record<GatewayLayout, HttpFigures>>;
  /** Server CPU per answer, the process serving the route ÷ reference, by layout. */
  cpuRatio: Partial<Record<GatewayLayout, number>>;
  /** The split layout's services process (settlement): CPU per answer ÷ the reference's. */
  servicesCpuRatio?: number;
}

export interface GatewayCpuBenchResult {
  rounds: GatewayCpuRound[];
  /** The median of the rounds' ratios, by layout (target at most 1.5). */
  medianCpuRatio: Partial<Record<GatewayLayout, number>>;
}

export interface GatewayCpuBenchOptions {
  postgresUrl: string;
  redisUrl: string;
  natsUrl: string;
  durationSeconds?: number;
  connections?: number;
  users?: number;
  rounds?: number;
  /** Which layouts to measure (both by default). */
  layouts?: GatewayLayout[];
  profileDir?: string;
  /** NODE_OPTIONS of the platform processes only. */
  platformNodeOptions?: string;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One layout of the platform, started with its shoppers logged in and a campaign a round plus one to warm on. */
interface StartedLayout {
  layout: GatewayLayout;
  base: string;
  /** The process serving the route. */
  gatewayPid: number;
  /** The split layout's services process. */
  servicesPid?: number;
  campaignIds: string[];
  users: BenchShopper[];
  stop: () => Promise<void>;
}

async function startLayout(
  layout: GatewayLayout,
  o: GatewayCpuBenchOptions & { tag: string; admin: pg.Client; campaignCount: number; userCount: number },
): Promise<StartedLayout> {
  const dbName = `tm_bench_gwcpu_${o.tag}_${layout}`;
  await o.admin.query(`create database ${dbName}`);
  const databaseUrl = new URL(o.postgresUrl);
  databaseUrl.pathname = `/${dbName}`;
  const adminPassword = randomBytes(12).toString('base64url');
  const env = benchPlatformEnv({
    databaseUrl: databaseUrl.toString(),
    redisUrl: o.redisUrl,
    natsUrl: o.natsUrl,
    tag: `${o.tag}-${layout}`,
    adminPassword,
  });
  // Node flags for the platform processes alone (the reference keeps its own), to try a runtime flag on them.
  const flags = [...(o.platformNodeOptions ? [o.platformNodeOptions] : [])];
  if (o.profileDir) {
    mkdirSync(o.profileDir, { recursive: true });
    flags.push(`--cpu-prof --cpu-prof-dir=${o.profileDir}`);
  }
  if (flags.length > 0) env.NODE_OPTIONS = flags.join(' ');
  const started: StartedPlatform[] = [];
  const stop = async () => {
    for (const p of started.reverse()) await p.stop();
    await o.admin.query(`drop database if exists ${dbName} with (force)`);
  };
  try {
    if (layout === 'split') {
      const services = ALL_SERVICES.filter((s) => s !== 'gateway').join(',');
      started.push(
        await startPlatform({
          env: { ...env, SERVICES: services, NODE_ID: `${env.NODE_ID}-services` },
          timeoutMs: 90_000,
          readyPattern: /production mode: services /,
        }),
      );
      started.push(
        await startPlatform({
          env: { ...env, SERVICES: 'gateway', NODE_ID: `${env.NODE_ID}-gateway` },
          timeoutMs: 90_000,
        }),
      );
    } else {
      started.push(await startPlatform({ env, timeoutMs: 90_000 }));
    }
    const gateway = started[started.length - 1] as StartedPlatform;
    const base = gateway.baseUrl;
    const { call, adminToken, skuId } = await openBenchShop(base, adminPassword, `${o.tag} ${layout}`);
    const startsAt = new Date(Date.now() - 1000).toISOString();
    const endsAt = new Date(Date.now() + 3 * 3_600_000).toISOString();
    // Stock and a per-user limit never reached.
    const campaignIds: string[] = [];
    for (let i = 0; i < o.campaignCount; i++) {
      const c = await json<{ id: string }>(
        await call('POST', '/api/admin/campaigns', adminToken, {
          type: 'seckill',
          title: `Bench seckill ${o.tag} ${layout} ${i}`,
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
    }
    const users = await loginShoppers(base, o.tag, o.userCount);
    const servicesPid = layout === 'split' ? started[0]?.child.pid : undefined;
    return {
      layout,
      base,
      gatewayPid: gateway.child.pid as number,
      ...(servicesPid ? { servicesPid } : {}),
      campaignIds,
      users,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs (h) and (d) on each layout in turn, on databases of their own, stopped and dropped after. */
export async function runGatewayCpuBench(o: GatewayCpuBenchOptions): Promise<GatewayCpuBenchResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const durationSeconds = o.durationSeconds ?? 8;
  const connections = o.connections ?? 128;
  const userCount = o.users ?? 2000;
  const roundCount = o.rounds ?? 2;
  const layouts = o.layouts ?? ['whole', 'split'];
  const tag = randomBytes(4).toString('hex');
  const admin = new pg.Client({ connectionString: o.postgresUrl });
  await admin.connect();
  const store = new RedisHotPathStore({ redisUrl: o.redisUrl });
  const hotIds: string[] = [];
  const referenceCampaign = `cmp_reference_${tag}`;
  const started: StartedLayout[] = [];
  try {
    for (const layout of layouts) {
      const s = await startLayout(layout, { ...o, tag, admin, campaignCount: roundCount + 1, userCount });
      started.push(s);
      hotIds.push(...s.campaignIds);
      const pids = `pid ${s.gatewayPid}${s.servicesPid ? `, services pid ${s.servicesPid}` : ''}`;
      log(`(gateway-cpu) ${layout} platform ${s.base} (${pids}): ${s.users.length} shoppers logged in`);
    }
    const users = started[0]?.users ?? [];
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
    const reserveLoad = (s: StartedLayout, id: string) => ({
      url: s.base,
      serverPid: s.gatewayPid,
      ...(s.servicesPid ? { namedPids: { services: s.servicesPid } } : {}),
      method: 'POST' as const,
      path: `/api/seckill/${id}/reservations`,
      connections,
      headers: { 'content-type': 'application/json' },
      next: (i: number) => ({
        headers: { authorization: s.users[i % s.users.length]?.auth as string },
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
    for (const s of started)
      await measureHttp({ ...reserveLoad(s, s.campaignIds[roundCount] as string), durationSeconds });
    const rounds: GatewayCpuRound[] = [];
    try {
      for (let round = 0; round < roundCount; round++) {
        await drained();
        log(`(h) round ${round + 1} starts at ${new Date().toISOString()}`);
        const ref = await measureHttp({ ...referenceLoad, durationSeconds, breakdown: true });
        log(formatFigures(`(h) round ${round + 1} reference: minimal Fastify + one reserve EVALSHA`, ref));
        const refCpu = Math.max(1e-9, ref.serverCpuMsPerRequest ?? 0);
        const r: GatewayCpuRound = { reference: ref, gateway: {}, cpuRatio: {} };
        for (const s of started) {
          await drained();
          log(`(d) round ${round + 1} ${s.layout} starts at ${new Date().toISOString()}`);
          const gw = await measureHttp({
            ...reserveLoad(s, s.campaignIds[round] as string),
            durationSeconds,
            breakdown: true,
          });
          log(
            formatFigures(
              `(d) round ${round + 1} ${s.layout}: gateway POST /api/seckill/:id/reservations`,
              gw,
            ),
          );
          r.gateway[s.layout] = gw;
          r.cpuRatio[s.layout] = +((gw.serverCpuMsPerRequest ?? 0) / refCpu).toFixed(3);
          const services = gw.cpuPerAnswer?.services;
          if (s.layout === 'split' && services !== undefined)
            r.servicesCpuRatio = +(services / refCpu).toFixed(3);
          log(
            `(gateway-cpu) round ${round + 1} ${s.layout}: server CPU per answer, gateway process ÷ reference = ${r.cpuRatio[s.layout]}${
              s.layout === 'split' && services !== undefined
                ? ` (services process, settling: ${services} ms per answer, ${r.servicesCpuRatio}× the reference)`
                : ''
            }`,
          );
        }
        rounds.push(r);
      }
    } finally {
      await reference.stop();
    }
    const medianCpuRatio: Partial<Record<GatewayLayout, number>> = {};
    for (const s of started) {
      const sorted = rounds.map((r) => r.cpuRatio[s.layout] ?? 0).sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
      medianCpuRatio[s.layout] = median;
      log(
        `(gateway-cpu) ${s.layout}: ratio of server CPU per answer, median of ${rounds.length}: ${median} (target <= 1.5: ${median <= 1.5 ? 'met' : 'MISSED'})`,
      );
    }
    await drained();
    return { rounds, medianCpuRatio };
  } finally {
    for (const s of started.reverse()) await s.stop();
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
    await admin.end();
  }
}
