/**
 * The settlement loop outlives a failed campaign listing (the bus timing out under load): it reports the error
 * and settles everything once the listing answers again. Before, one rejected listing ended the loop for good
 * and, unhandled, the whole process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { HotPathStore } from '../src/index.ts';
import {
  createPgSchema,
  disposeStore,
  type PgSchema,
  reserveEach,
  seckillDef,
  seedCampaign,
  startTestSettlement,
  storeKinds,
} from './helpers.ts';

for (const kind of storeKinds) {
  describe(`settlement with a failing campaign listing (${kind.name})`, () => {
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

    test('listing fails three times: reported, then every reservation becomes exactly one order', async () => {
      const def = seckillDef({ stockTotal: 20, perUserLimit: 1 });
      const users = Array.from({ length: 20 }, (_, i) => `usr_${i}_${def.id.slice(-8)}`);
      await seedCampaign(store, db, def, users);
      const ids = (await reserveEach(store, def, users)).map((r) => r.id);
      assert.equal(ids.length, 20);
      let failuresLeft = 3;
      const errors: unknown[] = [];
      const settlement = startTestSettlement(store, db, {
        batchSize: 8,
        poolSize: 1,
        leaseMs: 2_000,
        listCampaignIds: async () => {
          if (failuresLeft > 0) {
            failuresLeft--;
            throw new Error('campaigns.activeIds timed out');
          }
          return [def.id];
        },
        observer: { settlementError: (e) => errors.push(e.error) },
      });
      // drain() lists campaigns too: start it only once the loop has seen its three failures.
      while (errors.length < 3) await new Promise((r) => setTimeout(r, 20));
      await settlement.drain(30_000);
      await settlement.stop();
      assert.equal(failuresLeft, 0);
      assert.equal(errors.length, 3, 'each failed listing was reported');
      const rows = await db.pool.query<{ reservation_id: string }>(
        'select reservation_id from orders where campaign_id = $1 order by reservation_id',
        [def.id],
      );
      assert.deepEqual(
        rows.rows.map((r) => r.reservation_id),
        ids.sort(),
      );
    });
  });
}
