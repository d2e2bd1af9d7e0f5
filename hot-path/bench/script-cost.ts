/**
 * Redis CPU per script call (not a test): each script runs on a private `redis-server`, and `INFO commandstats`
 * gives its `usec_per_call` (time inside Redis, not round trips). The reference is a one-command EVALSHA (`INCR`)
 * measured in the same run, interleaved with the scripts: the calls go in segments of `SEGMENT` (reference,
 * reserve, join, each piece, then again), each segment between a `CONFIG RESETSTAT` and an `INFO commandstats`,
 * and each script's figure is the lowest of its segments' usec_per_call (see `lowest`). On a shared machine whose
 * load moves within seconds, measuring each script in one block after the other gave ratios that moved by half
 * from run to run (reserve 22.5x and 30.7x); interleaved and taken at their lowest, they hold.
 * Run: node hot-path/bench/script-cost.ts   (BENCH_SCRIPT_CALLS=20000 by default)
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { type CampaignDef, RedisHotPathStore } from '../src/index.ts';
import { joinGroupCall, reserveSeckillCall, type ScriptCall } from '../src/store/script-calls.ts';
import { startRedisServer } from '../test/redis-server.ts';

export interface ScriptCostResult {
  calls: number;
  /** usec_per_call of a one-command EVALSHA (INCR), the reference. */
  oneCommandUsec: number;
  reserveUsec: number;
  /** The same reservation on a campaign with four levels' benefits, by a shopper of one of them. */
  reserveLevelUsec: number;
  joinUsec: number;
  reserveRatio: number;
  joinRatio: number;
  /** What the pieces a reservation is made of cost alone (usec_per_call of a script doing only that). */
  pieces: Array<{ piece: string; usec: number }>;
  /**
   * The reserve script stopped after each of its stages (`return 1` put in after it), cumulative: where its time
   * goes, Lua between the commands included.
   */
  stages: Array<{ stage: string; usec: number }>;
  /** The same for the join script. */
  joinStages: Array<{ stage: string; usec: number }>;
}

/** Where the reserve script is cut for `stages`: the line each stage ends with. */
const STAGES: Array<{ stage: string; after: string }> = [
  { stage: 'arguments read (no command)', after: 'local floorGen, floorSeq = ARGV[5], ARGV[6]' },
  {
    stage: '+ the gate (HMGET of the metadata and the holding)',
    after: 'if not meta then return refusal end',
  },
  { stage: '+ replay check', after: 'if reused then return reused end' },
  { stage: '+ limit and stock check', after: 'if check ~= 0 then return check end' },
];

/** Where the join script is cut for `joinStages`. */
const JOIN_STAGES: Array<{ stage: string; after: string }> = [
  { stage: 'arguments read (no command)', after: 'local nowMs = tonumber(ARGV[4])' },
  {
    stage: '+ the gate (HMGET of the metadata, the holding and the group)',
    after: 'if not meta then return refusal end',
  },
  { stage: '+ replay check', after: 'if earlier then return replayGroupAnswer(metaKey, earlier, meta) end' },
  { stage: '+ the group parsed and checked', after: "if free == '' then return -9 end" },
  { stage: '+ limit and stock check', after: 'if check ~= 0 then return check end' },
  { stage: "+ the group's new value", after: "  .. userId .. ':' .. slot .. ','" },
];

/**
 * One script per piece of a reservation's work, each on keys shaped as a campaign's are at the peak (a hash
 * growing by one field per reservation, a stream): what each costs, the pieces the reserve script is made of now
 * (one HMGET of the metadata with the user's holding, one HSET of the metadata with the holding, one XADD of flat
 * fields) and those earlier layouts had (the holding in a hash of its own, read and written by a command each; a
 * record hash per reservation; a cjson-encoded entry).
 */
