/**
 * Fault tests on both stores: a worker failing mid-batch, a consumer dying before its ack, and a campaign's hot
 * state lost mid-campaign. Each asserts the invariants: nothing lost, nothing duplicated, nothing oversold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CampaignDef, HotPathStore, Reservation } from '../src/index.ts';
import {
  groupField,
  HOT_LAYOUT,
  holdingField,
  type RedisHotPathStore,
  reconcileCampaign,
  startHotStateGuard,
} from '../src/index.ts';
import {
  createPgSchema,
  disposeStore,
  groupbuyDef,
  grp,
  type PgSchema,
  reserveEach,
  rsv,
  SETTLED_RECORDS,
  seckillDef,
  seedCampaign,
  startTestSettlement,
  storeKinds,
  uid,
} from './helpers.ts';

const PAY_TTL = 15 * 60_000;

for (const kind of storeKinds) {
  describe(`faults (${kind.name})`, () => {
    let store: HotPathStore;
    let db: PgSchema;
    before(async () => {
      store = await kind.make();
      db = await createPgSchema();
    });
    after(async () => {
      await disposeStore(store);
      await db.drop();
    });

    async function seed(def: CampaignDef, users: number): Promise<Reservation[]> {
      const ids = Array.from({ length: users }, (_, i) => `usr_${i}_${def.id.slice(-8)}`);
      await seedCampaign(store, db, def, ids);
      return reserveEach(store, def, ids, PAY_TTL);
    }

    async function assertOrdersMatch(def: CampaignDef, reservations: Reservation[]): Promise<void> {
      const q = await db.pool.query<{ n: string; distinct_rsv: string; transitions: string }>(
        `select count(*) n, count(distinct reservation_id) distinct_rsv,
           (select count(*) from order_transitions t join orders o2 on o2.id = t.order_id
             where o2.campaign_id = $1) transitions
         from orders where campaign_id = $1`,
        [def.id],
      );
      const n = String(reservations.length);
      assert.deepEqual(q.rows[0], { n, distinct_rsv: n, transitions: n });
      const ids = await db.pool.query<{ reservation_id: string }>(
        'select reservation_id from orders where campaign_id = $1 order by reservation_id',
        [def.id],
      );
      assert.deepEqual(
        ids.rows.map((r) => r.reservation_id),
        reservations.map((r) => r.id).sort(),
      );
    }

    test('a worker throwing mid-batch is rolled back and retried: no loss, no duplicate', async () => {
      const def = seckillDef({ stockTotal: 40, perUserLimit: 1 });
      const reservations = await seed(def, 40);
      const errors: unknown[] = [];
      const settlement = startTestSettlement(store, db, {
        batchSize: 16,
        poolSize: 2,
        leaseMs: 2_000,
        listCampaignIds: async () => [def.id],
        observer: { settlementError: (e) => errors.push(e.error) },
        testHooks: { failBatches: 3 },
      });
      await settlement.drain();
      await settlement.stop();
      assert.equal(errors.length, 3, 'three injected failures were seen');
      await assertOrdersMatch(def, reservations);
    });

    for (const when of ['before-settle', 'after-settle'] as const) {
      test(`a consumer dying ${when} without ack: another reclaims, orders == reservations`, async () => {
        const def = seckillDef({ stockTotal: 30, perUserLimit: 1 });
        const reservations = await seed(def, 30);
        const common = { batchSize: 10, poolSize: 1, leaseMs: 300, listCampaignIds: async () => [def.id] };
        const doomed = startTestSettlement(store, db, {
          ...common,
          consumerName: uid('doomed'),
          testHooks: { dieAfterRead: when },
        });
        await doomed.done;
        const pending = await store.pendingSettlement(def.id);
        assert.equal(pending.pending, 10, 'the dead consumer left its batch unacknowledged');
        const heir = startTestSettlement(store, db, { ...common, consumerName: uid('heir') });
        await heir.drain();
        await heir.stop();
        await assertOrdersMatch(def, reservations);
        assert.equal((await store.pendingSettlement(def.id)).pending, 0);
      });
    }

    test('the periodic check counts unsettled reservations and releases as a rebuild does', async () => {
      const def = seckillDef({ stockTotal: 40, perUserLimit: 2 });
      const settle = async () => {
        const settlement = startTestSettlement(store, db, {
          poolSize: 1,
          leaseMs: 2_000,
          listCampaignIds: async () => [def.id],
        });
        await settlement.drain();
        await settlement.stop();
      };
      const first = await seed(def, 10);
      await settle();
      // Left in the stream: three new reservations of two units, a release of a settled order, and a release of
      // one of the new ones (reserve and release both unsettled).
      const added = await reserveEach(
        store,
        def,
        first.slice(0, 3).map((r) => r.userId),
        PAY_TTL,
      );
      assert.equal(added.length, 3);
      const release = (r: Reservation) =>
        store.releaseReservation({ campaignId: def.id, reservationId: r.id, userId: r.userId, quantity: 1 });
      assert.equal(await release(first[5] as Reservation), true);
      assert.equal(await release(added[0] as Reservation), true);

      const checked = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
      assert.equal(checked.outcome, 'present');
      assert.equal(checked.unsettledEntries, 5);
      assert.equal(checked.liveUnits, 10 + 3 - 1 - 1);
      assert.equal(checked.drift, 0);

      await settle();
      const after = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
      assert.deepEqual(
        {
          outcome: after.outcome,
          unsettled: after.unsettledEntries,
          live: after.liveUnits,
          drift: after.drift,
        },
        { outcome: 'present', unsettled: 0, live: 11, drift: 0 },
      );

      // The full count of a rebuild agrees with the check's.
      await kind.wipeCampaign(store, def.id);
      const rebuilt = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
      assert.equal(rebuilt.outcome, 'rebuilt');
      assert.equal(rebuilt.liveUnits, 11);
      assert.equal(rebuilt.drift, 0);
    });

    test('hot state lost mid-campaign: reconcile rebuilds from PostgreSQL without overselling; retries replay', async () => {
      const def = seckillDef({ stockTotal: 50, perUserLimit: 1 });
      const reservations = await seed(def, 30);
      const released = reservations[0] as Reservation;
      const live = reservations[1] as Reservation;
      assert.equal(
        await store.releaseReservation({
          campaignId: def.id,
          reservationId: released.id,
          userId: released.userId,
          quantity: 1,
        }),
        true,
      );
      const settlement = startTestSettlement(store, db, {
        batchSize: 64,
        poolSize: 1,
        leaseMs: 2_000,
        listCampaignIds: async () => [def.id],
      });
      await settlement.drain();
      await settlement.stop();
      const cancelled = await db.pool.query<{ status: string }>(
        'select status from orders where reservation_id = $1',
        [released.id],
      );
      assert.equal(cancelled.rows[0]?.status, 'cancelled');

      const before = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
      assert.equal(before.outcome, 'present');
      assert.equal(before.drift, 0);
      assert.equal(before.expectedStockLeft, 21);

      await kind.wipeCampaign(store, def.id);
      assert.equal(await store.getCampaignCounters(def.id), null);
      const lost = await store.reserveSeckill({
        campaignId: def.id,
        userId: 'usr_new',
        requestId: 'req-while-lost',
        quantity: 1,
        reservationId: rsv(),
        nowMs: Date.now(),
        paymentTtlMs: PAY_TTL,
      });
      // The store has seen this campaign's position: its lost state is being rebuilt, never "not found" (404).
      assert.deepEqual(
        lost,
        { ok: false, code: 'CAMPAIGN_REBUILDING' },
        'no reservation while the state is missing',
      );

      const report = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
      assert.equal(report.outcome, 'rebuilt');
      assert.equal(report.liveUnits, 29);
      assert.equal(report.actualStockLeft, 21);
      assert.equal(report.drift, 0);
      assert.equal(report.actualStockLeft + report.liveUnits, def.stockTotal);

      // A retried request id replays the original reservation rather than reserving again.
      const retry = await store.reserveSeckill({
        campaignId: def.id,
        userId: live.userId,
        requestId: live.requestId,
        quantity: 1,
        reservationId: rsv(),
        nowMs: Date.now(),
        paymentTtlMs: PAY_TTL,
      });
      assert.ok(retry.ok);
      assert.equal(retry.replayed, true);
      assert.equal(retry.reservation.id, live.id);
      // The rebuilt request id still knows what it asked for: another quantity is refused.
      assert.deepEqual(
        await store.reserveSeckill({
          campaignId: def.id,
          userId: live.userId,
          requestId: live.requestId,
          quantity: 2,
          reservationId: rsv(),
          nowMs: Date.now(),
          paymentTtlMs: PAY_TTL,
        }),
        { ok: false, code: 'IDEMPOTENCY_KEY_REUSED' },
      );
      // The released reservation stays released; the live one can still be released, once.
      const rel = (r: Reservation) =>
        store.releaseReservation({ campaignId: def.id, reservationId: r.id, userId: r.userId, quantity: 1 });
      assert.equal(await rel(released), false);
      assert.equal(await rel(live), true);
      assert.equal(await rel(live), false);
      // The rest sells out at exactly the total.
      let sold = 0;
      for (let i = 0; i < 40; i++) {
        const r = await store.reserveSeckill({
          campaignId: def.id,
          userId: `usr_after_${i}`,
          requestId: `req-after-${i}`,
          quantity: 1,
          reservationId: rsv(),
          nowMs: Date.now(),
          paymentTtlMs: PAY_TTL,
        });
        if (r.ok) sold++;
        else assert.equal(r.code, 'SOLD_OUT');
      }
      assert.equal(sold, 22);
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 0);
      // One of the original users tries again with a new request: still over the limit after the rebuild.
      const again = await store.reserveSeckill({
        campaignId: def.id,
        userId: (reservations[2] as Reservation).userId,
        requestId: 'req-new-after-rebuild',
        quantity: 1,
        reservationId: rsv(),
        nowMs: Date.now(),
        paymentTtlMs: PAY_TTL,
      });
      assert.deepEqual(again, { ok: false, code: 'LIMIT_EXCEEDED' });
    });

    test('hot state lost with forming groups: members, slots and replays come back', async () => {
      const def = groupbuyDef({ stockTotal: 20, perUserLimit: 1, groupSize: 3 });
      await store.loadCampaign(def);
      await db.insertUsers(['usr_gl', 'usr_gb', 'usr_gc', 'usr_gd']);
      await db.insertCampaign(def);
      const base = { campaignId: def.id, nowMs: Date.now(), paymentTtlMs: PAY_TTL };
      const groupId = grp();
      const open = await store.openGroup({
        ...base,
        userId: 'usr_gl',
        requestId: 'req-g-open',
        groupId,
        reservationId: rsv(),
      });
      const join = await store.joinGroup({
        ...base,
        groupId,
        userId: 'usr_gb',
        requestId: 'req-g-b',
        reservationId: rsv(),
      });
      assert.ok(open.ok && join.ok);
      const settlement = startTestSettlement(store, db, {
        leaseMs: 2_000,
        listCampaignIds: async () => [def.id],
      });
      await settlement.drain();
      await settlement.stop();

      await kind.wipeCampaign(store, def.id);
      const report = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
      assert.equal(report.outcome, 'rebuilt');
      assert.equal(report.actualStockLeft, 18);
      const g = await store.getGroup(def.id, groupId);
      assert.deepEqual(g?.members, [
        { userId: 'usr_gl', slot: 1 },
        { userId: 'usr_gb', slot: 2 },
      ]);
      const replay = await store.joinGroup({
        ...base,
        groupId,
        userId: 'usr_gb',
        requestId: 'req-g-b',
        reservationId: rsv(),
      });
      assert.ok(replay.ok && replay.replayed);
      assert.equal(replay.reservation.id, join.reservation.id);
      // After the rebuild the leader's open replays and the member's request id cannot open a group.
      const reopen = await store.openGroup({
        ...base,
        userId: 'usr_gl',
        requestId: 'req-g-open',
        groupId: grp(),
        reservationId: rsv(),
      });
      assert.ok(reopen.ok && reopen.replayed);
      assert.equal(reopen.group.id, groupId);
      assert.deepEqual(
        await store.openGroup({
          ...base,
          userId: 'usr_gb',
          requestId: 'req-g-b',
          groupId: grp(),
          reservationId: rsv(),
        }),
        { ok: false, code: 'IDEMPOTENCY_KEY_REUSED' },
      );
      assert.deepEqual(
        await store.joinGroup({
          ...base,
          groupId,
          userId: 'usr_gb',
          requestId: 'req-g-b2',
          reservationId: rsv(),
        }),
        { ok: false, code: 'ALREADY_MEMBER' },
      );
      const c = await store.joinGroup({
        ...base,
        groupId,
        userId: 'usr_gc',
        requestId: 'req-g-c',
        reservationId: rsv(),
      });
      assert.ok(c.ok);
      assert.equal(c.reservation.slot, 3);
      assert.deepEqual(
        await store.joinGroup({
          ...base,
          groupId,
          userId: 'usr_gd',
          requestId: 'req-g-d',
          reservationId: rsv(),
        }),
        { ok: false, code: 'GROUP_FULL' },
      );
    });

    async function settleAll(def: CampaignDef): Promise<void> {
      const settlement = startTestSettlement(store, db, {
        leaseMs: 2_000,
        listCampaignIds: async () => [def.id],
      });
      await settlement.drain();
      await settlement.stop();
    }

    test('settlement records the latest position it settled in PostgreSQL, in the batch transaction', async () => {
      const def = seckillDef({ stockTotal: 30, perUserLimit: 1 });
      await seed(def, 12);
      await settleAll(def);
      const row = await db.pool.query(
        'select settled_generation::int g, settled_seq::int s from hot_path_positions where campaign_id = $1',
        [def.id],
      );
      assert.deepEqual(row.rows, [{ g: 0, s: 12 }]);
    });

    test('a hot state behind what PostgreSQL settled is suspended and rebuilt by the guard; replays answer', async () => {
      const def = seckillDef({ stockTotal: 30, perUserLimit: 1 });
      const reservations = await seed(def, 20);
      await settleAll(def);
      // PostgreSQL settled 20 entries more than this hot state ever wrote: what a Redis restarted from a copy 20
      // entries old looks like from PostgreSQL (the rollback tests cut a real AOF; this runs on both stores).
      await db.pool.query('update hot_path_positions set settled_seq = 40 where campaign_id = $1', [def.id]);
      const reports: Array<{ outcome: string; reason?: string }> = [];
      const guard = startHotStateGuard({
        store,
        sql: db.pool,
        records: SETTLED_RECORDS,
        listCampaigns: async () => [def],
        onReport: (r) => reports.push({ outcome: r.outcome, ...(r.reason ? { reason: r.reason } : {}) }),
      });
      try {
        await guard.checkAll();
      } finally {
        guard.stop();
      }
      assert.deepEqual(reports, [{ outcome: 'rebuilt', reason: 'behind' }]);
      assert.deepEqual(await store.getHotPosition(def.id), { generation: 1, seq: 0 });
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 10);
      for (const r of reservations) {
        const replay = await store.reserveSeckill({
          campaignId: def.id,
          userId: r.userId,
          requestId: r.requestId,
          quantity: 1,
          reservationId: rsv(),
          nowMs: Date.now(),
          paymentTtlMs: PAY_TTL,
        });
        assert.ok(replay.ok && replay.replayed, r.requestId);
        assert.equal(replay.reservation.id, r.id);
      }
      const fresh = await reserveEach(store, def, ['usr_fresh']);
      assert.equal(fresh.length, 1);
      assert.deepEqual(await store.getHotPosition(def.id), { generation: 1, seq: 1 });
      await db.insertUsers(['usr_fresh']);
      await settleAll(def);
      const row = await db.pool.query(
        'select generation::int, settled_generation::int g, settled_seq::int s from hot_path_positions where campaign_id = $1',
        [def.id],
      );
      assert.deepEqual(row.rows, [{ generation: 1, g: 1, s: 1 }]);
    });

    if (kind.name === 'redis')
      test('a hot state of the older layout sells nothing, is rebuilt, replays its requests and settles its JSON entries', async () => {
        const def = seckillDef({ stockTotal: 10, perUserLimit: 2 });
        const [oldUser = '', newUser = ''] = [`usr_old_${def.id.slice(-8)}`, `usr_new_${def.id.slice(-8)}`];
        await seedCampaign(store, db, def, [oldUser, newUser]);
        const redis = (store as RedisHotPathStore).redis;
        const base = `${(store as RedisHotPathStore).keyPrefix}tm:{c:${def.id}}:`;
        // What the layout before holdings left: metadata without units left, a stock counter, per-user counts, a
        // request-id hash, a record hash and one unsettled entry as JSON.
        const now = Date.now();
        const reservationId = rsv();
        await redis.del(`${base}meta`, `${base}holdings`, `${base}stream`);
        await redis.hset(`${base}meta`, {
          type: 'seckill',
          title: def.title,
          skuId: def.skuId,
          priceFen: def.priceFen,
          startsAt: def.startsAtMs,
          endsAt: def.endsAtMs,
          stockTotal: def.stockTotal,
          perUserLimit: def.perUserLimit,
          groupSize: 0,
          groupTtlMs: 0,
          stopped: 0,
          killSwitch: 0,
          dryRun: 0,
          gen: 0,
          seq: 1,
        });
        await redis.set(`${base}stock`, 9);
        await redis.hset(`${base}users`, oldUser, 1);
        await redis.hset(`${base}requests`, `${oldUser.length}:${oldUser}req-old-1`, reservationId);
        await redis.hset(`${base}r:${reservationId}`, {
          id: reservationId,
          userId: oldUser,
          status: 'pending',
        });
        await redis.xadd(
          `${base}stream`,
          '*',
          'e',
          JSON.stringify({
            kind: 'reserve',
            reservationId,
            userId: oldUser,
            requestId: 'req-old-1',
            quantity: '1',
            unitPriceFen: String(def.priceFen),
            createdAt: String(now),
            expiresAt: String(now + PAY_TTL),
            campaignType: 'seckill',
            skuId: def.skuId,
            title: def.title,
            dryRun: '0',
            gen: 0,
            seq: 1,
          }),
        );
        const input = { campaignId: def.id, quantity: 1, nowMs: Date.now(), paymentTtlMs: PAY_TTL };
        const before = await store.reserveSeckill({
          ...input,
          userId: newUser,
          requestId: 'req-new-1',
          reservationId: rsv(),
        });
        assert.deepEqual(
          before,
          { ok: false, code: 'CAMPAIGN_REBUILDING' },
          'nothing is sold on the older layout',
        );

        const report = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
        assert.deepEqual([report.outcome, report.reason], ['rebuilt', 'missing']);
        assert.equal(
          await redis.exists(`${base}stock`, `${base}users`, `${base}requests`),
          0,
          'older keys gone',
        );
        const replay = await store.reserveSeckill({
          ...input,
          userId: oldUser,
          requestId: 'req-old-1',
          reservationId: rsv(),
        });
        assert.ok(replay.ok && replay.replayed);
        assert.equal(replay.reservation.id, reservationId);
        assert.ok(
          (
            await store.reserveSeckill({
              ...input,
              userId: newUser,
              requestId: 'req-new-1',
              reservationId: rsv(),
            })
          ).ok,
        );
        await settleAll(def);
        const orders = await db.pool.query<{ reservation_id: string }>(
          'select reservation_id from orders where campaign_id = $1 and user_id = $2',
          [def.id, oldUser],
        );
        assert.deepEqual(
          orders.rows,
          [{ reservation_id: reservationId }],
          'the JSON entry settled into its order',
        );
        assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 8);
        assert.equal((await store.getReservation(def.id, reservationId, oldUser))?.status, 'settled');
      });

    if (kind.name === 'redis')
      test('holdings in a hash of their own (the layout before): a load takes the state offline, the rebuild moves them into the metadata', async () => {
        const def = seckillDef({ stockTotal: 10, perUserLimit: 1 });
        const [oldUser = '', newUser = ''] = [`usr_hold_${def.id.slice(-8)}`, `usr_next_${def.id.slice(-8)}`];
        await seedCampaign(store, db, def, [oldUser, newUser]);
        const input = { campaignId: def.id, quantity: 1, nowMs: Date.now(), paymentTtlMs: PAY_TTL };
        const reserveAs = (userId: string, requestId: string) =>
          store.reserveSeckill({ ...input, userId, requestId, reservationId: rsv() });
        const first = await reserveAs(oldUser, 'req-hold-1');
        assert.ok(first.ok && !first.replayed);
        await settleAll(def);
        // What that layout kept: the same holding, in tm:{c:<id>}:holdings under the bare user id.
        const rs = store as RedisHotPathStore;
        const k = rs.keys(def.id);
        const holding = await rs.redis.hget(k.meta, holdingField(oldUser));
        assert.ok(
          holding !== null && holding.startsWith('1\n'),
          'the holding is the metadata field @<userId>',
        );
        await rs.redis.hdel(k.meta, holdingField(oldUser));
        await rs.redis.hset(k.legacyHoldings, oldUser, holding);

        // Holdings PostgreSQL does not know of, more than one chunk of them: the rebuild scans them away.
        const ghosts = Array.from({ length: 1_200 }, (_, i) => [
          `@usr_ghost${i}`,
          '1\nreq\tseckill:1\trsv_x',
        ]);
        await rs.redis.hset(k.meta, Object.fromEntries(ghosts));

        assert.equal((await store.loadCampaign(def)).state, 'needs_rebuild');
        assert.deepEqual(
          await reserveAs(oldUser, 'req-hold-2'),
          { ok: false, code: 'CAMPAIGN_REBUILDING' },
          'nothing sold until the rebuild: this shopper is at the limit',
        );
        const report = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
        assert.deepEqual([report.outcome, report.reason], ['rebuilt', 'missing']);
        assert.equal(await rs.redis.exists(k.legacyHoldings), 0, 'the older hash is gone');
        assert.ok(
          (await rs.redis.hget(k.meta, holdingField(oldUser)))?.startsWith('1\n'),
          'rebuilt in the metadata',
        );
        const [, left] = await rs.redis.hscan(k.meta, '0', 'MATCH', '@usr_ghost*', 'COUNT', 10_000);
        assert.deepEqual(left, [], 'no holding PostgreSQL does not know of is left');

        const replay = await reserveAs(oldUser, 'req-hold-1');
        assert.ok(replay.ok && replay.replayed && first.ok);
        assert.equal(replay.reservation.id, first.reservation.id);
        assert.deepEqual(await reserveAs(oldUser, 'req-hold-3'), { ok: false, code: 'LIMIT_EXCEEDED' });
        assert.ok((await reserveAs(newUser, 'req-next-1')).ok);
        assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 8);
      });

    if (kind.name === 'redis')
      test('groups in hashes of their own (the layout before): a load takes the state offline, the rebuild moves them into the metadata', async () => {
        const def = groupbuyDef({ stockTotal: 20, perUserLimit: 1, groupSize: 3 });
        const tail = def.id.slice(-8);
        const [lead = '', bea = '', cid = ''] = ['lead', 'bea', 'cid'].map((n) => `usr_${n}_${tail}`);
        await seedCampaign(store, db, def, [lead, bea, cid]);
        const base = { campaignId: def.id, nowMs: Date.now(), paymentTtlMs: PAY_TTL };
        const groupId = grp();
        const open = await store.openGroup({
          ...base,
          userId: lead,
          requestId: 'req-lg-open',
          groupId,
          reservationId: rsv(),
        });
        const joinAs = (userId: string, requestId: string) =>
          store.joinGroup({ ...base, groupId, userId, requestId, reservationId: rsv() });
        const joined = await joinAs(bea, 'req-lg-bea');
        assert.ok(open.ok && joined.ok);
        await settleAll(def);

        // What that layout kept: the group in tm:{c:<id>}:g:<groupId>, and no `layout` field in the metadata.
        const rs = store as RedisHotPathStore;
        const k = rs.keys(def.id);
        assert.equal(await rs.redis.hget(k.meta, 'layout'), HOT_LAYOUT);
        const value = await rs.redis.hget(k.meta, groupField(groupId));
        assert.ok(value?.includes(`\tforming\t3,\t,${lead}:1,${bea}:2,`), String(value));
        await rs.redis.hdel(k.meta, groupField(groupId), 'layout');
        const oldKey = k.meta.replace(/meta$/, `g:${groupId}`);
        await rs.redis.hset(oldKey, {
          id: groupId,
          status: 'forming',
          size: '3',
          taken: '2',
          's:1': lead,
          's:2': bea,
        });
        // A group PostgreSQL does not know of: the rebuild scans it away with the holdings.
        await rs.redis.hset(k.meta, groupField('grp_ghost'), `${lead}\t3\t1\t2\tforming\t2,3,\t,${lead}:1,`);

        assert.equal((await store.loadCampaign(def)).state, 'needs_rebuild');
        assert.deepEqual(
          await joinAs(cid, 'req-lg-cid'),
          { ok: false, code: 'CAMPAIGN_REBUILDING' },
          'nothing sold on the older layout',
        );
        const report = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
        assert.deepEqual([report.outcome, report.reason], ['rebuilt', 'missing']);
        assert.equal(await rs.redis.hget(k.meta, 'layout'), HOT_LAYOUT);
        assert.equal(await rs.redis.hexists(k.meta, groupField('grp_ghost')), 0, 'the unknown group is gone');
        assert.deepEqual((await store.getGroup(def.id, groupId))?.members, [
          { userId: lead, slot: 1 },
          { userId: bea, slot: 2 },
        ]);

        const replay = await joinAs(bea, 'req-lg-bea');
        assert.ok(replay.ok && replay.replayed && joined.ok);
        assert.equal(replay.reservation.id, joined.reservation.id);
        const third = await joinAs(cid, 'req-lg-cid');
        assert.ok(third.ok && !third.replayed, JSON.stringify(third));
        assert.equal(third.reservation.slot, 3);
        assert.deepEqual(
          third.group.members.map((m) => m.slot),
          [1, 2, 3],
        );
        assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 17);
      });

    if (kind.name === 'redis')
      test('drift alone (units left tampered) triggers a rebuild once it persists', async () => {
        const def = seckillDef({ stockTotal: 30, perUserLimit: 1 });
        await seed(def, 8);
        await settleAll(def);
        const redis = store as RedisHotPathStore;
        await redis.redis.hincrby(redis.keys(def.id).meta, 'left', 5);
        const report = await reconcileCampaign({
          store,
          sql: db.pool,
          records: SETTLED_RECORDS,
          def,
        });
        assert.deepEqual(
          {
            outcome: report.outcome,
            reason: report.reason,
            left: report.actualStockLeft,
            drift: report.drift,
          },
          { outcome: 'rebuilt', reason: 'drift', left: 22, drift: 0 },
        );
      });
  });
}
