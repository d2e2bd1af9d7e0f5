/**
 * The bench's scaling section: the gateway's reservation route at its peak with WORKERS=1 and WORKERS=2 in the
 * same run (each a fresh platform on the same database, Redis and NATS), with where the machine's CPU went per
 * reservation; and from the worker group's figures a capacity model: how many cores of gateway, Redis and
 * PostgreSQL a target rate needs, computed from the measured CPU per reservation of each part.
 */
import { randomBytes } from 'node:crypto';
import { MAX_STOCK_BUCKETS, type RedisHotPathStore } from '@tuanmiao/hot-path';
import { startPlatform } from '../../broker-services/test/support/platform.ts';
import { loginShoppers } from './bench-shop.ts';
import { cpuPerAnswer, cpuSnapshot } from './cpu.ts';
import { formatFigures, type HttpFigures, measureHttp } from './http-load.ts';

export interface WorkerScalingOptions {
  databaseUrl: string;
  redisUrl: string;
  natsUrl: string;
  durationSeconds: number;
  connections: number;
  users: number;
  /** Worker counts to measure, in order (the platform is restarted for each). */
  workers: number[];
  /** Waits until settlement has caught up with the given campaigns. */
  settled: (store: RedisHotPathStore, campaignIds: string[]) => Promise<void>;
  store: RedisHotPathStore;
  /** Every campaign created is added here, for the caller to delete its keys. */
  campaignIds: string[];
  log: (line: string) => void;
}

export interface WorkerScalingRun {
  workers: number;
  figures: HttpFigures;
  /**
   * ms of CPU per reservation by part from the peak's start until settlement had written every order of it: a
   * peak outruns settlement (the backlog drains after), so the peak's window alone undercounts PostgreSQL.
   */
  cpuThroughSettlement?: Record<string, number>;
}

/** Cores a part needs at a rate: `rate × ms per reservation / 1000 / utilisation`. */
export interface CapacityPlan {
  /** Busy share a planned core runs at, leaving headroom for a peak's spikes and a lost node. */
  utilisation: number;
  /** ms of CPU per reservation by part, as measured (the worker group's run). */
  msPerReservation: {
    gateway: number;
    servicesAndSettlement: number;
    redis: number;
    postgresql: number;
    nats: number;
  };
  /** What one Redis core (one shard, one hot campaign without buckets) holds at that utilisation. */
  reservationsPerRedisCore: number;
  targets: Array<{
    reservationsPerSec: number;
    cores: {
      gateway: number;
      servicesAndSettlement: number;
      redis: number;
      postgresql: number;
      nats: number;
    };
    /** Buckets one campaign taking the whole rate needs so that no Redis core passes the utilisation. */
    bucketsForOneCampaign: number;
  }>;
}

