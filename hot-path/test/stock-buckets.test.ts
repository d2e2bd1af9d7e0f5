/**
 * Stock buckets (库存分桶) on a real Redis: one seckill campaign's stock split over four hash tags. Shoppers
 * reserve in their home bucket; a bucket that runs dry gets units moved in from the fullest other one; sold out
 * only once every bucket is empty. Checked after each step, in Redis itself: every bucket's units left + the
 * units its shoppers hold = its share, the shares add up to the total, nobody above the limit; then settlement
 * (one stream per bucket), reconciliation (a bucket lost, a move cut in half), a release and a total raised.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CampaignDef, HotPathStore, Reservation } from '../src/index.ts';
import {
  homeBucket,
  MemoryHotPathStore,
  moveIdFor,
  RedisHotPathStore,
  reconcileCampaign,
  shardIds,
} from '../src/index.ts';
import { moveStockCall } from '../src/store/script-calls.ts';
import {
  createPgSchema,
  disposeStore,
  inParallel,
  type PgSchema,
  REDIS_URL,
  rsv,
  SETTLED_RECORDS,
  seckillDef,
  seedCampaign,
  startTestSettlement,
  storeKinds,
  uid,
} from './helpers.ts';

const PAY_TTL = 15 * 60_000;
const BUCKETS = 4;

/** Users whose home bucket is `bucket` (drawn until there are `n`). */
function usersOf(bucket: number, n: number, tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const id = `usr_${tag}_${i}`;
    if (homeBucket(id, BUCKETS) === bucket) out.push(id);
  }
  return out;
}

interface BucketState {
  share: number;
  left: number;
  held: number;
  overLimit: string[];
}

/** Every bucket as Redis has it: share, units left, units its shoppers hold (from their holdings). */
async function bucketsInRedis(store: RedisHotPathStore, def: CampaignDef): Promise<BucketState[]> {
  const out: BucketState[] = [];
  for (const [b, s] of shardIds(def.id, BUCKETS).entries()) {
    const k = store.keys(s);
    const [share, left] = await store.redis.hmget(k.meta, 'stockTotal', 'left');
    const fields = await store.redis.hgetall(k.meta);
    let held = 0;
    const overLimit: string[] = [];
    for (const [field, h] of Object.entries(fields)) {
      // A holding is the metadata's field '@' + userId.
      if (!field.startsWith('@')) continue;
      const userId = field.slice(1);
      const units = Number(/^\d+/.exec(h)?.[0] ?? 0);
      held += units;
      if (units > def.perUserLimit) overLimit.push(userId);
      assert.equal(homeBucket(userId, BUCKETS), b, `${userId} holds units in bucket ${b}, not their home`);
    }
    out.push({ share: Number(share), left: Number(left), held, overLimit });
  }
  return out;
}

async function assertInvariant(store: RedisHotPathStore, def: CampaignDef, total = def.stockTotal) {
  const buckets = await bucketsInRedis(store, def);
  for (const [b, x] of buckets.entries()) {
    assert.ok(x.left >= 0, `bucket ${b}: units left never negative`);
    assert.equal(x.left + x.held, x.share, `bucket ${b}: left + held = share`);
    assert.deepEqual(x.overLimit, [], `bucket ${b}: nobody over the limit`);
  }
  assert.equal(
    buckets.reduce((n, x) => n + x.share, 0),
    total,
    'the shares add up to the total',
  );
  return buckets;
}

