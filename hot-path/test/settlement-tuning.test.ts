/**
 * Settlement's tuning for sharing cores with the hot path: the linger (after a pass of partial batches it waits
 * before reading again, so batches grow with the load; a full batch never waits), timed only against a linger far
 * longer than the work (10 s), so a slow machine cannot make it pass or fail by accident; and the worker threads'
 * lower priority, read back from /proc.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { MemoryHotPathStore } from '../src/index.ts';
import {
  createPgSchema,
  type PgSchema,
  reserveEach,
  seckillDef,
  seedCampaign,
  startTestSettlement,
} from './helpers.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The nice value of each thread of this process (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNice(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
    out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return out;
}

describe('settlement tuning', () => {
  let db: PgSchema;
  before(async () => {
    db = await createPgSchema();
  });
  after(() => db.drop());

  /** A memory store with a live campaign (also in PostgreSQL), and `reserve(count)` for one shopper of it. */
  async function campaign(userId: string) {
    const store = new MemoryHotPathStore();
    const def = seckillDef({ stockTotal: 100, perUserLimit: 100 });
    await seedCampaign(store, db, def, [userId]);
    const reserve = async (count: number) => {
      const made = await reserveEach(
        store,
        def,
        Array.from({ length: count }, () => userId),
      );
      assert.equal(made.length, count);
    };
    return { store, def, reserve };
  }

  test('full batches go at once; after a partial one the next read waits the linger', async () => {
    const { store, def, reserve } = await campaign('usr_linger');
    const orders = async () =>
      Number(
        (await db.pool.query<{ n: string }>('select count(*) n from orders where campaign_id = $1', [def.id]))
          .rows[0]?.n,
      );
    const batches: number[] = [];
    await reserve(12);
    const settlement = startTestSettlement(store, db, {
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
      // The observer hears of a batch just after its commit: wait for both the orders and the third report.
      while (((await orders()) < 12 || batches.length < 3) && Date.now() < deadline) await sleep(50);
      assert.equal(await orders(), 12, 'full batches did not wait for the linger');
      assert.deepEqual(batches, [5, 5, 2]);

      // The pass just settled a partial batch: what comes next waits for the linger.
      await reserve(3);
      await sleep(1_500);
      assert.equal(await orders(), 12, 'read again before the linger was over');
      await settlement.drain(20_000);
      assert.equal(await orders(), 15);
      for (let waited = 0; batches.length < 4 && waited < 5_000; waited += 50) await sleep(50);
      assert.deepEqual(batches, [5, 5, 2, 3]);
    } finally {
      await settlement.stop();
      await store.close();
    }
  });

  test('the worker threads run niceIncrement lower; the main thread keeps its priority', {
    skip: process.platform !== 'linux' && 'needs /proc',
  }, async () => {
    const { store, def, reserve } = await campaign('usr_nice');
    await reserve(1);
    const before = threadNice();
    const settlement = startTestSettlement(store, db, {
      poolSize: 1,
      niceIncrement: 7,
      listCampaignIds: async () => [def.id],
    });
    try {
      await settlement.drain();
      const now = threadNice();
      const base = now.get(process.pid) ?? 0;
      const lowered = [...now].filter(([tid, nice]) => !before.has(tid) && nice === base + 7);
      assert.ok(lowered.length >= 1, `a settlement thread at nice ${base + 7}: ${JSON.stringify([...now])}`);
      assert.equal(threadNice().get(process.pid), base, 'the main thread is not lowered');
    } finally {
      await settlement.stop();
      await store.close();
    }
  });
});
