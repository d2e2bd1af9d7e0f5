/**
 * Redis CPU per script call (not a test): each script is run alone on a private `redis-server`, after
 * `CONFIG RESETSTAT`, and `INFO commandstats` gives its `usec_per_call` (time inside Redis, not round trips). The
 * reference is a one-command EVALSHA (`INCR`) measured in the same run, so the ratio holds on a noisy machine.
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
}

/**
 * One script per piece of the reserve script's work, each on keys shaped as a campaign's are at the peak (a hash
 * growing by one field per reservation, a stream, a record per reservation): where its ~26 µs go, and the floor of
 * any layout that keeps a settlement stream and per-user idempotency in Redis.
 */
const PIECES: Array<{
  piece: string;
  lua: string;
  keys: (i: number) => string[];
  args: (i: number) => string[];
}> = [
  { piece: 'script call alone (return 1)', lua: 'return 1', keys: () => ['cost:p0'], args: () => [] },
  {
    piece: 'HMGET 14 metadata fields',
    lua: "redis.call('HMGET', KEYS[1], 'type','title','skuId','priceFen','startsAt','endsAt','perUserLimit','groupSize','groupTtlMs','stopped','killSwitch','dryRun','gen','seq') return 1",
    keys: () => ['cost:p1'],
    args: () => [],
  },
  {
    piece: 'HGET of a missing field',
    lua: "redis.call('HGET', KEYS[1], ARGV[1]) return 1",
    keys: () => ['cost:p2'],
    args: (i) => [`f${i}`],
  },
  {
    piece: 'HSET of a new field (per-user state)',
    lua: "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 1",
    keys: () => ['cost:p3'],
    args: (i) => [`usr_01JD3QZ8R6M4X2V7N9K5T1B${i}`, `rsv_01JD3QZ8R6M4X2V7N9K5T1B${i}`],
  },
  {
    piece: 'record: HSET 9 fields + PEXPIREAT',
    lua: "redis.call('HSET', KEYS[1], 'id',ARGV[1],'userId',ARGV[2],'requestId',ARGV[3],'quantity','1','unitPriceFen','9900','createdAt','1764480000000','expiresAt','1764480900000','status','pending','fp','s:1') redis.call('PEXPIREAT', KEYS[1], 1864480000000) return 1",
    keys: (i) => [`cost:p4:${i}`],
    args: (i) => [`rsv_01JD3QZ8R6M4X2V7N9K5T1B${i}`, `usr_01JD3QZ8R6M4X2V7N9K5T1B${i}`, `req-${i}`],
  },
  {
    piece: 'cjson.encode of the 14-field entry',
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
    piece: 'XADD of one 250-byte field',
    lua: "redis.call('XADD', KEYS[1], '*', 'e', ARGV[1]) return 1",
    keys: () => ['cost:p6'],
    args: (i) => [`${'x'.repeat(240)}${i}`],
  },
];

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

