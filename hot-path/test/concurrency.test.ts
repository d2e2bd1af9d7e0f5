/**
 * Concurrency invariants on both stores: a seckill rush (2,000 users × 2 attempts on 100 units, limit 1) and a
 * group-join race (600 users on 50 groups of 3), then settlement into real PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { HotPathStore, ReserveResult } from '../src/index.ts';
import {
  createPgSchema,
  disposeStore,
  groupbuyDef,
  grp,
  inParallel,
  type PgSchema,
  rsv,
  seckillDef,
  startTestSettlement,
  storeKinds,
} from './helpers.ts';

const PAY_TTL = 15 * 60_000;

for (const kind of storeKinds) {
  describe(`concurrency (${kind.name})`, () => {
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

    test('2,000 users × 2 attempts on 100 units: exactly 100 reservations, then exactly 100 orders', async () => {
      const def = seckillDef({ stockTotal: 100, perUserLimit: 1 });
      await store.loadCampaign(def);
      const users = Array.from({ length: 2000 }, (_, i) => `usr_${i}_${def.id.slice(-6)}`);
      const attempts = users.flatMap((u) => [
        { u, requestId: `req-${u}-a` },
        { u, requestId: `req-${u}-b` },
      ]);
      // Shuffled so that a user's two attempts race each other and everyone else's.
      attempts.sort(() => Math.random() - 0.5);
      const results: ReserveResult[] = await Promise.all(
        attempts.map((a) =>
          store.reserveSeckill({
            campaignId: def.id,
            userId: a.u,
            requestId: a.requestId,
            quantity: 1,
            reservationId: rsv(),
            nowMs: Date.now(),
            paymentTtlMs: PAY_TTL,
          }),
        ),
      );
      const won = results.filter((r) => r.ok);
      assert.equal(won.length, 100);
      const winners = new Set(won.map((r) => (r.ok ? r.reservation.userId : '')));
      assert.equal(winners.size, 100, 'no user twice');
      for (const r of results) {
        if (!r.ok) assert.ok(r.code === 'SOLD_OUT' || r.code === 'LIMIT_EXCEEDED', r.code);
      }
      assert.deepEqual(await store.getCampaignCounters(def.id), {
        stockTotal: 100,
        stockLeft: 0,
        unsettled: 100,
      });

      await db.insertUsers(users);
      await db.insertCampaign(def);
      const settlement = startTestSettlement(store, db, {
        batchSize: 32,
        poolSize: 2,
        leaseMs: 2_000,
        listCampaignIds: async () => [def.id],
      });
      await settlement.drain();
      await settlement.stop();
      const orders = await db.pool.query<{ n: string; users: string; units: string }>(
        `select count(*) n, count(distinct user_id) users, sum(quantity) units from orders
         where campaign_id = $1 and status = 'pending_payment'`,
        [def.id],
      );
      assert.deepEqual(orders.rows[0], { n: '100', users: '100', units: '100' });
      const transitions = await db.pool.query<{ n: string }>(
        `select count(*) n from order_transitions t join orders o on o.id = t.order_id
         where o.campaign_id = $1 and t.from_status is null and t.to_status = 'pending_payment'`,
        [def.id],
      );
      assert.equal(transitions.rows[0]?.n, '100');
      const wonIds = won.map((r) => (r.ok ? r.reservation.id : '')).sort();
      const rows = await db.pool.query<{ reservation_id: string }>(
        'select reservation_id from orders where campaign_id = $1 order by reservation_id',
        [def.id],
      );
      assert.deepEqual(
        rows.rows.map((r) => r.reservation_id),
        wonIds,
      );
      const anyWinner = won[0];
      assert.ok(anyWinner?.ok);
      assert.equal(
        (await store.getReservation(def.id, anyWinner.reservation.id, anyWinner.reservation.userId))?.status,
        'settled',
      );
    });

    test('600 users race into 50 groups of 3: no group over 3, nobody twice in a group, stock never negative', async () => {
      const def = groupbuyDef({ stockTotal: 150, perUserLimit: 2, groupSize: 3 });
      await store.loadCampaign(def);
      const now = Date.now();
      const groupIds = Array.from({ length: 50 }, () => grp());
      const leaders = groupIds.map((_, i) => `usr_lead_${i}`);
      await Promise.all(
        groupIds.map((groupId, i) =>
          store.openGroup({
            campaignId: def.id,
            userId: leaders[i] as string,
            requestId: `req-open-${i}`,
            groupId,
            reservationId: rsv(),
            nowMs: now,
            paymentTtlMs: PAY_TTL,
          }),
        ),
      );
      // Each joiner tries three groups at once (and one of them twice), so slots, limits and duplicates all race.
      const joiners = Array.from({ length: 600 }, (_, i) => `usr_join_${i}`);
      const attempts = joiners.flatMap((u, i) => {
        const g = [i % 50, (i * 7 + 3) % 50, (i * 13 + 5) % 50];
        return [...g, g[0] as number].map((gi, k) => ({
          u,
          groupId: groupIds[gi] as string,
          requestId: `req-${u}-${k}`,
        }));
      });
      attempts.sort(() => Math.random() - 0.5);
      const results = await inParallel(attempts, 256, (a) =>
        store.joinGroup({
          campaignId: def.id,
          groupId: a.groupId,
          userId: a.u,
          requestId: a.requestId,
          reservationId: rsv(),
          nowMs: Date.now(),
          paymentTtlMs: PAY_TTL,
        }),
      );
      const joined = results.filter((r) => r.ok);
      assert.equal(joined.length, 100, '50 groups × 2 free slots');
      for (const r of results) {
        if (!r.ok)
          assert.ok(['GROUP_FULL', 'ALREADY_MEMBER', 'LIMIT_EXCEEDED', 'SOLD_OUT'].includes(r.code), r.code);
      }
      let members = 0;
      for (const groupId of groupIds) {
        const g = await store.getGroup(def.id, groupId);
        assert.ok(g);
        assert.ok(g.slotsTaken <= 3);
        assert.equal(g.members.length, g.slotsTaken);
        assert.equal(
          new Set(g.members.map((m) => m.userId)).size,
          g.members.length,
          'nobody twice in one group',
        );
        assert.deepEqual(
          g.members.map((m) => m.slot),
          Array.from({ length: g.members.length }, (_, i) => i + 1),
        );
        members += g.members.length;
      }
      const counters = await store.getCampaignCounters(def.id);
      assert.ok(counters);
      assert.ok(counters.stockLeft >= 0);
      assert.equal(counters.stockLeft + members, def.stockTotal, 'stock left + reserved = total');

      await db.insertUsers([...leaders, ...joiners]);
      await db.insertCampaign(def);
      const settlement = startTestSettlement(store, db, {
        batchSize: 50,
        poolSize: 2,
        leaseMs: 2_000,
        listCampaignIds: async () => [def.id],
      });
      await settlement.drain();
      await settlement.stop();
      const q = await db.pool.query<{ groups: string; members: string; orders: string; forming: string }>(
        `select (select count(*) from groups where campaign_id = $1) groups,
                (select count(*) from group_members m join groups g on g.id = m.group_id
                  where g.campaign_id = $1 and m.left_at is null) members,
                (select count(*) from orders where campaign_id = $1) orders,
                (select count(*) from group_transitions t join groups g on g.id = t.group_id
                  where g.campaign_id = $1 and t.to_status = 'forming') forming`,
        [def.id],
      );
      assert.deepEqual(q.rows[0], { groups: '50', members: '150', orders: '150', forming: '50' });
    });
  });
}
