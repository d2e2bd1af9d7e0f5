/**
 * Hot-path benchmark (not a test): the raw limit of the reserve script (EVALSHA on a pipelined client), the store's
 * reserveSeckill at several concurrencies (one round trip each), the memory store, and the join script against its
 * raw EVALSHA. Prints ratios against the raw baseline measured in the same run and returns them as JSON.
 * Run: node hot-path/bench/hot-path-bench.ts
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { type CampaignDef, type HotPathStore, MemoryHotPathStore, RedisHotPathStore } from '../src/index.ts';
import { joinGroupCall, reserveSeckillCall, type ScriptCall } from '../src/store/script-calls.ts';

export interface HotPathBenchOptions {
  redisUrl?: string;
  /** Operations per measurement. */
  operations?: number;
  concurrencies?: number[];
  /** Commands per pipeline for the raw baseline. */
  pipelineDepth?: number;
  log?: (line: string) => void;
}

export interface HotPathBenchResult {
  operations: number;
  rawReserveEvalshaOpsPerSec: number;
  storeReserve: Array<{ concurrency: number; opsPerSec: number; ratioToRaw: number }>;
  memoryReserve: { concurrency: number; opsPerSec: number; ratioToRaw: number };
  rawJoinEvalshaOpsPerSec: number;
  storeJoin: { concurrency: number; opsPerSec: number; ratioToRaw: number };
}

const PAY_TTL = 15 * 60_000;
const GROUP_SIZE = 50;

function campaign(type: CampaignDef['type'], stock: number): CampaignDef {
  const now = Date.now();
  return {
    id: `cmp_bench_${randomBytes(4).toString('hex')}`,
    type,
    title: 'bench',
    skuId: 'sku_bench',
    priceFen: 100,
    startsAtMs: now - 60_000,
    endsAtMs: now + 3600_000,
    stockTotal: stock,
    perUserLimit: 1_000_000,
    ...(type === 'groupbuy' ? { groupSize: GROUP_SIZE, groupTtlMs: 3600_000 } : {}),
    stopped: false,
    killSwitch: false,
    dryRun: false,
  };
}

async function timed(n: number, run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return Math.round(n / ((performance.now() - started) / 1000));
}

async function withConcurrency(
  n: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await op(next++);
    }),
  );
}

async function rawEvalsha(redis: Redis, sha: string, calls: ScriptCall[], depth: number): Promise<void> {
  for (let i = 0; i < calls.length; i += depth) {
    const pipe = redis.pipeline();
    for (const c of calls.slice(i, i + depth)) pipe.evalsha(sha, c.keys.length, ...c.keys, ...c.args);
    const res = await pipe.exec();
    for (const [err, value] of res ?? []) {
      if (err) throw err;
      if (typeof value === 'number' && value < 0) throw new Error(`raw call refused: ${value}`);
    }
  }
}

async function openGroups(
  store: HotPathStore,
  def: CampaignDef,
  count: number,
  tag: string,
): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `grp_${tag}${i}`);
  await withConcurrency(count, 64, async (i) => {
    const r = await store.openGroup({
      campaignId: def.id,
      userId: `usr_lead_${tag}${i}`,
      requestId: `req-lead-${tag}${i}`,
      groupId: ids[i] as string,
      reservationId: `rsv_lead_${tag}${i}`,
      nowMs: Date.now(),
      paymentTtlMs: PAY_TTL,
    });
    if (!r.ok) throw new Error(`open refused: ${r.code}`);
  });
  return ids;
}