const PIECES: Array<{
  piece: string;
  lua: string;
  keys: (i: number) => string[];
  args: (i: number) => string[];
}> = [
  { piece: 'script call alone (return 1)', lua: 'return 1', keys: () => ['cost:p0'], args: () => [] },
  {
    piece: 'HMGET 10 metadata fields + the holding (the gate)',
    lua: "redis.call('HMGET', KEYS[1], 'gate','startsAt','endsAt','perUserLimit','priceFen','gen','seq','left','facts','levels',ARGV[1]) return 1",
    keys: () => ['cost:p1'],
    args: (i) => [`@usr_new${i}`],
  },
  {
    piece: 'HSET seq, left and a new holding',
    lua: "redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'left', ARGV[1], ARGV[2], ARGV[3]) return 1",
    keys: () => ['cost:p1'],
    args: (i) => [String(i), `@usr_01JD3QZ8R6M4X2V7N9K5T1B${i}`, `rsv_01JD3QZ8R6M4X2V7N9K5T1B${i}`],
  },
  {
    piece: 'earlier: HGET of a missing holding (own hash)',
    lua: "redis.call('HGET', KEYS[1], ARGV[1]) return 1",
    keys: () => ['cost:p3'],
    args: (i) => [`usr_new${i}`],
  },
  {
    piece: 'earlier: HSET of a new holding (own hash)',
    lua: "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 1",
    keys: () => ['cost:p3'],
    args: (i) => [`usr_01JD3QZ8R6M4X2V7N9K5T1B${i}`, `rsv_01JD3QZ8R6M4X2V7N9K5T1B${i}`],
  },
  {
    piece: 'earlier: HSET 2 metadata fields (seq, left)',
    lua: "redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'left', ARGV[1]) return 1",
    keys: () => ['cost:p1'],
    args: (i) => [String(i)],
  },
  {
    piece: 'XADD of 3 flat fields (the entry now)',
    lua: "redis.call('XADD', KEYS[1], '*', 'u', ARGV[1], 'r', ARGV[2], 'f', ARGV[3]) return 1",
    keys: () => ['cost:p7'],
    args: (i) => [
      `usr_01JD3QZ8R6M4X2V7N9K5T1B${i}`,
      costLine(i),
      'seckill\t0\tsku_cost\t西湖龙井 明前特级 250g',
    ],
  },
  {
    piece: 'earlier: record HSET 9 fields + PEXPIREAT',
    lua: "redis.call('HSET', KEYS[1], 'id',ARGV[1],'userId',ARGV[2],'requestId',ARGV[3],'quantity','1','unitPriceFen','9900','createdAt','1764480000000','expiresAt','1764480900000','status','pending','fp','s:1') redis.call('PEXPIREAT', KEYS[1], 1864480000000) return 1",
    keys: (i) => [`cost:p4:${i}`],
    args: (i) => [`rsv_01JD3QZ8R6M4X2V7N9K5T1B${i}`, `usr_01JD3QZ8R6M4X2V7N9K5T1B${i}`, `req-${i}`],
  },
  {
    piece: 'earlier: cjson.encode of the entry',
    lua: "local s = cjson.encode({kind='reserve',reservationId=ARGV[1],userId=ARGV[2],requestId=ARGV[3],quantity='1',unitPriceFen='9900',createdAt='1764480000000',expiresAt='1764480900000',campaignType='seckill',skuId='sku_x',title=ARGV[4],dryRun='0',gen='1',seq='123'}) return 1",
    keys: () => ['cost:p5'],
    args: (i) => [
      `rsv_01JD3QZ8R6M4X2V7N9K5T1B${i}`,
      `usr_01JD3QZ8R6M4X2V7N9K5T1B${i}`,
      `req-${i}`,
      '西湖龙井 明前特级 250g',
    ],
  },
  {
    piece: 'earlier: XADD of one 250-byte field',
    lua: "redis.call('XADD', KEYS[1], '*', 'e', ARGV[1]) return 1",
    keys: () => ['cost:p6'],
    args: (i) => [`${'x'.repeat(240)}${i}`],
  },
  {
    // The floor of the reserve script as laid out: its three commands with the same keys, fields and reply, and
    // none of its decisions.
    piece: 'reserveSeckill: its 3 commands alone',
    lua: `local m = redis.call('HMGET', KEYS[1], 'gate','startsAt','endsAt','perUserLimit','priceFen','gen','seq','left','facts','levels',ARGV[1])
redis.call('HSET', KEYS[1], 'seq', ARGV[3], 'left', ARGV[3], ARGV[1], ARGV[2])
redis.call('XADD', KEYS[2], '*', 'u', ARGV[1], 'r', ARGV[2], 'f', m[9])
return {0, 0, m[5], m[6], 1}`,
    keys: () => ['cost:f1', 'cost:f1:stream'],
    args: (i) => [`@usr_f${i}`, costLine(i), String(i)],
  },
  {
    // The same for a join into groups of 5 (four joins per group): the metadata's HMGET with the holding and the
    // group's field, its HSET with both, the XADD, and the group in the reply.
    piece: 'joinGroup: its 3 commands alone',
    lua: `local m = redis.call('HMGET', KEYS[1], 'gate','startsAt','endsAt','perUserLimit','priceFen','gen','seq','left','facts','levels',ARGV[1],ARGV[4])
redis.call('HSET', KEYS[1], 'seq', ARGV[3], 'left', ARGV[3], ARGV[1], ARGV[2], ARGV[4], ARGV[5])
redis.call('XADD', KEYS[2], '*', 'u', ARGV[1], 'r', ARGV[2], 'f', m[9], 'g', ARGV[6])
return {0, ARGV[2], ARGV[5], m[6], 1}`,
    keys: () => ['cost:f2', 'cost:f2:stream'],
    args: (i) => {
      const slot = (i % 4) + 2;
      const members = Array.from({ length: slot }, (_, j) => `usr_j${i - slot + 1 + j}:${j + 1},`).join('');
      const free = Array.from({ length: 5 - slot }, (_, j) => `${slot + 1 + j},`).join('');
      return [
        `@usr_j${i}`,
        `${costLine(i)}\tgrp_cost${Math.floor(i / 4)}\t${slot}`,
        String(i),
        `#grp_cost${Math.floor(i / 4)}`,
        `usr_lead\t5\t1764480000000\t1764483600000\tforming\t${free}\t,${members}`,
        'usr_lead\t5\t1764480000000\t1764483600000',
      ];
    },
  },
];

