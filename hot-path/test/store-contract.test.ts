/** The store contract, run against Redis (Lua) and the memory store: every refusal code, idempotency, release. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { HotPathStore, ReserveSeckillInput } from '../src/index.ts';
import {
  clusterStoreKind,
  disposeStore,
  groupbuyDef,
  grp,
  rsv,
  type StoreKind,
  seckillDef,
  storeKinds,
} from './helpers.ts';
import { type LocalRedisCluster, startRedisCluster } from './redis-cluster.ts';

const PAY_TTL = 15 * 60_000;

// The same suite on a real Redis Cluster (three masters with a replica each), started here and stopped after.
let cluster: LocalRedisCluster | undefined;
const onCluster: StoreKind = {
  name: 'redis-cluster',
  async make() {
    cluster = await startRedisCluster();
    return clusterStoreKind(cluster).make();
  },
  async wipeCampaign(store, campaignId) {
    if (cluster) await clusterStoreKind(cluster).wipeCampaign(store, campaignId);
  },
};

for (const kind of [...storeKinds, onCluster]) {
  describe(`store contract (${kind.name})`, () => {
    let store: HotPathStore;
    before(async () => {
      store = await kind.make();
    });
    after(async () => {
      await disposeStore(store);
      if (kind === onCluster) await cluster?.stop();
    });

    const reserve = (campaignId: string, userId: string, over: Partial<ReserveSeckillInput> = {}) =>
      store.reserveSeckill({
        campaignId,
        userId,
        requestId: `req-${userId}-${Math.random().toString(36).slice(2)}`,
        quantity: 1,
        reservationId: rsv(),
        nowMs: Date.now(),
        paymentTtlMs: PAY_TTL,
        ...over,
      });

    test('refuses an unknown campaign with NOT_FOUND', async () => {
      assert.deepEqual(await reserve('cmp_nope', 'usr_1'), { ok: false, code: 'NOT_FOUND' });
    });

    test('refuses a seckill call on a group-buy campaign with NOT_FOUND', async () => {
      const def = groupbuyDef();
      await store.loadCampaign(def);
      assert.deepEqual(await reserve(def.id, 'usr_1'), { ok: false, code: 'NOT_FOUND' });
    });

    test('refuses stopped, paused, not started and ended campaigns in that order', async () => {
      const now = Date.now();
      const def = seckillDef({ stopped: true, killSwitch: true, startsAtMs: now + 60_000 });
      assert.equal((await store.loadCampaign(def)).state, 'primed');
      assert.deepEqual(await reserve(def.id, 'usr_1'), { ok: false, code: 'CAMPAIGN_STOPPED' });
      assert.equal((await store.loadCampaign({ ...def, stopped: false })).state, 'refreshed');
      assert.deepEqual(await reserve(def.id, 'usr_1'), { ok: false, code: 'RESERVATIONS_PAUSED' });
      await store.loadCampaign({ ...def, stopped: false, killSwitch: false });
      assert.deepEqual(await reserve(def.id, 'usr_1'), { ok: false, code: 'NOT_STARTED' });
      await store.loadCampaign({
        ...def,
        stopped: false,
        killSwitch: false,
        startsAtMs: now - 2,
        endsAtMs: now - 1,
      });
      assert.deepEqual(await reserve(def.id, 'usr_1'), { ok: false, code: 'ENDED' });
      const counters = await store.getCampaignCounters(def.id);
      assert.deepEqual(counters, { stockTotal: def.stockTotal, stockLeft: def.stockTotal, unsettled: 0 });
    });

    test('reserves, records the reservation and appends one settlement entry', async () => {
      const def = seckillDef({ stockTotal: 5, perUserLimit: 3 });
      await store.loadCampaign(def);
      const reservationId = rsv();
      const now = Date.now();
      const res = await reserve(def.id, 'usr_a', {
        quantity: 2,
        reservationId,
        nowMs: now,
        requestId: 'req-00000001',
      });
      assert.ok(res.ok);
      assert.equal(res.replayed, false);
      assert.deepEqual(res.reservation, {
        id: reservationId,
        campaignId: def.id,
        userId: 'usr_a',
        requestId: 'req-00000001',
        quantity: 2,
        unitPriceFen: def.priceFen,
        createdAtMs: now,
        expiresAtMs: now + PAY_TTL,
        status: 'pending',
        orderId: `ord_${reservationId.slice(4)}`,
        fingerprint: 'seckill:2',
      });
      assert.deepEqual(await store.getReservation(def.id, reservationId, 'usr_a'), res.reservation);
      assert.equal(await store.getReservation(def.id, reservationId, 'usr_b'), null, "another user's");
      assert.deepEqual(await store.getCampaignCounters(def.id), {
        stockTotal: 5,
        stockLeft: 3,
        unsettled: 1,
      });
      const [entry] = await store.listUnsettled(def.id);
      assert.equal(entry?.entry.kind, 'reserve');
      assert.equal(entry?.entry.reservationId, reservationId);
      assert.equal(entry?.entry.skuId, def.skuId);
      assert.equal(entry?.entry.title, def.title);
    });

    test('the same requestId replays the original reservation without a second decrement, even after sold out', async () => {
      const def = seckillDef({ stockTotal: 1, perUserLimit: 1 });
      await store.loadCampaign(def);
      const first = await reserve(def.id, 'usr_a', { requestId: 'req-replay-1' });
      assert.ok(first.ok);
      const again = await reserve(def.id, 'usr_a', { requestId: 'req-replay-1', reservationId: rsv() });
      assert.ok(again.ok);
      assert.equal(again.replayed, true);
      assert.deepEqual(again.reservation, first.reservation);
      assert.deepEqual(await store.getCampaignCounters(def.id), {
        stockTotal: 1,
        stockLeft: 0,
        unsettled: 1,
      });
      // A new request of the same user is over the limit; another user's is sold out.
      assert.deepEqual(await reserve(def.id, 'usr_a'), { ok: false, code: 'LIMIT_EXCEEDED' });
      assert.deepEqual(await reserve(def.id, 'usr_b'), { ok: false, code: 'SOLD_OUT' });
    });

    test('the same requestId asking for another quantity is refused with IDEMPOTENCY_KEY_REUSED, changing nothing', async () => {
      const def = seckillDef({ stockTotal: 10, perUserLimit: 5 });
      await store.loadCampaign(def);
      const first = await reserve(def.id, 'usr_a', { requestId: 'req-reuse-1', quantity: 1 });
      assert.ok(first.ok);
      const counters = await store.getCampaignCounters(def.id);
      assert.deepEqual(await reserve(def.id, 'usr_a', { requestId: 'req-reuse-1', quantity: 2 }), {
        ok: false,
        code: 'IDEMPOTENCY_KEY_REUSED',
      });
      assert.deepEqual(await store.getCampaignCounters(def.id), counters);
      // The same body still replays; another user's same request id is theirs alone.
      const again = await reserve(def.id, 'usr_a', { requestId: 'req-reuse-1', quantity: 1 });
      assert.ok(again.ok && again.replayed);
      assert.equal(again.reservation.id, first.reservation.id);
      const other = await reserve(def.id, 'usr_b', { requestId: 'req-reuse-1', quantity: 2 });
      assert.ok(other.ok && !other.replayed);
    });

    test('group: a requestId reused to join another group, or to open after a join, is IDEMPOTENCY_KEY_REUSED', async () => {
      const def = groupbuyDef({ stockTotal: 20, perUserLimit: 3, groupSize: 3 });
      await store.loadCampaign(def);
      const base = { campaignId: def.id, nowMs: Date.now(), paymentTtlMs: PAY_TTL };
      const [g1, g2] = [grp(), grp()];
      for (const [userId, groupId] of [
        ['usr_l1', g1],
        ['usr_l2', g2],
      ] as const) {
        const opened = await store.openGroup({
          ...base,
          userId,
          requestId: `req-${userId}`,
          groupId,
          reservationId: rsv(),
        });
        assert.ok(opened.ok);
      }
      const joined = await store.joinGroup({
        ...base,
        groupId: g1,
        userId: 'usr_j',
        requestId: 'req-j',
        reservationId: rsv(),
      });
      assert.ok(joined.ok);
      const counters = await store.getCampaignCounters(def.id);
      assert.deepEqual(
        await store.joinGroup({
          ...base,
          groupId: g2,
          userId: 'usr_j',
          requestId: 'req-j',
          reservationId: rsv(),
        }),
        { ok: false, code: 'IDEMPOTENCY_KEY_REUSED' },
      );
      assert.deepEqual(
        await store.openGroup({
          ...base,
          groupId: grp(),
          userId: 'usr_j',
          requestId: 'req-j',
          reservationId: rsv(),
        }),
        { ok: false, code: 'IDEMPOTENCY_KEY_REUSED' },
      );
      // The leader retrying the open replays it, although each attempt mints a new group id.
      const reopened = await store.openGroup({
        ...base,
        userId: 'usr_l1',
        requestId: 'req-usr_l1',
        groupId: grp(),
        reservationId: rsv(),
      });
      assert.ok(reopened.ok && reopened.replayed);
      assert.equal(reopened.group.id, g1);
      assert.deepEqual(await store.getCampaignCounters(def.id), counters);
      assert.equal((await store.getGroup(def.id, g2))?.slotsTaken, 1);
    });

    test('the per-user limit counts every reservation of the campaign', async () => {
      const def = seckillDef({ stockTotal: 10, perUserLimit: 3 });
      await store.loadCampaign(def);
      assert.ok((await reserve(def.id, 'usr_a', { quantity: 2 })).ok);
      assert.deepEqual(await reserve(def.id, 'usr_a', { quantity: 2 }), {
        ok: false,
        code: 'LIMIT_EXCEEDED',
      });
      assert.ok((await reserve(def.id, 'usr_a', { quantity: 1 })).ok);
      assert.deepEqual(await reserve(def.id, 'usr_a', { quantity: 1 }), {
        ok: false,
        code: 'LIMIT_EXCEEDED',
      });
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 7);
    });

    test('SOLD_OUT when fewer units are left than asked, without a partial take', async () => {
      const def = seckillDef({ stockTotal: 3, perUserLimit: 5 });
      await store.loadCampaign(def);
      assert.ok((await reserve(def.id, 'usr_a', { quantity: 2 })).ok);
      assert.deepEqual(await reserve(def.id, 'usr_b', { quantity: 2 }), { ok: false, code: 'SOLD_OUT' });
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 1);
    });

    test('loadCampaign primes once; raising the total adds the difference, lowering never goes below zero', async () => {
      const def = seckillDef({ stockTotal: 4, perUserLimit: 4 });
      await store.loadCampaign(def);
      assert.ok((await reserve(def.id, 'usr_a', { quantity: 3 })).ok);
      assert.deepEqual(await store.loadCampaign(def), { state: 'refreshed', stockTotal: 4 });
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 1);
      await store.loadCampaign({ ...def, stockTotal: 10 });
      assert.deepEqual(await store.getCampaignCounters(def.id), {
        stockTotal: 10,
        stockLeft: 7,
        unsettled: 1,
      });
      assert.deepEqual(await store.loadCampaign({ ...def, stockTotal: 1 }), {
        state: 'refreshed',
        stockTotal: 3,
      });
      assert.deepEqual(await store.getCampaignCounters(def.id), {
        stockTotal: 3,
        stockLeft: 0,
        unsettled: 1,
      });
    });

    test('release gives units back exactly once, and an unknown reservation gives nothing', async () => {
      const def = seckillDef({ stockTotal: 2, perUserLimit: 2 });
      await store.loadCampaign(def);
      const r = await reserve(def.id, 'usr_a', { quantity: 2 });
      assert.ok(r.ok);
      const input = { campaignId: def.id, reservationId: r.reservation.id, userId: 'usr_a', quantity: 2 };
      assert.equal(await store.releaseReservation(input), true);
      assert.equal(await store.releaseReservation(input), false);
      assert.equal(
        await store.releaseReservation({ ...input, reservationId: rsv() }),
        false,
        'an unknown id must not create stock',
      );
      assert.deepEqual(await store.getCampaignCounters(def.id), {
        stockTotal: 2,
        stockLeft: 2,
        unsettled: 2,
      });
      assert.equal((await store.getReservation(def.id, r.reservation.id, 'usr_a'))?.status, 'released');
      // The user's count went back too: the full limit is available again.
      assert.ok((await reserve(def.id, 'usr_a', { quantity: 2 })).ok);
      const kinds = (await store.listUnsettled(def.id)).map((e) => e.entry.kind);
      assert.deepEqual(kinds, ['reserve', 'release', 'reserve']);
    });

    test('group: open takes slot 1; join checks NOT_FOUND, ALREADY_MEMBER, GROUP_FULL, GROUP_CLOSED', async () => {
      const def = groupbuyDef({ stockTotal: 20, perUserLimit: 1, groupSize: 2 });
      await store.loadCampaign(def);
      const now = Date.now();
      const groupId = grp();
      const base = { campaignId: def.id, nowMs: now, paymentTtlMs: PAY_TTL };
      const opened = await store.openGroup({
        ...base,
        userId: 'usr_l',
        requestId: 'req-open-001',
        groupId,
        reservationId: rsv(),
      });
      assert.ok(opened.ok);
      assert.equal(opened.reservation.groupId, groupId);
      assert.equal(opened.reservation.slot, 1);
      assert.deepEqual(opened.group.members, [{ userId: 'usr_l', slot: 1 }]);
      assert.equal(opened.group.expiresAtMs, now + 600_000);
      assert.equal(opened.group.status, 'forming');

      const join = (userId: string, gid = groupId, requestId = `req-join-${userId}`) =>
        store.joinGroup({ ...base, groupId: gid, userId, requestId, reservationId: rsv() });
      assert.deepEqual(await join('usr_x', 'grp_missing'), { ok: false, code: 'NOT_FOUND' });
      assert.deepEqual(await join('usr_l', groupId, 'req-join-again'), { ok: false, code: 'ALREADY_MEMBER' });
      const joined = await join('usr_b');
      assert.ok(joined.ok);
      assert.equal(joined.group.slotsTaken, 2);
      assert.deepEqual(await join('usr_c'), { ok: false, code: 'GROUP_FULL' });
      const replay = await join('usr_b');
      assert.ok(replay.ok && replay.replayed);
      assert.equal(replay.reservation.id, joined.reservation.id);
      assert.deepEqual(await store.listFormingGroups(def.id, now, 10), [], 'a full group is not offered');

      const g2 = grp();
      assert.ok(
        (
          await store.openGroup({
            ...base,
            userId: 'usr_m',
            requestId: 'req-open-002',
            groupId: g2,
            reservationId: rsv(),
          })
        ).ok,
      );
      assert.deepEqual(
        (await store.listFormingGroups(def.id, now, 10)).map((g) => g.id),
        [g2],
      );
      assert.equal(await store.closeGroup(def.id, g2, 'failed'), true);
      assert.equal(await store.closeGroup(def.id, g2, 'failed'), false);
      assert.deepEqual(await join('usr_d', g2), { ok: false, code: 'GROUP_CLOSED' });
      assert.deepEqual(await store.listFormingGroups(def.id, now, 10), []);
      // The per-user limit holds across groups.
      const g3 = grp();
      assert.ok(
        (
          await store.openGroup({
            ...base,
            userId: 'usr_n',
            requestId: 'req-open-003',
            groupId: g3,
            reservationId: rsv(),
          })
        ).ok,
      );
      assert.deepEqual(await join('usr_b', g3, 'req-other-group'), { ok: false, code: 'LIMIT_EXCEEDED' });
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 16);
    });

    test('group: an expired group is closed to joins; the group expires no later than the campaign', async () => {
      const now = Date.now();
      const def = groupbuyDef({ endsAtMs: now + 100_000, groupTtlMs: 600_000 });
      await store.loadCampaign(def);
      const groupId = grp();
      const opened = await store.openGroup({
        campaignId: def.id,
        userId: 'usr_l',
        requestId: 'req-open-exp',
        groupId,
        reservationId: rsv(),
        nowMs: now,
        paymentTtlMs: PAY_TTL,
      });
      assert.ok(opened.ok);
      assert.equal(opened.group.expiresAtMs, def.endsAtMs);
      const late = await store.joinGroup({
        campaignId: def.id,
        groupId,
        userId: 'usr_b',
        requestId: 'req-join-late',
        reservationId: rsv(),
        nowMs: def.endsAtMs - 1 + 0,
        paymentTtlMs: PAY_TTL,
      });
      assert.ok(late.ok, 'still open one ms before');
      await store.loadCampaign({ ...def, endsAtMs: now + 900_000 });
      const expired = await store.joinGroup({
        campaignId: def.id,
        groupId,
        userId: 'usr_c',
        requestId: 'req-join-expired',
        reservationId: rsv(),
        nowMs: def.endsAtMs,
        paymentTtlMs: PAY_TTL,
      });
      assert.deepEqual(expired, { ok: false, code: 'GROUP_CLOSED' });
    });

    test('group: a released member frees the slot, which another user can take', async () => {
      const def = groupbuyDef({ stockTotal: 10, perUserLimit: 1, groupSize: 2 });
      await store.loadCampaign(def);
      const base = { campaignId: def.id, nowMs: Date.now(), paymentTtlMs: PAY_TTL };
      const groupId = grp();
      assert.ok(
        (
          await store.openGroup({
            ...base,
            userId: 'usr_l',
            requestId: 'req-open-rel',
            groupId,
            reservationId: rsv(),
          })
        ).ok,
      );
      const b = await store.joinGroup({
        ...base,
        groupId,
        userId: 'usr_b',
        requestId: 'req-join-b',
        reservationId: rsv(),
      });
      assert.ok(b.ok);
      const rel = {
        campaignId: def.id,
        reservationId: b.reservation.id,
        userId: 'usr_b',
        quantity: 1,
        groupId,
      };
      assert.equal(await store.releaseReservation(rel), true);
      assert.equal(await store.releaseReservation(rel), false);
      const g = await store.getGroup(def.id, groupId);
      assert.equal(g?.slotsTaken, 1);
      const c = await store.joinGroup({
        ...base,
        groupId,
        userId: 'usr_c',
        requestId: 'req-join-c',
        reservationId: rsv(),
      });
      assert.ok(c.ok);
      assert.equal(c.reservation.slot, 2);
      assert.deepEqual(c.group.members, [
        { userId: 'usr_l', slot: 1 },
        { userId: 'usr_c', slot: 2 },
      ]);
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 8);
    });

    test('every stream entry takes the next position; replies raise the floor, replays move nothing', async () => {
      const def = groupbuyDef({ stockTotal: 10, perUserLimit: 2 });
      await store.loadCampaign(def);
      assert.deepEqual(await store.getHotPosition(def.id), { generation: 0, seq: 0 });
      const groupId = grp();
      const base = { campaignId: def.id, nowMs: Date.now(), paymentTtlMs: PAY_TTL };
      const opened = await store.openGroup({
        ...base,
        groupId,
        userId: 'usr_l',
        requestId: 'r1',
        reservationId: rsv(),
      });
      assert.ok(opened.ok);
      const joined = await store.joinGroup({
        ...base,
        groupId,
        userId: 'usr_j',
        requestId: 'r2',
        reservationId: rsv(),
      });
      assert.ok(joined.ok);
      assert.equal(
        await store.releaseReservation({
          campaignId: def.id,
          reservationId: joined.reservation.id,
          userId: 'usr_j',
          quantity: 1,
          groupId,
        }),
        true,
      );
      const again = await store.openGroup({
        ...base,
        groupId,
        userId: 'usr_l',
        requestId: 'r1',
        reservationId: rsv(),
      });
      assert.ok(again.ok && again.replayed);
      assert.deepEqual(await store.getHotPosition(def.id), { generation: 0, seq: 3 });
      assert.deepEqual(store.floorOf(def.id), { generation: 0, seq: 3 });
      const entries = await store.listUnsettled(def.id);
      assert.deepEqual(
        entries.map((e) => [e.entry.kind, e.entry.generation, e.entry.seq]),
        [
          ['reserve', 0, 1],
          ['reserve', 0, 2],
          ['release', 0, 3],
        ],
      );
      const snap = await store.snapshotUnsettled(def.id);
      assert.deepEqual(
        { n: snap.entries.length, counters: snap.counters, position: snap.position },
        {
          n: 3,
          counters: { stockTotal: 10, stockLeft: 9, unsettled: 3 },
          position: { generation: 0, seq: 3 },
        },
      );
    });

    test('a snapshot is one instant: a reservation made while it is taken is in all of it or in none', async () => {
      const def = seckillDef({ stockTotal: 10, perUserLimit: 5 });
      await store.loadCampaign(def);
      assert.ok((await reserve(def.id, 'usr_a')).ok);
      // Asked for side by side, as reconciliation's check runs beside the shoppers.
      const taken = store.snapshotUnsettled(def.id);
      const meanwhile = reserve(def.id, 'usr_b');
      const snap = await taken;
      assert.ok((await meanwhile).ok);
      const n = snap.entries.length;
      assert.deepEqual(
        { unsettled: snap.counters?.unsettled, left: snap.counters?.stockLeft, seq: snap.position?.seq },
        { unsettled: n, left: 10 - n, seq: n },
        'the entries, the counters and the position agree',
      );
    });

    test('a hot state behind the floor sells nothing (CAMPAIGN_REBUILDING) and is reported suspect', async () => {
      const def = seckillDef({ stockTotal: 5, perUserLimit: 5 });
      await store.loadCampaign(def);
      const first = await reserve(def.id, 'usr_a');
      assert.ok(first.ok);
      const suspects: Array<string | undefined> = [];
      const unsubscribe = store.onSuspect((id) => suspects.push(id));
      // A position this store has not reached: what an older copy of Redis looks like to a process that knew more.
      store.raiseFloor(def.id, { generation: 0, seq: 7 });
      assert.deepEqual(await reserve(def.id, 'usr_b'), { ok: false, code: 'CAMPAIGN_REBUILDING' });
      assert.deepEqual(
        await reserve(def.id, 'usr_a', { requestId: first.reservation.requestId }),
        { ok: false, code: 'CAMPAIGN_REBUILDING' },
        'not even a replay is answered from a state that may be missing later reservations',
      );
      assert.equal(
        await store.releaseReservation({
          campaignId: def.id,
          reservationId: first.reservation.id,
          userId: 'usr_a',
          quantity: 1,
        }),
        false,
        'a release waits for the rebuild, which counts it from PostgreSQL',
      );
      unsubscribe();
      assert.deepEqual(suspects, [def.id, def.id, def.id]);
      assert.deepEqual(await store.getCampaignCounters(def.id), {
        stockTotal: 5,
        stockLeft: 4,
        unsettled: 1,
      });
      // A lower position never lowers the floor.
      store.raiseFloor(def.id, { generation: 0, seq: 2 });
      assert.deepEqual(store.floorOf(def.id), { generation: 0, seq: 7 });
    });

    test('suspendCampaign takes a present state offline; a rebuild with a new generation is ahead of any floor', async () => {
      const def = seckillDef({ stockTotal: 6, perUserLimit: 6 });
      await store.loadCampaign(def);
      const kept = await reserve(def.id, 'usr_a', { requestId: 'req-kept' });
      assert.ok(kept.ok);
      store.raiseFloor(def.id, { generation: 0, seq: 40 });
      assert.equal(await store.suspendCampaign(def.id), true);
      assert.equal(await store.hasCampaignState(def.id), false);
      assert.deepEqual(await reserve(def.id, 'usr_b'), { ok: false, code: 'CAMPAIGN_REBUILDING' });
      assert.equal(
        await store.rebuildCampaign({
          def,
          stockLeft: 5,
          users: [['usr_a', 1]],
          requests: [['usr_a', 'req-kept', kept.reservation.id]],
          released: [],
          reservations: [{ ...kept.reservation, status: 'settled' }],
          groups: [],
          generation: 3,
        }),
        'rebuilt',
      );
      assert.deepEqual(await store.getHotPosition(def.id), { generation: 3, seq: 0 });
      const replay = await reserve(def.id, 'usr_a', { requestId: 'req-kept' });
      assert.ok(replay.ok && replay.replayed);
      assert.equal(replay.reservation.id, kept.reservation.id);
      const next = await reserve(def.id, 'usr_b');
      assert.ok(next.ok);
      assert.deepEqual(await store.getHotPosition(def.id), { generation: 3, seq: 1 });
      assert.deepEqual(store.floorOf(def.id), { generation: 3, seq: 1 });
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 4);
    });

    test('a campaign whose position this store has seen and whose state is gone answers CAMPAIGN_REBUILDING', async () => {
      const def = seckillDef();
      await store.loadCampaign(def);
      assert.ok((await reserve(def.id, 'usr_a')).ok);
      await kind.wipeCampaign(store, def.id);
      assert.deepEqual(await reserve(def.id, 'usr_b'), { ok: false, code: 'CAMPAIGN_REBUILDING' });
      assert.deepEqual(await reserve('cmp_never_seen', 'usr_b'), { ok: false, code: 'NOT_FOUND' });
    });
  });
}
