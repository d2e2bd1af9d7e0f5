/**
 * Settlement's worker threads run at a lower priority than the process (`niceIncrement`), so that the hot path
 * wins a contended core: read back from /proc, the threads of this process after a batch has settled.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { MemoryHotPathStore, startSettlement } from '../src/index.ts';
import { createPgSchema, PG, type PgSchema, rsv, seckillDef, uid } from './helpers.ts';

/** The nice value of each thread of this process (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNice(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
    out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return out;
}

describe('settlement thread priority', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  let db: PgSchema;
  before(async () => {
    db = await createPgSchema();
  });
  after(() => db.drop());

  test('the worker threads run niceIncrement lower; the main thread keeps its priority', async () => {
    const store = new MemoryHotPathStore();
    const def = seckillDef();
    await store.loadCampaign(def);
    await db.insertCampaign(def);
    await db.insertUsers(['usr_nice']);
    const r = await store.reserveSeckill({
      campaignId: def.id,
      userId: 'usr_nice',
      requestId: 'req-nice',
      quantity: 1,
      reservationId: rsv(),
      nowMs: Date.now(),
      paymentTtlMs: 60_000,
    });
    assert.ok(r.ok);
    const before = threadNice();
    const settlement = startSettlement({
      store,
      pg: PG,
      schema: db.schema,
      consumerName: uid('consumer'),
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