/** A reservation's line as the scripts write it (see recordReservation). */
function costLine(i: number): string {
  return `req-${i}\tseckill:1\trsv_01JD3QZ8R6M4X2V7N9K5T1B${i}\t1\t1764480000000\t1764480900000\t9900\t1\t${i}\tp`;
}

const PAY_TTL = 15 * 60_000;
const DEPTH = 256;
const ONE_COMMAND = "return redis.call('INCR', KEYS[1])";

function campaign(type: CampaignDef['type'], stock: number, groupSize: number): CampaignDef {
  const now = Date.now();
  return {
    id: `cmp_cost_${randomBytes(4).toString('hex')}`,
    type,
    title: '西湖龙井 明前特级 250g',
    skuId: 'sku_cost',
    priceFen: 9_900,
    startsAtMs: now - 60_000,
    endsAtMs: now + 3600_000,
    stockTotal: stock,
    perUserLimit: 2,
    ...(type === 'groupbuy' ? { groupSize, groupTtlMs: 3600_000 } : {}),
    stopped: false,
    killSwitch: false,
    dryRun: false,
  };
}

const SEGMENT = 250;

/** Runs the calls pipelined and returns the µs Redis spent in evalsha over exactly these calls. */
async function usecOf(redis: Redis, sha: string, calls: ScriptCall[]): Promise<number> {
  await redis.config('RESETSTAT');
  for (let i = 0; i < calls.length; i += DEPTH) {
    const pipe = redis.pipeline();
    for (const c of calls.slice(i, i + DEPTH)) pipe.evalsha(sha, c.keys.length, ...c.keys, ...c.args);
    for (const [err, value] of (await pipe.exec()) ?? []) {
      if (err) throw err;
      if (typeof value === 'number' && value < 0) throw new Error(`refused: ${value}`);
    }
  }
  const stats = await redis.info('commandstats');
  const line = stats.split('\n').find((l) => l.startsWith('cmdstat_evalsha:'));
  const m = line ? /calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(line) : null;
  if (!m || Number(m[1]) !== calls.length) throw new Error(`unexpected commandstats: ${line}`);
  return Number(m[2]);
}

/** A script and its calls, measured in segments interleaved with every other one. */
interface Measured {
  name: string;
  sha: string;
  call: (i: number) => ScriptCall;
  /** usec_per_call of each segment. */
  segments: number[];
}

/** Runs `n` calls of each, segment by segment in turn, and records each segment's usec_per_call. */
async function interleaved(redis: Redis, all: Measured[], n: number): Promise<void> {
  for (let from = 0; from < n; from += SEGMENT) {
    const count = Math.min(SEGMENT, n - from);
    for (const m of all) {
      const calls = Array.from({ length: count }, (_, j) => m.call(from + j));
      m.segments.push((await usecOf(redis, m.sha, calls)) / count);
    }
  }
}

/**
 * The lowest of a script's segments: the segment least disturbed by other processes. On this shared 2-core machine
 * (run queue above 10) a script of 10 µs loses its core inside a call often enough that the median segment of the
 * same script moved from 28 to 77 µs between two runs, while the lowest moved by a tenth, and the reference's
 * lowest matched the 1.16 µs measured on a quiet machine.
 */
function lowest(m: Measured): number {
  return Math.min(...m.segments);
}

