/**
 * Settlement's linger: after a pass of partial batches it waits before reading again, so batches grow with the
 * load; a full batch never waits. Timed only against a linger far longer than the work (10 s), so a slow
 * machine cannot make it pass or fail by accident.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MemoryHotPathStore, startSettlement } from '../src/index.ts';
import { createPgSchema, PG, type PgSchema, rsv, seckillDef, uid } from './helpers.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('settlement linger', () => {
  let db: PgSchema;
  before(async () => {
    db = await createPgSchema();
  });
  after(() => db.drop());

  test('full batches go at once; after a partial one the next read waits the linger', async () => {
    const store = new MemoryHotPathStore();
    const def = seckillDef({ stockTotal: 100, perUserLimit: 100 });
    await store.loadCampaign(def);
    await db.insertCampaign(def);
    await db.insertUsers(['usr_linger']);
    let n = 0;
    const reserve = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const r = await store.reserveSeckill({
          campaignId: def.id,
          userId: 'usr_linger',
          requestId: `req-${n++}`,
          quantity: 1,
          reservationId: rsv(),
          nowMs: Date.now(),
          paymentTtlMs: 60_000,
        });
        assert.ok(r.ok);
      }
    };
    const orders = async () =>
      Number(
        (await db.pool.query<{ n: string }>('select count(*) n from orders where campaign_id = $1', [def.id]))
          .rows[0]?.n,
      );
    const batches: number[] = [];
    await reserve(12);
    const settlement = startSettlement({
      store,
      pg: PG,
      schema: db.schema,
      consumerName: uid('consumer'),
      poolSize: 1,
      batchSize: 5,
      lingerMs: 10_000,
      leaseMs: 60_000,
      listCampaignIds: async () => [def.id],
      observer: { settlementBatch: (b) => batches.push(b.size) },
    });
    try {
      // Two full batches and the partial rest, without waiting between them.
      const deadline = Date.now() + 8_000;
      while ((await orders()) < 12 && Date.now() < deadline) await sleep(50);
      assert.equal(await orders(), 12, 'full batches did not wait for the linger');
      assert.deepEqual(batches, [5, 5, 2]);

      // The pass just settled a partial batch: what comes next waits for the linger.
      await reserve(3);
      await sleep(1_500);
      assert.equal(await orders(), 12, 'read again before the linger was over');
      await settlement.drain(20_000);
      assert.equal(await orders(), 15);
      assert.deepEqual(batches, [5, 5, 2, 3]);
    } finally {
      await settlement.stop();
      await store.close();
    }
  });
});