describe('stock buckets (redis)', () => {
  let store: RedisHotPathStore;
  let db: PgSchema;
  const moved: Array<{ from: number; to: number; units: number }> = [];
  before(async () => {
    store = new RedisHotPathStore({
      redisUrl: REDIS_URL,
      keyPrefix: `test:${uid('p')}:`,
      autoPipelining: true,
      observer: { stockMoved: (e) => moved.push(e) },
    });
    db = await createPgSchema();
  });
  after(async () => {
    await disposeStore(store);
    await db.drop();
  });

  /** Settles every bucket's stream of `def` into PostgreSQL (one stream per bucket), then stops. */
  async function settleEveryBucket(def: CampaignDef): Promise<void> {
    const settlement = startTestSettlement(store, db, {
      batchSize: 25,
      poolSize: 1,
      lingerMs: 10,
      listCampaignIds: async () => shardIds(def.id, BUCKETS),
    });
    await settlement.drain();
    await settlement.stop();
  }

  /** One step of a move run straight on Redis, as a mover would (a test that cuts or delays a move). */
  const moveStep = (call: ReturnType<typeof moveStockCall>) =>
    store.redis.eval(store.script('moveStock').lua, call.keys.length, ...call.keys, ...call.args);

  const reserve = (def: CampaignDef, userId: string, requestId = uid('req'), quantity = 1) =>
    store.reserveSeckill({
      campaignId: def.id,
      userId,
      requestId,
      quantity,
      reservationId: rsv(),
      nowMs: Date.now(),
      paymentTtlMs: PAY_TTL,
      buckets: BUCKETS,
    });

  test('primes every bucket with its share; the campaign reads as their sum', async () => {
    const def = seckillDef({ stockTotal: 101, stockBuckets: BUCKETS });
    assert.equal((await store.loadCampaign(def)).state, 'primed');
    const rows = await store.getBucketCounters(def.id);
    assert.deepEqual(
      rows?.map((r) => [r.bucket, r.shardId, r.stockTotal, r.stockLeft]),
      [
        [0, def.id, 26, 26],
        [1, `${def.id}#1`, 25, 25],
        [2, `${def.id}#2`, 25, 25],
        [3, `${def.id}#3`, 25, 25],
      ],
    );
    assert.equal(rows?.[0]?.campaignTotal, 101);
    assert.deepEqual(await store.getCampaignCounters(def.id), {
      stockTotal: 101,
      stockLeft: 101,
      unsettled: 0,
    });
    // Each bucket its own hash tag: one slot each, spread over a cluster's masters.
    assert.deepEqual(
      shardIds(def.id, BUCKETS).map((s) => store.keys(s).meta.replace(store.keyPrefix, '')),
      [`tm:{c:${def.id}}:meta`, ...[1, 2, 3].map((b) => `tm:{c:${def.id}#${b}}:meta`)],
    );
    // A second load refreshes; it never primes a bucket again.
    assert.equal((await store.loadCampaign(def)).state, 'refreshed');
    await assertInvariant(store, def);
  });

  test('a rush on one bucket drains the others through moves; sold out only when every bucket is empty', async () => {
    const def = seckillDef({ stockTotal: 60, perUserLimit: 2, stockBuckets: BUCKETS });
    // 10 shoppers homed in bucket 3 come first; then 50 homed in bucket 0 (share 15), each asking three times
    // (limit 2): bucket 0 runs dry at once and takes the other buckets' units as they come.
    const rush = usersOf(0, 50, def.id.slice(-6));
    const others = usersOf(3, 10, def.id.slice(-6));
    await seedCampaign(store, db, def, [...rush, ...others]);
    const asks = [...others, ...rush, ...rush, ...rush].map((userId, i) => ({ userId, requestId: `r${i}` }));
    moved.length = 0;
    const answers = await inParallel(asks, 48, (a) => reserve(def, a.userId, a.requestId));
    const ok = answers.flatMap((r) => (r.ok ? [r.reservation] : []));
    const refused = answers.flatMap((r) => (r.ok ? [] : [r.code]));
    assert.equal(
      ok.reduce((n, r) => n + r.quantity, 0),
      60,
      'every unit sold, none twice',
    );
    assert.ok(
      refused.every((c) => c === 'SOLD_OUT' || c === 'LIMIT_EXCEEDED'),
      `refusals: ${[...new Set(refused)]}`,
    );
    assert.ok(moved.length > 0, 'units were moved into the dry bucket');
    assert.ok(moved.every((m) => m.to !== m.from && m.units > 0));
    const buckets = await assertInvariant(store, def);
    assert.deepEqual(
      buckets.map((b) => b.left),
      [0, 0, 0, 0],
      'sold out: every bucket empty',
    );
    // Every reservation is in its shopper's home bucket and replays there.
    const first = ok[0] as Reservation;
    const again = asks.find((a) => a.userId === first.userId);
    assert.ok(again);
    const replay = await store.getReservation(def.id, first.id, first.userId);
    assert.equal(replay?.id, first.id);
    assert.equal(replay?.campaignId, def.id);
    // Sold out now: a new shopper of any bucket hears SOLD_OUT, after the mover found every bucket empty.
    const late = await reserve(def, usersOf(2, 1, `${def.id.slice(-6)}late`)[0] as string);
    assert.deepEqual(late, { ok: false, code: 'SOLD_OUT' });

    // Settlement reads one stream per bucket; every reservation becomes one order; each bucket's position is its own.
    await settleEveryBucket(def);
    const orders = await db.pool.query<{ n: string; units: string; users_over: string }>(
      `select count(*) n, sum(quantity) units,
         (select count(*) from (select user_id from orders where campaign_id = $1 group by user_id
            having sum(quantity) > 2) o) users_over
       from orders where campaign_id = $1`,
      [def.id],
    );
    assert.deepEqual(orders.rows[0], { n: String(ok.length), units: '60', users_over: '0' });
    const positions = await db.pool.query<{ campaign_id: string }>(
      'select campaign_id from hot_path_positions where campaign_id like $1 order by campaign_id',
      [`${def.id}%`],
    );
    assert.deepEqual(
      positions.rows.map((r) => r.campaign_id),
      [def.id, `${def.id}#3`],
      'each bucket that sold settled its own position',
    );
    assert.ok(positions.rows.every((r) => shardIds(def.id, BUCKETS).includes(r.campaign_id)));

    // Reconciliation counts each bucket against its shoppers' orders: all agree, nothing rebuilt.
    const report = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
    assert.equal(report.outcome, 'present');
    assert.equal(report.drift, 0);
    assert.equal(report.liveUnits, 60);

    // A release gives its units back to its shopper's bucket, which sells them again.
    const released = ok.find((r) => homeBucket(r.userId, BUCKETS) === 3) as Reservation;
    assert.ok(
      await store.releaseReservation({
        campaignId: def.id,
        reservationId: released.id,
        userId: released.userId,
        quantity: released.quantity,
      }),
    );
    const after = await assertInvariant(store, def);
    assert.equal(after[3]?.left, released.quantity);
    const buyer = usersOf(1, 1, `${def.id.slice(-6)}again`)[0] as string;
    await db.insertUsers([buyer]);
    const bought = await reserve(def, buyer);
    assert.ok(bought.ok, 'the released unit is moved to the buyer’s bucket and sold');
    await assertInvariant(store, def);
  });

  test('a bucket lost from Redis: every bucket is rebuilt from PostgreSQL and the streams; retries replay', async () => {
    const def = seckillDef({ stockTotal: 40, perUserLimit: 1, stockBuckets: BUCKETS });
    const users = Array.from({ length: 24 }, (_, i) => `usr_lost_${i}_${def.id.slice(-6)}`);
    await seedCampaign(store, db, def, users);
    // Two thirds of them settle; the rest stay in their buckets' streams.
    const made = await inParallel(users.slice(0, 16), 8, (u) => reserve(def, u, `first-${u}`));
    await settleEveryBucket(def);
    made.push(...(await inParallel(users.slice(16), 8, (u) => reserve(def, u, `first-${u}`))));
    const reservations = made.flatMap((r) => (r.ok ? [r.reservation] : []));
    assert.equal(reservations.length, 24);
    const unsettled = new Set(reservations.slice(16).map((r) => r.id));

    // Bucket 2's keys are gone (a master lost without its replica).
    const lost = `${def.id}#2`;
    const keys = await store.redis.keys(`${store.keyPrefix}tm:{c:${lost}}:*`);
    assert.ok(keys.length > 0);
    await store.redis.del(...keys);
    assert.equal(await store.hasCampaignState(def.id), false);
    assert.equal(await store.getCampaignCounters(def.id), null);
    // A load must not prime the lost bucket again (that would hand out its share twice).
    assert.equal((await store.loadCampaign(def)).state, 'needs_rebuild');

    const report = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
    assert.equal(report.outcome, 'rebuilt');
    assert.equal(report.reason, 'missing');
    // Bucket 2's unsettled reservations were lost with it (nothing settled them): their units are back on sale.
    const gone = reservations.filter((r) => homeBucket(r.userId, BUCKETS) === 2 && unsettled.has(r.id));
    const live = 24 - gone.length;
    assert.equal(report.liveUnits, live);
    assert.equal(report.drift, 0);
    const buckets = await assertInvariant(store, def);
    assert.equal(
      buckets.reduce((n, b) => n + b.left, 0),
      40 - live,
    );
    // Every acknowledged reservation that survived replays; the limit still holds.
    for (const r of reservations.filter((x) => !gone.includes(x))) {
      const again = await reserve(def, r.userId, `first-${r.userId}`);
      assert.ok(again.ok && again.replayed && again.reservation.id === r.id, `${r.id} replays`);
      assert.deepEqual(await reserve(def, r.userId), { ok: false, code: 'LIMIT_EXCEEDED' });
    }
    // The rest of the stock sells, and no more.
    const buyers = Array.from({ length: 30 }, (_, i) => `usr_more_${i}_${def.id.slice(-6)}`);
    await db.insertUsers(buyers);
    const more = await inParallel(buyers, 10, (u) => reserve(def, u));
    assert.equal(more.filter((r) => r.ok).length, 40 - live);
    await assertInvariant(store, def);
  });

  test('a move cut in half whose id names no destination is found short and rebuilt; a stale step is refused', async () => {
    const def = seckillDef({ stockTotal: 20, perUserLimit: 5, stockBuckets: BUCKETS });
    await seedCampaign(store, db, def, []);
    const donor = store.keys(`${def.id}#1`);
    const [gen] = await store.redis.hmget(donor.meta, 'gen');
    // The mover dies between its two steps: 3 units left bucket 1 and never reached another. Its id does not say
    // where they were going (not one of moveIdFor's), so nothing can finish it: only a rebuild counts them again.
    const taken = await moveStep(moveStockCall(donor, 'take', 'mv-cut', 3, gen ?? '0'));
    assert.equal((taken as unknown[])[0], 3);
    // Asked again (a lost reply), the take is not applied twice.
    assert.equal(
      ((await moveStep(moveStockCall(donor, 'take', 'mv-cut', 3, gen ?? '0'))) as unknown[])[0],
      3,
    );
    assert.equal((await store.getCampaignCounters(def.id))?.stockTotal, 17);

    const report = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
    assert.equal(report.outcome, 'rebuilt');
    assert.equal(report.reason, 'drift');
    await assertInvariant(store, def);
    assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 20);
    // The give of that move, arriving after the rebuild, belongs to an older generation: refused, nothing added.
    const target = store.keys(`${def.id}#3`);
    assert.equal(await moveStep(moveStockCall(target, 'give', 'mv-cut', 3, gen ?? '0')), -15);
    await assertInvariant(store, def);
  });

  test('a move cut in half is finished by reconciliation from its take, once, with no rebuild', async () => {
    const def = seckillDef({ stockTotal: 20, perUserLimit: 5, stockBuckets: BUCKETS });
    await seedCampaign(store, db, def, []);
    const donor = store.keys(`${def.id}#1`);
    const target = store.keys(`${def.id}#3`);
    const [donorGen] = await store.redis.hmget(donor.meta, 'gen');
    const [targetGen] = await store.redis.hmget(target.meta, 'gen');
    const moveId = moveIdFor(3, targetGen ?? '0', 'crashed-mover');
    // The mover dies between its two steps: 3 units left bucket 1 for bucket 3 and never arrived.
    assert.equal(
      ((await moveStep(moveStockCall(donor, 'take', moveId, 3, donorGen ?? '0'))) as unknown[])[0],
      3,
    );
    assert.equal((await store.getCampaignCounters(def.id))?.stockTotal, 17);
    const movedBefore = moved.length;

    const report = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
    assert.equal(report.outcome, 'present', 'finished, not rebuilt');
    const rows = await store.getBucketCounters(def.id);
    assert.deepEqual(
      rows?.map((r) => r.stockTotal),
      [5, 2, 5, 8],
      'the 3 units reached bucket 3',
    );
    assert.deepEqual(
      rows?.map((r) => r.stockLeft),
      [5, 2, 5, 8],
    );
    assert.deepEqual(moved.slice(movedBefore), [{ campaignId: def.id, from: 1, to: 3, units: 3 }]);
    const [genAfter] = await store.redis.hmget(target.meta, 'gen');
    assert.equal(genAfter, targetGen, 'no new generation: nothing was rebuilt');
    // The mover's own give, arriving late, and another pass apply nothing twice.
    assert.equal(
      ((await moveStep(moveStockCall(target, 'give', moveId, 3, targetGen ?? '0'))) as unknown[])[0],
      3,
    );
    assert.equal(await store.completeMoves(def.id, BUCKETS), 0);
    assert.equal((await store.getCampaignCounters(def.id))?.stockTotal, 20);
    await assertInvariant(store, def);
    // And the stock sells exactly: 20 shoppers of every bucket, 20 units.
    const buyers = Array.from({ length: 24 }, (_, i) => `usr_fin_${i}_${def.id.slice(-6)}`);
    await db.insertUsers(buyers);
    const sold = await inParallel(buyers, 8, (u) => reserve(def, u));
    assert.equal(sold.filter((r) => r.ok).length, 20);
    await assertInvariant(store, def);
  });

  test('a move between its two steps while reconciliation checks is waited for, not rebuilt', async () => {
    const def = seckillDef({ stockTotal: 20, perUserLimit: 5, stockBuckets: BUCKETS });
    await seedCampaign(store, db, def, []);
    const donor = store.keys(`${def.id}#1`);
    const target = store.keys(`${def.id}#2`);
    const [gen] = await store.redis.hmget(donor.meta, 'gen');
    await moveStep(moveStockCall(donor, 'take', 'mv-slow', 2, gen ?? '0'));
    // The give lands 120 ms later: the check's first look sees the shares 2 short, and its third (after two pauses
    // of 100 ms) sees them whole. Checks back to back would all have seen them short and rebuilt.
    const give = new Promise((resolve) => setTimeout(resolve, 120)).then(() =>
      moveStep(moveStockCall(target, 'give', 'mv-slow', 2, gen ?? '0')),
    );
    const report = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
    await give;
    assert.equal(report.outcome, 'present');
    assert.equal(report.drift, 0);
    const rows = await store.getBucketCounters(def.id);
    assert.deepEqual(
      rows?.map((r) => r.stockTotal),
      [5, 3, 7, 5],
      'the move landed, nothing rebuilt',
    );
    await assertInvariant(store, def);
  });

  test('an ended campaign’s hot state is dropped, every bucket, only once nothing is left to settle', async () => {
    const def = seckillDef({ stockTotal: 12, perUserLimit: 1, stockBuckets: BUCKETS });
    const users = Array.from({ length: 8 }, (_, i) => `usr_drop_${i}_${def.id.slice(-6)}`);
    await seedCampaign(store, db, def, users);
    await inParallel(users, 4, (u) => reserve(def, u));
    assert.equal(await store.dropCampaignState(def.id), 'unsettled');
    assert.notEqual(await store.getCampaignCounters(def.id), null, 'nothing dropped while entries wait');
    await settleEveryBucket(def);
    assert.equal(await store.dropCampaignState(def.id), 'dropped');
    const left = await store.redis.keys(`${store.keyPrefix}tm:{c:${def.id}*`);
    assert.deepEqual(left, [], 'no key of any bucket is left');
    assert.equal(await store.dropCampaignState(def.id), 'missing');
    const orders = await db.pool.query('select 1 from orders where campaign_id = $1', [def.id]);
    assert.equal(orders.rowCount, 8, 'PostgreSQL keeps every order');
  });

  test('with bucket 0 already gone, the bucket count from the campaign’s row still drops every other bucket', async () => {
    const def = seckillDef({ stockTotal: 8, perUserLimit: 1, stockBuckets: BUCKETS });
    const users = Array.from({ length: 4 }, (_, i) => `usr_drop0_${i}_${def.id.slice(-6)}`);
    await seedCampaign(store, db, def, users);
    await inParallel(users, 4, (u) => reserve(def, u));
    await settleEveryBucket(def);
    await store.redis.unlink(...(await store.redis.keys(`${store.keyPrefix}tm:{c:${def.id}}:*`)));
    // Another process: it never loaded the campaign, so only bucket 0's keys could tell it the count.
    const other = new RedisHotPathStore({ redisUrl: REDIS_URL, keyPrefix: store.keyPrefix });
    try {
      assert.equal(
        await other.dropCampaignState(def.id),
        'missing',
        'without the count, bucket 0 looks like all',
      );
      assert.equal(
        (await store.redis.keys(`${store.keyPrefix}tm:{c:${def.id}#*`)).length > 0,
        true,
        'so the other buckets’ keys stay',
      );
      assert.equal(await other.dropCampaignState(def.id, BUCKETS), 'dropped');
      assert.deepEqual(
        await store.redis.keys(`${store.keyPrefix}tm:{c:${def.id}*`),
        [],
        'no key of any bucket is left',
      );
      assert.equal(await other.dropCampaignState(def.id, BUCKETS), 'missing');
    } finally {
      await other.close();
    }
  });

  test('a raised total goes to bucket 0; a lowered one never takes back units that are held', async () => {
    const def = seckillDef({ stockTotal: 8, perUserLimit: 8, stockBuckets: BUCKETS });
    await seedCampaign(store, db, def, []);
    assert.equal((await store.loadCampaign({ ...def, stockTotal: 18 })).stockTotal, 18);
    const rows = await store.getBucketCounters(def.id);
    assert.deepEqual(
      rows?.map((r) => r.stockTotal),
      [12, 2, 2, 2],
    );
    assert.equal(rows?.[0]?.campaignTotal, 18);
    await assertInvariant(store, def, 18);
    // Bucket 0's shoppers take its 12; lowering the total by 15 can take back none of them.
    const buyer = usersOf(0, 1, def.id.slice(-6))[0] as string;
    const r = await reserve({ ...def, perUserLimit: 12 }, buyer, uid('req'), 8);
    assert.ok(r.ok);
    assert.equal((await store.loadCampaign({ ...def, stockTotal: 3 })).stockTotal, 14);
    await assertInvariant(store, def, 14);
  });
});

describe('stock buckets (memory)', () => {
  let store: HotPathStore;
  before(async () => {
    store = (await storeKinds.find((k) => k.name === 'memory')?.make()) ?? new MemoryHotPathStore();
  });
  after(async () => {
    await store.close();
  });

  test('the in-process store keeps a bucketed campaign whole (there is no Redis core to spread over)', async () => {
    const def = seckillDef({ stockTotal: 7, stockBuckets: BUCKETS });
    assert.equal(store.bucketsFor(def), 1);
    await store.loadCampaign(def);
    assert.deepEqual(await store.getBucketCounters(def.id), [
      { bucket: 0, shardId: def.id, stockTotal: 7, stockLeft: 7, unsettled: 0 },
    ]);
    assert.equal(await store.dropCampaignState(def.id), 'dropped');
    assert.equal(await store.getBucketCounters(def.id), null);
    assert.equal(await store.dropCampaignState(def.id), 'missing');
  });
});
