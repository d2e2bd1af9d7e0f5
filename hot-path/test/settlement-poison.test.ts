/**
 * One campaign's failing batch must not hold back another's settlement, and an entry that fails for ever (a
 * poison entry: here a total beyond the 32-bit money column) is parked after N tries, so that the rest of its
 * campaign settles; every failure reaches the observer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { HotPathStore, Reservation } from '../src/index.ts';
import {
  createPgSchema,
  disposeStore,
  type PgSchema,
  reserveEach,
  rsv,
  seckillDef,
  seedCampaign,
  startTestSettlement,
  storeKinds,
  uid,
} from './helpers.ts';

const PAY_TTL = 15 * 60_000;
/** Fits a 32-bit column as a unit price; three of them do not. */
const HUGE_PRICE = 1_000_000_000;

for (const kind of storeKinds) {
  describe(`settlement poison and isolation (${kind.name})`, () => {
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

    async function reserveQuantity(
      campaignId: string,
      userId: string,
      quantity: number,
    ): Promise<Reservation> {
      const r = await store.reserveSeckill({
        campaignId,
        userId,
        requestId: uid('req'),
        quantity,
        reservationId: rsv(),
        nowMs: Date.now(),
        paymentTtlMs: PAY_TTL,
      });
      assert.ok(r.ok);
      return r.reservation;
    }

    const ordersOf = async (campaignId: string) =>
      (
        await db.pool.query<{ reservation_id: string }>(
          'select reservation_id from orders where campaign_id = $1',
          [campaignId],
        )
      ).rows.map((r) => r.reservation_id);

    test("a campaign whose batch keeps failing does not hold back another campaign's settlement", async () => {
      const bad = seckillDef({ priceFen: HUGE_PRICE, stockTotal: 10, perUserLimit: 5 });
      const good = seckillDef({ stockTotal: 20, perUserLimit: 1 });
      const goodUsers = Array.from({ length: 10 }, (_, i) => `usr_g${i}_${good.id.slice(-8)}`);
      await seedCampaign(store, db, bad, ['usr_poison']);
      await seedCampaign(store, db, good, goodUsers);
      await reserveQuantity(bad.id, 'usr_poison', 3);
      const badErrors: unknown[] = [];
      const settlement = startTestSettlement(store, db, {
        batchSize: 16,
        poolSize: 2,
        leaseMs: 3_000,
        parkAfterAttempts: 1_000,
        listCampaignIds: async () => [bad.id, good.id],
        observer: {
          settlementError: (e) => {
            if (e.campaignId === bad.id) badErrors.push(e.error);
          },
        },
      });
      try {
        // Let the bad batch fail until its back-off is long.
        while (badErrors.length < 6) await new Promise((r) => setTimeout(r, 20));
        const before = badErrors.length;
        // Each of these settles on its own before the next is made: with the back-off slept in the pass every
        // campaign shares, each one waited for a retry of the bad batch.
        for (const userId of goodUsers) {
          const [r] = await reserveEach(store, good, [userId], PAY_TTL);
          for (;;) {
            if ((await ordersOf(good.id)).includes(r!.id)) break;
            await new Promise((res) => setTimeout(res, 5));
          }
        }
        const during = badErrors.length - before;
        assert.ok(
          during < goodUsers.length / 2,
          `${during} retries of the failing campaign while ${goodUsers.length} reservations of another settled one by one`,
        );
        assert.match(String(badErrors[0]), /out of range/);
        assert.deepEqual(await ordersOf(bad.id), []);
      } finally {
        await settlement.stop();
      }
    });

    test('a poison entry is parked after N tries; the rest of its campaign settles and nothing is lost', async () => {
      const def = seckillDef({ priceFen: HUGE_PRICE, stockTotal: 20, perUserLimit: 5 });
      const users = ['usr_a', 'usr_b', 'usr_c'].map((u) => `${u}_${def.id.slice(-8)}`);
      await seedCampaign(store, db, def, users);
      const first = await reserveQuantity(def.id, users[0]!, 1);
      const poison = await reserveQuantity(def.id, users[1]!, 3);
      const last = await reserveQuantity(def.id, users[2]!, 2);
      const errors: unknown[] = [];
      const parked: string[] = [];
      const settlement = startTestSettlement(store, db, {
        batchSize: 16,
        poolSize: 2,
        leaseMs: 3_000,
        parkAfterAttempts: 3,
        listCampaignIds: async () => [def.id],
        observer: {
          settlementError: (e) => errors.push(e.error),
          settlementParked: (e) => parked.push(e.streamId),
        },
      });
      try {
        await settlement.drain(30_000);
      } finally {
        await settlement.stop();
      }
      assert.deepEqual((await ordersOf(def.id)).sort(), [first.id, last.id].sort());
      const rows = await db.pool.query<{
        reservation_id: string;
        user_id: string;
        kind: string;
        attempts: number;
        error: string;
        entry: { quantity: number; unitPriceFen: number };
      }>('select * from settlement_parked where campaign_id = $1', [def.id]);
      assert.equal(rows.rows.length, 1);
      const row = rows.rows[0]!;
      assert.deepEqual(
        { reservation: row.reservation_id, user: row.user_id, kind: row.kind, attempts: row.attempts },
        { reservation: poison.id, user: users[1], kind: 'reserve', attempts: 3 },
      );
      assert.deepEqual([row.entry.quantity, row.entry.unitPriceFen], [3, HUGE_PRICE]);
      assert.match(row.error, /out of range/);
      assert.equal(parked.length, 1);
      // Three failed batches, then the poison entry alone once more: every failure was reported.
      assert.equal(errors.length, 4);
      assert.equal((await store.pendingSettlement(def.id)).pending, 0);
      assert.equal((await store.getCampaignCounters(def.id))?.unsettled, 0);
    });
  });
}