function median(m: Measured): number {
  const sorted = [...m.segments].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export async function runScriptCost(
  opts: { calls?: number; log?: (line: string) => void } = {},
): Promise<ScriptCostResult> {
  const n = opts.calls ?? Number(process.env.BENCH_SCRIPT_CALLS ?? 20_000);
  const log = opts.log ?? ((line: string) => console.log(line));
  const server = await startRedisServer({ args: ['--appendonly', 'no'] });
  const store = new RedisHotPathStore({ redisUrl: server.url, keyPrefix: 'cost:' });
  const redis = new Redis(server.url);
  try {
    const oneSha = String(await redis.script('LOAD', ONE_COMMAND));
    const oneCall = (i: number): ScriptCall => ({ script: 'one', keys: [`cost:one:${i % 1000}`], args: [] });

    // Reserve: every call a new user and request, one unit, as at the gateway's peak.
    const seckill = campaign('seckill', 2 * n + 4_000, 0);
    await store.loadCampaign(seckill);
    const k = store.keys(seckill.id);
    // The pieces read and write a metadata hash shaped as a campaign's (fields and values), not a missing key.
    await redis.hset('cost:p1', await redis.hgetall(k.meta));
    await redis.hset('cost:f1', await redis.hgetall(k.meta));
    await redis.hset('cost:f2', { ...(await redis.hgetall(k.meta)), groupSize: 5, groupTtlMs: 3600_000 });
    const reserve = store.script('reserveSeckill');
    await redis.script('LOAD', reserve.lua);
    const reserveCall = (tag: string) => (i: number) =>
      reserveSeckillCall(k, {
        campaignId: seckill.id,
        userId: `usr_${tag}${i}`,
        requestId: `req-${tag}${i}`,
        quantity: 1,
        reservationId: `rsv_${tag}${i}`,
        nowMs: Date.now(),
        paymentTtlMs: PAY_TTL,
      });

    // The same on a campaign with level benefits, the shopper of the last level listed (the longest search).
    const levels = campaign('seckill', n + 4_000, 0);
    levels.levelBenefits = ['regular', 'silver', 'gold', 'diamond'].map((levelCode, i) => ({
      levelCode,
      perUserLimit: 2 + i,
      earlyAccessMs: i * 60_000,
    }));
    await store.loadCampaign(levels);
    const lk = store.keys(levels.id);
    const reserveLevelCall = (i: number) =>
      reserveSeckillCall(lk, {
        campaignId: levels.id,
        userId: `usr_l${i}`,
        requestId: `req-l${i}`,
        quantity: 1,
        reservationId: `rsv_l${i}`,
        nowMs: Date.now(),
        paymentTtlMs: PAY_TTL,
        levelCode: 'diamond',
      });

    // Join: groups of 5 opened by the store, each joined by 4 new users.
    const size = 5;
    const gb = campaign('groupbuy', 4 * n, size);
    await store.loadCampaign(gb);
    // The join's stages never write: they join 100 groups of their own, which keep one member each.
    const groups = Math.ceil(n / (size - 1));
    const ids: string[] = [];
    const stageIds: string[] = [];
    for (let g = 0; g < groups + 100; g++) {
      const id = `grp_cost${g}`;
      const r = await store.openGroup({
        campaignId: gb.id,
        userId: `usr_lead${g}`,
        requestId: `req-lead${g}`,
        groupId: id,
        reservationId: `rsv_lead${g}`,
        nowMs: Date.now(),
        paymentTtlMs: PAY_TTL,
      });
      if (!r.ok) throw new Error(`open refused: ${r.code}`);
      (g < groups ? ids : stageIds).push(id);
    }
    const join = store.script('joinGroup');
    await redis.script('LOAD', join.lua);
    const gk = store.keys(gb.id);
    const joinCall = (i: number, tag = '') =>
      joinGroupCall(gk, {
        campaignId: gb.id,
        groupId: (tag === '' ? ids[Math.floor(i / (size - 1))] : stageIds[i % stageIds.length]) as string,
        userId: `usr_j${tag}${i}`,
        requestId: `req-j${tag}${i}`,
        reservationId: `rsv_j${tag}${i}`,
        nowMs: Date.now(),
        paymentTtlMs: PAY_TTL,
      });

    // Warm-up (script cache, allocator) outside the measured calls.
    await usecOf(
      redis,
      oneSha,
      Array.from({ length: 2_000 }, (_, i) => oneCall(i)),
    );
    await usecOf(
      redis,
      reserve.sha1,
      Array.from({ length: 2_000 }, (_, i) => reserveCall('w')(i)),
    );

    const one: Measured = { name: 'one', sha: oneSha, call: oneCall, segments: [] };
    const reserveM: Measured = { name: 'reserve', sha: reserve.sha1, call: reserveCall('m'), segments: [] };
    const reserveLevelM: Measured = {
      name: 'reserve, level row',
      sha: reserve.sha1,
      call: reserveLevelCall,
      segments: [],
    };
    const joinM: Measured = { name: 'join', sha: join.sha1, call: (i) => joinCall(i), segments: [] };
    /** The script cut after each stage: new users every call, so nothing is written before the cut. */
    const cut = async (
      lua: string,
      stages: typeof STAGES,
      call: (tag: string) => (i: number) => ScriptCall,
    ) => {
      const out: Measured[] = [];
      for (const st of stages) {
        const at = lua.indexOf(st.after);
        if (at < 0) throw new Error(`script has no stage line: ${st.after}`);
        const end = at + st.after.length;
        const sha = String(
          await redis.script('LOAD', `${lua.slice(0, end)}\nif true then return 1 end\n${lua.slice(end)}`),
        );
        out.push({ name: st.stage, sha, call: call(`s${out.length}`), segments: [] });
      }
      return out;
    };
    const joinStageM = await cut(join.lua, JOIN_STAGES, (tag) => (i) => joinCall(i, tag));
    const stageM = await cut(reserve.lua, STAGES, reserveCall);
    const pieceM: Measured[] = [];
    for (const p of PIECES) {
      const sha = String(await redis.script('LOAD', p.lua));
      pieceM.push({
        name: p.piece,
        sha,
        call: (i) => ({ script: p.piece, keys: p.keys(i), args: p.args(i) }),
        segments: [],
      });
    }
    await interleaved(redis, [one, reserveM, reserveLevelM, joinM, ...stageM, ...joinStageM, ...pieceM], n);
    const oneCommandUsec = lowest(one);
    const reserveUsec = lowest(reserveM);
    const reserveLevelUsec = lowest(reserveLevelM);
    const joinUsec = lowest(joinM);
    const pieces: ScriptCostResult['pieces'] = pieceM.map((p) => ({ piece: p.name, usec: lowest(p) }));
    const stages: ScriptCostResult['stages'] = [
      ...stageM.map((m) => ({ stage: m.name, usec: lowest(m) })),
      { stage: '+ the record: HSET metadata and holding, XADD (whole script)', usec: reserveUsec },
    ];
    const result: ScriptCostResult = {
      calls: n,
      oneCommandUsec,
      reserveUsec,
      reserveLevelUsec,
      joinUsec,
      reserveRatio: +(reserveUsec / oneCommandUsec).toFixed(2),
      joinRatio: +(joinUsec / oneCommandUsec).toFixed(2),
      pieces,
      stages,
      joinStages: [
        ...joinStageM.map((m) => ({ stage: m.name, usec: lowest(m) })),
        { stage: '+ the record: HSET metadata, holding and group, XADD (whole script)', usec: joinUsec },
      ],
    };
    log(
      `Redis CPU per call (INFO commandstats usec_per_call, lowest of ${Math.ceil(n / SEGMENT)} segments of ${SEGMENT} calls interleaved with the reference, private redis-server):`,
    );
    log(
      `  one-command EVALSHA (INCR)  ${oneCommandUsec.toFixed(2)} µs  1.00x (reference; median segment ${median(one).toFixed(2)} µs)`,
    );
    log(
      `  reserveSeckill              ${reserveUsec.toFixed(2)} µs  ${result.reserveRatio}x (median segment ${median(reserveM).toFixed(2)} µs)`,
    );
    log(
      `  reserveSeckill, level row   ${reserveLevelUsec.toFixed(2)} µs  ${(reserveLevelUsec / oneCommandUsec).toFixed(2)}x (median segment ${median(reserveLevelM).toFixed(2)} µs)`,
    );
    log(
      `  joinGroup                   ${joinUsec.toFixed(2)} µs  ${result.joinRatio}x (median segment ${median(joinM).toFixed(2)} µs)`,
    );
    log('  the reserve script stopped after each stage (cumulative):');
    for (const st of stages) {
      log(`    ${st.stage.padEnd(62)} ${st.usec.toFixed(2)} µs  ${(st.usec / oneCommandUsec).toFixed(2)}x`);
    }
    log('  the join script stopped after each stage (cumulative):');
    for (const st of result.joinStages) {
      log(`    ${st.stage.padEnd(66)} ${st.usec.toFixed(2)} µs  ${(st.usec / oneCommandUsec).toFixed(2)}x`);
    }
    log('  pieces of a reservation, each alone in a script:');
    for (const p of pieces) {
      log(`    ${p.piece.padEnd(40)} ${p.usec.toFixed(2)} µs  ${(p.usec / oneCommandUsec).toFixed(2)}x`);
    }
    return result;
  } finally {
    redis.disconnect();
    await store.close();
    await server.dispose();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runScriptCost();
}