/** Runs the calls pipelined and returns Redis's usec_per_call for evalsha over exactly these calls. */
async function usecPerCall(redis: Redis, sha: string, calls: ScriptCall[]): Promise<number> {
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
  return Number(m[3]);
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
    const oneCalls = Array.from({ length: n }, (_, i) => ({
      script: 'one',
      keys: [`cost:one:${i % 1000}`],
      args: [],
    }));
    await usecPerCall(redis, oneSha, oneCalls.slice(0, 2_000)); // warm-up
    const oneCommandUsec = await usecPerCall(redis, oneSha, oneCalls);

    // Reserve: every call a new user and request, one unit, as at the gateway's peak.
    const seckill = campaign('seckill', 2 * n + 4_000, 0);
    await store.loadCampaign(seckill);
    const k = store.keys(seckill.id);
    const reserve = store.script('reserveSeckill');
    await redis.script('LOAD', reserve.lua);
    const reserveCall = (tag: string, i: number) =>
      reserveSeckillCall(
        k,
        {
          campaignId: seckill.id,
          userId: `usr_${tag}${i}`,
          requestId: `req-${tag}${i}`,
          quantity: 1,
          reservationId: `rsv_${tag}${i}`,
          nowMs: Date.now(),
          paymentTtlMs: PAY_TTL,
        },
        store.retentionMs,
      );
    await usecPerCall(
      redis,
      reserve.sha1,
      Array.from({ length: 2_000 }, (_, i) => reserveCall('w', i)),
    );
    const reserveUsec = await usecPerCall(
      redis,
      reserve.sha1,
      Array.from({ length: n }, (_, i) => reserveCall('m', i)),
    );

    // The same on a campaign with level benefits, the shopper of the last level listed (the longest search).
    const levels = campaign('seckill', n + 4_000, 0);
    levels.levelBenefits = ['regular', 'silver', 'gold', 'diamond'].map((levelCode, i) => ({
      levelCode,
      perUserLimit: 2 + i,
      earlyAccessMs: i * 60_000,
    }));
    await store.loadCampaign(levels);
    const lk = store.keys(levels.id);
    const reserveLevelUsec = await usecPerCall(
      redis,
      reserve.sha1,
      Array.from({ length: n }, (_, i) =>
        reserveSeckillCall(
          lk,
          {
            campaignId: levels.id,
            userId: `usr_l${i}`,
            requestId: `req-l${i}`,
            quantity: 1,
            reservationId: `rsv_l${i}`,
            nowMs: Date.now(),
            paymentTtlMs: PAY_TTL,
            levelCode: 'diamond',
          },
          store.retentionMs,
        ),
      ),
    );

    // Join: groups of 5 opened by the store, each joined by 4 new users.
    const size = 5;
    const gb = campaign('groupbuy', 4 * n, size);
    await store.loadCampaign(gb);
    const groups = Math.ceil(n / (size - 1));
    const ids: string[] = [];
    for (let g = 0; g < groups; g++) {
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
      ids.push(id);
    }
    const join = store.script('joinGroup');
    await redis.script('LOAD', join.lua);
    const gk = store.keys(gb.id);
    const joinUsec = await usecPerCall(
      redis,
      join.sha1,
      Array.from({ length: n }, (_, i) =>
        joinGroupCall(
          gk,
          {
            campaignId: gb.id,
            groupId: ids[Math.floor(i / (size - 1))] as string,
            userId: `usr_j${i}`,
            requestId: `req-j${i}`,
            reservationId: `rsv_j${i}`,
            nowMs: Date.now(),
            paymentTtlMs: PAY_TTL,
          },
          store.retentionMs,
        ),
      ),
    );
    const pieces: ScriptCostResult['pieces'] = [];
    for (const p of PIECES) {
      const sha = String(await redis.script('LOAD', p.lua));
      const calls = Array.from({ length: n }, (_, i) => ({
        script: p.piece,
        keys: p.keys(i),
        args: p.args(i),
      }));
      pieces.push({ piece: p.piece, usec: await usecPerCall(redis, sha, calls) });
    }
    const result: ScriptCostResult = {
      calls: n,
      oneCommandUsec,
      reserveUsec,
      reserveLevelUsec,
      joinUsec,
      reserveRatio: +(reserveUsec / oneCommandUsec).toFixed(2),
      joinRatio: +(joinUsec / oneCommandUsec).toFixed(2),
      pieces,
    };
    log(`Redis CPU per call (INFO commandstats usec_per_call, ${n} calls each, private redis-server):`);
    log(`  one-command EVALSHA (INCR)  ${oneCommandUsec.toFixed(2)} µs  1.00x (reference)`);
    log(`  reserveSeckill              ${reserveUsec.toFixed(2)} µs  ${result.reserveRatio}x`);
    log(
      `  reserveSeckill, level row   ${reserveLevelUsec.toFixed(2)} µs  ${(reserveLevelUsec / oneCommandUsec).toFixed(2)}x`,
    );
    log(`  joinGroup                   ${joinUsec.toFixed(2)} µs  ${result.joinRatio}x`);
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
