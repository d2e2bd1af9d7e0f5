/**
 * (i) What a stronger acknowledgement costs: the store's reservations on private `redis-server`s, in one run,
 *   - `primary` (the default): answered once the script ran on a primary with AOF `everysec` (a crash loses up
 *     to about a second of answered reservations; a failover, what the replica had not received yet);
 *   - `wait-replica`: the same primary, answered once its replica has the write (`WAIT 1`, one per batch of
 *     replies on the auto-pipelined connection);
 *   - AOF `always`: the default acknowledgement on a primary that fsyncs every write before it answers.
 * Each as reservations per second and latency at the same concurrency, and as a ratio to `primary`.
 * Run alone: `BENCH_ONLY=ack node load-tests/bench/run-bench.ts`.
 */
import { randomBytes } from 'node:crypto';
import { type CampaignDef, RedisHotPathStore, type RedisHotPathStoreOptions } from '@tuanmiao/hot-path';
import { type RedisServer, startRedisServer } from '../../hot-path/test/redis-server.ts';

export interface AckFigures {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface AckBenchResult {
  operations: number;
  concurrency: number;
  /** Rounds, each measuring the three in turn; figures are each one's median round. */
  rounds: number;
  primary: AckFigures;
  waitReplica: AckFigures;
  aofAlways: AckFigures;
  ratios: { waitReplicaToPrimary: number; aofAlwaysToPrimary: number };
}

function campaign(): CampaignDef {
  const now = Date.now();
  return {
    id: `cmp_ack_${randomBytes(4).toString('hex')}`,
    type: 'seckill',
    title: 'ack bench',
    skuId: 'sku_bench',
    priceFen: 100,
    startsAtMs: now - 60_000,
    endsAtMs: now + 3_600_000,
    stockTotal: 100_000_000,
    perUserLimit: 100_000_000,
    stopped: false,
    killSwitch: false,
    dryRun: false,
  };
}

/** The median round of each figure. */
function median(rounds: AckFigures[]): AckFigures {
  const mid = (pick: (f: AckFigures) => number) => {
    const v = rounds.map(pick).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)] ?? 0;
  };
  return { opsPerSec: mid((f) => f.opsPerSec), p50Ms: mid((f) => f.p50Ms), p99Ms: mid((f) => f.p99Ms) };
}

async function measure(
  url: string,
  ack: RedisHotPathStoreOptions['ack'],
  operations: number,
  concurrency: number,
): Promise<AckFigures> {
  const store = new RedisHotPathStore({ redisUrl: url, autoPipelining: true, ack, ackTimeoutMs: 1000 });
  try {
    const def = campaign();
    await store.loadCampaign(def);
    const run = async (n: number, tag: string, latencies?: number[]) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < n) {
            const i = next++;
            const started = performance.now();
            const r = await store.reserveSeckill({
              campaignId: def.id,
              userId: `usr_${i % 5000}`,
              requestId: `${tag}-${i}`,
              quantity: 1,
              reservationId: `rsv_${tag}${i}`,
              nowMs: Date.now(),
              paymentTtlMs: 3_600_000,
            });
            if (!r.ok) throw new Error(`ack bench reservation refused: ${r.code}`);
            latencies?.push(performance.now() - started);
          }
        }),
      );
    };
    await run(Math.min(2000, operations), 'warm');
    const latencies: number[] = [];
    const started = performance.now();
    await run(operations, 'm', latencies);
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      +(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0).toFixed(2);
    return { opsPerSec: Math.round(operations / seconds), p50Ms: at(0.5), p99Ms: at(0.99) };
  } finally {
    await store.close();
  }
}

/** Runs section (i) on servers of its own, stopped after. */
export async function runAckBench(
  o: { operations?: number; concurrency?: number; rounds?: number; log?: (line: string) => void } = {},
): Promise<AckBenchResult> {
  const operations = o.operations ?? 20_000;
  const concurrency = o.concurrency ?? 128;
  const rounds = o.rounds ?? 3;
  const log = o.log ?? ((line: string) => console.log(line));
  const servers: RedisServer[] = [];
  try {
    const primary = await startRedisServer({ args: ['--appendonly', 'yes', '--appendfsync', 'everysec'] });
    servers.push(primary);
    const replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    servers.push(replica);
    while (!(await replica.admin.info('replication')).includes('master_link_status:up'))
      await new Promise((r) => setTimeout(r, 50));
    const always = await startRedisServer({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    servers.push(always);

    // In turn, several rounds: on a shared machine a load spike then hits all three alike.
    const runs: Record<'primary' | 'waitReplica' | 'aofAlways', AckFigures[]> = {
      primary: [],
      waitReplica: [],
      aofAlways: [],
    };
    for (let round = 0; round < rounds; round++) {
      runs.primary.push(await measure(primary.url, 'primary', operations, concurrency));
      runs.waitReplica.push(await measure(primary.url, 'wait-replica', operations, concurrency));
      runs.aofAlways.push(await measure(always.url, 'primary', operations, concurrency));
    }
    const primaryFigures = median(runs.primary);
    const waitReplica = median(runs.waitReplica);
    const aofAlways = median(runs.aofAlways);
    const result: AckBenchResult = {
      operations,
      concurrency,
      rounds,
      primary: primaryFigures,
      waitReplica,
      aofAlways,
      ratios: {
        waitReplicaToPrimary: +(waitReplica.opsPerSec / primaryFigures.opsPerSec).toFixed(3),
        aofAlwaysToPrimary: +(aofAlways.opsPerSec / primaryFigures.opsPerSec).toFixed(3),
      },
    };
    const line = (name: string, f: AckFigures) =>
      `(i) ${name}: ${f.opsPerSec} reservations/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms ` +
      `(${concurrency} in flight, median of ${rounds} rounds)`;
    log(line('ack primary, AOF everysec (default)', primaryFigures));
    log(line('ack wait-replica (WAIT 1)', waitReplica));
    log(line('ack primary, AOF always', aofAlways));
    log(
      `(i) ratio to the default ack: wait-replica ${result.ratios.waitReplicaToPrimary}, ` +
        `AOF always ${result.ratios.aofAlwaysToPrimary}`,
    );
    return result;
  } finally {
    for (const s of servers.reverse()) await s.dispose();
  }
}
