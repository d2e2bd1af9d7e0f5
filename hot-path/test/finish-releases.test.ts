/**
 * A release committed in PostgreSQL but lost before it reached the hot path (a crash between the two) is finished
 * by the next check: the units come back exactly once, on both stores.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { HotPathStore } from '../src/index.ts';
import { finishReleases } from '../src/index.ts';
import {
  createPgSchema,
  disposeStore,
  type PgSchema,
  rsv,
  SETTLED_RECORDS,
  seckillDef,
  storeKinds,
  uid,
} from './helpers.ts';

for (const kind of storeKinds) {
  describe(`finishReleases (${kind.name})`, () => {
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

    test('an order cancelled in PostgreSQL whose release never reached the hot path gets its units back once', async () => {
      const def = seckillDef({ stockTotal: 5, perUserLimit: 2 });
      await store.loadCampaign(def);
      await db.insertCampaign(def);
      const userId = uid('usr');
      await db.insertUsers([userId]);
      const reservationId = rsv();
      const res = await store.reserveSeckill({
        campaignId: def.id,
        userId,
        requestId: 'req-finish-1',
        quantity: 2,
        reservationId,
        nowMs: Date.now(),
        paymentTtlMs: 60_000,
      });
      assert.equal(res.ok, true);
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 3);
      // PostgreSQL has the order cancelled with its units released; the hot path was never told.
      await db.pool.query(
        `insert into orders (id, reservation_id, request_id, user_id, campaign_id, campaign_type, sku_id, title, status,
           quantity, unit_price_fen, total_fen, created_at, expires_at, cancelled_at, stock_released_at)
         values ($1, $2, 'req-finish-1', $3, $4, 'seckill', $5, 't', 'cancelled', 2, 100, 200, now(), now(), now(), now())`,
        [`ord_${reservationId.slice(4)}`, reservationId, userId, def.id, def.skuId],
      );
      const sinceMs = Date.now() - 60_000;
      assert.equal(
        await finishReleases({ store, sql: db.pool, records: SETTLED_RECORDS, campaignId: def.id, sinceMs }),
        1,
      );
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 5);
      assert.equal((await store.getReservation(def.id, reservationId, userId))?.status, 'released');
      // Again: nothing more comes back.
      assert.equal(
        await finishReleases({ store, sql: db.pool, records: SETTLED_RECORDS, campaignId: def.id, sinceMs }),
        0,
      );
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 5);
    });

    test('a release outside the window, or one the hot path already had, is left alone', async () => {
      const def = seckillDef({ stockTotal: 3, perUserLimit: 1 });
      await store.loadCampaign(def);
      await db.insertCampaign(def);
      const userId = uid('usr');
      await db.insertUsers([userId]);
      const reservationId = rsv();
      await store.reserveSeckill({
        campaignId: def.id,
        userId,
        requestId: 'req-finish-2',
        quantity: 1,
        reservationId,
        nowMs: Date.now(),
        paymentTtlMs: 60_000,
      });
      await db.pool.query(
        `insert into orders (id, reservation_id, request_id, user_id, campaign_id, campaign_type, sku_id, title, status,
           quantity, unit_price_fen, total_fen, created_at, expires_at, cancelled_at, stock_released_at)
         values ($1, $2, 'req-finish-2', $3, $4, 'seckill', $5, 't', 'cancelled', 1, 100, 100, now(), now(), now(),
           now() - interval '1 hour')`,
        [`ord_${reservationId.slice(4)}`, reservationId, userId, def.id, def.skuId],
      );
      assert.equal(
        await finishReleases({
          store,
          sql: db.pool,
          records: SETTLED_RECORDS,
          campaignId: def.id,
          sinceMs: Date.now() - 60_000,
        }),
        0,
      );
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 2);
      assert.equal(
        await store.releaseReservation({ campaignId: def.id, reservationId, userId, quantity: 1 }),
        true,
      );
      assert.equal(
        await finishReleases({
          store,
          sql: db.pool,
          records: SETTLED_RECORDS,
          campaignId: def.id,
          sinceMs: 0,
        }),
        0,
      );
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 3);
    });
  });
}
