/**
 * (n) Stock buckets (库存分桶): how one hot campaign's Redis work spreads over a cluster's masters. On a local
 * Redis Cluster of four masters (no replicas: only the masters' CPU is read), the hot-path store reserves at a
 * fixed offered rate into one seckill campaign kept in 1, 2 and 4 buckets, each bucket on a master of its own
 * (campaign ids are drawn until they are). For each: every master's CPU (`INFO cpu`, user + sys) over the run, and
 * the busiest master's share of the cluster's Redis CPU; with the achieved rate and latency. At one bucket one
 * master does all the campaign's work whatever the cluster's size; at N buckets the busiest does about 1/N.
 * Run alone: `BENCH_ONLY=buckets node load-tests/bench/run-bench.ts` (`BENCH_BUCKET_RATE`, `BENCH_BUCKET_SECONDS`).
 */
import { randomBytes } from 'node:crypto';
import { type CampaignDef, RedisHotPathStore, shardIds } from '@tuanmiao/hot-path';
import { Redis } from 'ioredis';
import { type LocalRedisCluster, startRedisCluster } from '../../hot-path/test/redis-cluster.ts';

export interface BucketRun {
  buckets: number;
  offeredPerSec: number;
  achievedPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU ms of each master over the run, busiest first. */
  masterCpuMs: number[];
  /** The busiest master's share of the masters' CPU (0..1). */
  busiestShare: number;
  /** The busiest master's CPU per reservation (µs). */
  busiestUsPerReservation: number;
}

export interface BucketBenchResult {
  masters: number;
  runs: BucketRun[];
}

function campaign(buckets: number): CampaignDef {
  const now = Date.now();
  return {
    id: `cmp_bkt_${randomBytes(5).toString('hex')}`,
    type: 'seckill',
    title: 'bucket bench',
    skuId: 'sku_bench',
    priceFen: 100,
    startsAtMs: now - 60_000,
    endsAtMs: now + 3_600_000,
    stockTotal: 50_000_000,
    perUserLimit: 1_000_000,
    stopped: false,
    killSwitch: false,
    dryRun: false,
    stockBuckets: buckets,
  };
}

async function cpuMsOf(port: number): Promise<number> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const info = await r.info('cpu');
    const v = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return (v('used_cpu_sys') + v('used_cpu_user')) * 1000;
  } finally {
    r.disconnect();
  }
}

/** A campaign of `buckets` buckets whose buckets sit on as many different masters. */
async function spreadCampaign(
  cluster: LocalRedisCluster,
  prefix: string,
  buckets: number,
): Promise<CampaignDef> {
  for (;;) {
    const def = campaign(buckets);
    const ports = await Promise.all(
      shardIds(def.id, buckets).map((s) => cluster.masterPortFor(`${prefix}tm:{c:${s}}:meta`)),
    );
    if (new Set(ports).size === buckets) return def;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function measure(
  cluster: LocalRedisCluster,
  store: RedisHotPathStore,
  buckets: number,
  ratePerSec: number,
  seconds: number,
): Promise<BucketRun> {
  const def = await spreadCampaign(cluster, store.keyPrefix, buckets);
  await store.loadCampaign(def);
  const users = Array.from({ length: 20_000 }, (_, i) => `usr_b${i}`);
  let n = 0;
  const reserve = () =>
    store.reserveSeckill({
      campaignId: def.id,
      userId: users[n % users.length] as string,
      requestId: `r${n++}`,
      quantity: 1,
      reservationId: `rsv_${randomBytes(8).toString('hex')}`,
      nowMs: Date.now(),
      paymentTtlMs: 900_000,
      buckets,
    });
  // Warm up (scripts loaded on every master, connections open), then the measured run.
  await Promise.all(Array.from({ length: 200 }, reserve));
  const ports = cluster.nodes.map((x) => x.port);
  const before = await Promise.all(ports.map(cpuMsOf));
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let failed = 0;
  const started = performance.now();
  const tickMs = 10;
  for (let tick = 0; tick < (seconds * 1000) / tickMs; tick++) {
    const due = started + tick * tickMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const count = Math.round((ratePerSec * tickMs) / 1000);
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const p = reserve().then(
        (res) => {
          if (res.ok) latencies.push(performance.now() - t0);
          else failed++;
        },
        () => {
          failed++;
        },
      );
      const tracked = p.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
  }
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - started) / 1000;
  const after = await Promise.all(ports.map(cpuMsOf));
  if (failed > 0) throw new Error(`${failed} reservations failed in the bucket bench`);
  const cpu = ports.map((_, i) => (after[i] ?? 0) - (before[i] ?? 0)).sort((a, b) => b - a);
  const sum = cpu.reduce((s, x) => s + x, 0);
  latencies.sort((a, b) => a - b);
  return {
    buckets,
    offeredPerSec: ratePerSec,
    achievedPerSec: latencies.length / elapsedS,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    masterCpuMs: cpu,
    busiestShare: sum > 0 ? (cpu[0] ?? 0) / sum : 0,
    busiestUsPerReservation: ((cpu[0] ?? 0) * 1000) / Math.max(1, latencies.length),
  };
}

export async function runBucketBench(
  opts: { ratePerSec?: number; seconds?: number; log?: (line: string) => void } = {},
): Promise<BucketBenchResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const rate = opts.ratePerSec ?? 3_000;
  const seconds = opts.seconds ?? 6;
  const cluster = await startRedisCluster({ masters: 4, replicas: 0 });
  const store = new RedisHotPathStore({
    clusterNodes: cluster.seeds,
    keyPrefix: `bench:${randomBytes(3).toString('hex')}:`,
    autoPipelining: true,
  });
  const runs: BucketRun[] = [];
  try {
    for (const buckets of [1, 2, 4]) runs.push(await measure(cluster, store, buckets, rate, seconds));
  } finally {
    await store.close();
    await cluster.stop();
  }
  log(`\n(n) stock buckets: one campaign at ${rate}/s offered for ${seconds} s, Redis Cluster of 4 masters`);
  log(
    '| buckets | achieved/s | p50 ms | p99 ms | masters CPU ms (busiest first) | busiest share | busiest µs/reservation |',
  );
  log('|---|---|---|---|---|---|---|');
  for (const r of runs) {
    log(
      `| ${r.buckets} | ${r.achievedPerSec.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ` +
        `${r.masterCpuMs.map((x) => x.toFixed(0)).join(' / ')} | ${(r.busiestShare * 100).toFixed(0)}% | ` +
        `${r.busiestUsPerReservation.toFixed(1)} |`,
    );
  }
  const one = runs[0]?.busiestUsPerReservation ?? 0;
  for (const r of runs.slice(1))
    log(
      `busiest master's CPU per reservation, ${r.buckets} buckets against 1: ${(r.busiestUsPerReservation / one).toFixed(2)}×`,
    );
  return { masters: 4, runs };
}