/** Runs the gateway's reservation peak once per worker count; returns each run's figures. */
export async function runWorkerScaling(o: WorkerScalingOptions): Promise<WorkerScalingRun[]> {
  const runs: WorkerScalingRun[] = [];
  // The first platform creates the admin; the later ones find it in the same database.
  const adminUser = `admin${randomBytes(4).toString('hex')}`;
  const adminPassword = randomBytes(12).toString('base64url');
  for (const workers of o.workers) {
    const tag = randomBytes(4).toString('hex');
    const platform = await startPlatform({
      env: {
        DATABASE_URL: o.databaseUrl,
        REDIS_URL: o.redisUrl,
        NATS_URL: o.natsUrl,
        MIGRATE_ON_START: '1',
        JWT_SECRET: randomBytes(32).toString('base64url'),
        // The orders service seals addresses; production mode refuses to start without a key.
        ADDRESS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        DEV_LOGIN: '1',
        PAYMENT_PROVIDER: 'dev',
        ADMIN_USERNAME: adminUser,
        ADMIN_PASSWORD: adminPassword,
        BROKER_NAMESPACE: `bench-${tag}`,
        NODE_ID: `bench-${tag}`,
        WORKERS: String(workers),
        RATE_LIMIT_PER_IP_PER_SECOND: '100000000',
        RATE_LIMIT_PER_USER_PER_SECOND: '100000000',
        LOG_LEVEL: 'warn',
      },
      timeoutMs: 120_000,
    });
    try {
      const base = platform.baseUrl;
      const call = async <T>(method: string, p: string, token: string | undefined, body?: unknown) => {
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
      const adminToken = (
        await call<{ token: string }>('POST', '/api/admin/auth/login', undefined, {
          username: adminUser,
          password: adminPassword,
        })
      ).token;
      const product = await call<{ skus: { id: string }[] }>('POST', '/api/admin/products', adminToken, {
        title: `Bench ${tag}`,
        skus: [{ name: 'default', priceFen: 9900 }],
      });
      const campaign = async () =>
        (
          await call<{ id: string }>('POST', '/api/admin/campaigns', adminToken, {
            type: 'seckill',
            title: `Bench workers ${tag}`,
            skuId: product.skus[0]?.id ?? '',
            priceFen: 100,
            startsAt: new Date(Date.now() - 1000).toISOString(),
            endsAt: new Date(Date.now() + 3 * 3_600_000).toISOString(),
            stockTotal: 10_000_000,
            perUserLimit: 100,
          })
        ).id;
      const warm = await campaign();
      const peak = await campaign();
      o.campaignIds.push(warm, peak);
      const auth = (await loginShoppers(base, tag, o.users)).map((u) => u.auth);
      const load = (campaignId: string) => ({
        url: base,
        serverPid: platform.child.pid,
        method: 'POST' as const,
        path: `/api/seckill/${campaignId}/reservations`,
        connections: o.connections,
        headers: { 'content-type': 'application/json' },
        next: (i: number) => ({
          headers: { authorization: auth[i % auth.length] as string },
          body: `{"quantity":1,"requestId":"w-${tag}-${campaignId.slice(-6)}-${i}"}`,
        }),
      });
      await measureHttp({ ...load(warm), durationSeconds: Math.max(1, Math.round(o.durationSeconds / 4)) });
      await o.settled(o.store, [warm]);
      const before = cpuSnapshot({ server: platform.child.pid, generator: process.pid });
      const figures = await measureHttp({
        ...load(peak),
        durationSeconds: o.durationSeconds,
        breakdown: true,
      });
      o.log(formatFigures(`(w) gateway reservations, WORKERS=${workers}`, figures));
      await o.settled(o.store, [warm, peak]);
      const after = cpuSnapshot({ server: platform.child.pid, generator: process.pid });
      const throughSettlement = cpuPerAnswer(before, after, figures.statusCounts['201'] ?? 0);
      if (throughSettlement) {
        o.log(
          `    CPU ms per reservation through settlement: ${Object.entries(throughSettlement)
            .map(([part, ms]) => `${part} ${ms}`)
            .join(', ')}`,
        );
      }
      runs.push({
        workers,
        figures,
        ...(throughSettlement ? { cpuThroughSettlement: throughSettlement } : {}),
      });
    } finally {
      await platform.stop();
    }
  }
  return runs;
}

const ceil1 = (n: number) => Math.max(1, Math.ceil(n));

/**
 * The capacity model from a worker group's run: in that run the platform's primary process did the services'
 * work and settlement (its worker threads), the child processes were the gateways.
 */
export function capacityPlan(run: WorkerScalingRun, targets: number[], utilisation = 0.7): CapacityPlan {
  const cpu = run.cpuThroughSettlement ?? run.figures.cpuPerAnswer ?? {};
  const split = run.workers > 1;
  const ms = {
    gateway: (split ? cpu.serverWorkers : cpu.server) ?? 0,
    servicesAndSettlement: split ? (cpu.server ?? 0) : 0,
    redis: cpu.redis ?? 0,
    postgresql: cpu.postgresql ?? 0,
    nats: cpu.nats ?? 0,
  };
  // 0 cores for a part means it was not measured: a part's CPU is summed over its processes, and on a shared
  // machine another user's exiting processes of the same server can make the sum go down between snapshots.
  const cores = (rate: number, msPer: number) => (msPer > 0 ? ceil1((rate * msPer) / 1000 / utilisation) : 0);
  const perRedisCore = ms.redis > 0 ? Math.floor((1000 / ms.redis) * utilisation) : 0;
  return {
    utilisation,
    msPerReservation: ms,
    reservationsPerRedisCore: perRedisCore,
    targets: targets.map((rate) => ({
      reservationsPerSec: rate,
      cores: {
        gateway: cores(rate, ms.gateway),
        servicesAndSettlement: cores(rate, ms.servicesAndSettlement),
        redis: cores(rate, ms.redis),
        postgresql: cores(rate, ms.postgresql),
        nats: cores(rate, ms.nats),
      },
      bucketsForOneCampaign: perRedisCore > 0 ? ceil1(rate / perRedisCore) : 0,
    })),
  };
}

/** The plan as printed lines. */
export function formatCapacityPlan(plan: CapacityPlan): string[] {
  const m = plan.msPerReservation;
  const lines = [
    `capacity model (cores at ${Math.round(plan.utilisation * 100)}% busy, from the measured CPU per reservation: ` +
      `gateway ${m.gateway} ms, services+settlement ${m.servicesAndSettlement} ms, Redis ${m.redis} ms, ` +
      `PostgreSQL ${m.postgresql} ms, NATS ${m.nats} ms); one Redis core holds ${plan.reservationsPerRedisCore} reservations/s`,
  ];
  for (const t of plan.targets) {
    const c = t.cores;
    lines.push(
      `  ${t.reservationsPerSec.toLocaleString('en-US')} reservations/s: gateway ${c.gateway} cores, ` +
        `services+settlement ${c.servicesAndSettlement}, Redis ${c.redis} (shards), ` +
        `PostgreSQL ${c.postgresql || 'not measured'}, NATS ${c.nats}; ` +
        `one campaign alone needs ${t.bucketsForOneCampaign} stock buckets` +
        (t.bucketsForOneCampaign > MAX_STOCK_BUCKETS
          ? ` (a campaign has at most ${MAX_STOCK_BUCKETS}: past that, split the sale over several campaigns)`
          : ''),
    );
  }
  return lines;
}