/** Runs the whole benchmark once. */
export async function runHotPathBench(opts: HotPathBenchOptions = {}): Promise<HotPathBenchResult> {
  const n = opts.operations ?? 20_000;
  const concurrencies = opts.concurrencies ?? [64, 128, 256];
  const depth = opts.pipelineDepth ?? 256;
  const log = opts.log ?? ((line: string) => console.log(line));
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  const url = opts.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const store = new RedisHotPathStore({ redisUrl: url, keyPrefix: prefix });
  const raw = new Redis(url);
  const memory = new MemoryHotPathStore();
  try {
    const seckill = campaign('seckill', n * (concurrencies.length + 2) + 4_000);
    await store.loadCampaign(seckill);
    const k = store.keys(seckill.id);
    const reserve = store.script('reserveSeckill');
    await raw.script('LOAD', reserve.lua);
    const input = (tag: string, i: number) => ({
      campaignId: seckill.id,
      userId: `usr_${tag}${i}`,
      requestId: `req-${tag}${i}`,
      quantity: 1,
      reservationId: `rsv_${tag}${i}`,
      nowMs: Date.now(),
      paymentTtlMs: PAY_TTL,
    });

    // Warm-up (JIT, connections, script cache) so that the baseline is not measured cold.
    const warm = Array.from({ length: 2_000 }, (_, i) => reserveSeckillCall(k, input('warm', i)));
    await rawEvalsha(raw, reserve.sha1, warm, depth);
    await withConcurrency(2_000, 64, (i) => store.reserveSeckill(input('warm2_', i)));
    const rawCalls = Array.from({ length: n }, (_, i) => reserveSeckillCall(k, input('raw', i)));
    const rawReserve = await timed(n, () => rawEvalsha(raw, reserve.sha1, rawCalls, depth));
    log(`reserve script, raw EVALSHA pipelined x${depth}: ${rawReserve} ops/s (baseline)`);

    const storeReserve: HotPathBenchResult['storeReserve'] = [];
    for (const c of concurrencies) {
      const ops = await timed(n, () =>
        withConcurrency(n, c, async (i) => {
          const r = await store.reserveSeckill(input(`c${c}_`, i));
          if (!r.ok) throw new Error(`refused: ${r.code}`);
        }),
      );
      storeReserve.push({ concurrency: c, opsPerSec: ops, ratioToRaw: +(ops / rawReserve).toFixed(3) });
      log(`RedisHotPathStore.reserveSeckill @${c}: ${ops} ops/s (${(ops / rawReserve).toFixed(2)}x raw)`);
    }

    const memDef = { ...seckill, id: `${seckill.id}_mem` };
    await memory.loadCampaign(memDef);
    const memConcurrency = Math.max(...concurrencies);
    const memOps = await timed(n, () =>
      withConcurrency(n, memConcurrency, async (i) => {
        const r = await memory.reserveSeckill({ ...input('mem', i), campaignId: memDef.id });
        if (!r.ok) throw new Error(`refused: ${r.code}`);
      }),
    );
    const memoryReserve = {
      concurrency: memConcurrency,
      opsPerSec: memOps,
      ratioToRaw: +(memOps / rawReserve).toFixed(3),
    };
    log(
      `MemoryHotPathStore.reserveSeckill @${memConcurrency}: ${memOps} ops/s (${(memOps / rawReserve).toFixed(2)}x raw)`,
    );

    // Joins: groups of 50, so each group takes 49 joins; raw and store runs fill separate groups.
    const gb = campaign('groupbuy', 4 * n);
    await store.loadCampaign(gb);
    const gk = store.keys(gb.id);
    const perGroup = GROUP_SIZE - 1;
    const groupsNeeded = Math.ceil(n / perGroup);
    const rawGroups = await openGroups(store, gb, groupsNeeded, 'raw');
    const storeGroups = await openGroups(store, gb, groupsNeeded, 'st');
    const join = store.script('joinGroup');
    await raw.script('LOAD', join.lua);
    const joinInput = (groups: string[], tag: string, i: number) => ({
      campaignId: gb.id,
      groupId: groups[i % groupsNeeded] as string,
      userId: `usr_j${tag}${i}`,
      requestId: `req-j${tag}${i}`,
      reservationId: `rsv_j${tag}${i}`,
      nowMs: Date.now(),
      paymentTtlMs: PAY_TTL,
    });
    const joinCalls = Array.from({ length: n }, (_, i) => joinGroupCall(gk, joinInput(rawGroups, 'raw', i)));
    const rawJoin = await timed(n, () => rawEvalsha(raw, join.sha1, joinCalls, depth));
    log(`join script, raw EVALSHA pipelined x${depth}: ${rawJoin} ops/s (baseline)`);
    const joinConcurrency = Math.max(...concurrencies);
    const storeJoinOps = await timed(n, () =>
      withConcurrency(n, joinConcurrency, async (i) => {
        const r = await store.joinGroup(joinInput(storeGroups, 'st', i));
        if (!r.ok) throw new Error(`join refused: ${r.code}`);
      }),
    );
    const storeJoin = {
      concurrency: joinConcurrency,
      opsPerSec: storeJoinOps,
      ratioToRaw: +(storeJoinOps / rawJoin).toFixed(3),
    };
    log(
      `RedisHotPathStore.joinGroup @${joinConcurrency}: ${storeJoinOps} ops/s (${(storeJoinOps / rawJoin).toFixed(2)}x raw)`,
    );

    return {
      operations: n,
      rawReserveEvalshaOpsPerSec: rawReserve,
      storeReserve,
      memoryReserve,
      rawJoinEvalshaOpsPerSec: rawJoin,
      storeJoin,
    };
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await raw.del(...keys);
    } while (cursor !== '0');
    raw.disconnect();
    await store.close();
    await memory.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runHotPathBench();
  console.log(JSON.stringify(result, null, 2));
}
