/**
 * Settlement checks the references its rows carry (the foreign keys on orders and their transitions were dropped
 * for speed): a batch naming an unknown user or campaign fails whole, as a foreign-key violation did, and writes
 * nothing; a batch of known ones settles.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import settlementSink from '../../broker-services/src/modules/orders/settlement-sink.ts';
import { settleBatch } from '../src/index.ts';
import type { SettlementEntry } from '../src/store/types.ts';
import { createPgSchema, type PgSchema, rsv, seckillDef, uid } from './helpers.ts';

describe('settlement reference checks', () => {
  let db: PgSchema;
  const def = seckillDef();
  const known = [uid('usr'), uid('usr')];
  before(async () => {
    db = await createPgSchema();
    await db.insertCampaign(def);
    await db.insertUsers(known);
  });
  after(() => db.drop());

  const entry = (userId: string, campaignId = def.id): SettlementEntry => ({
    kind: 'reserve',
    campaignId,
    reservationId: rsv(),
    userId,
    requestId: uid('req'),
    quantity: 1,
    unitPriceFen: def.priceFen,
    createdAtMs: Date.now(),
    expiresAtMs: Date.now() + 60_000,
    campaignType: 'seckill',
    skuId: def.skuId,
    title: def.title,
    dryRun: false,
  });

  async function counts(): Promise<{ orders: number; transitions: number }> {
    const r = await db.pool.query<{ orders: number; transitions: number }>(
      `select (select count(*) from orders)::int as orders, (select count(*) from order_transitions)::int as transitions`,
    );
    return r.rows[0] ?? { orders: -1, transitions: -1 };
  }

  async function settle(entries: SettlementEntry[]) {
    const client = await db.pool.connect();
    try {
      return await settleBatch(client, entries, settlementSink);
    } finally {
      client.release();
    }
  }

  test('an unknown user fails the whole batch and writes nothing', async () => {
    await assert.rejects(
      settle([entry(known[0] as string), entry('usr_nobody')]),
      /1 unknown user\(s\) and 0 unknown campaign\(s\)/,
    );
    assert.deepEqual(await counts(), { orders: 0, transitions: 0 });
  });

  test('an unknown campaign fails the whole batch and writes nothing', async () => {
    await assert.rejects(
      settle([entry(known[0] as string, 'cmp_nowhere')]),
      /0 unknown user\(s\) and 1 unknown campaign\(s\)/,
    );
    assert.deepEqual(await counts(), { orders: 0, transitions: 0 });
  });

  test('known users and campaign settle, one order and one transition each', async () => {
    const result = await settle([
      entry(known[0] as string),
      entry(known[1] as string),
      entry(known[0] as string),
    ]);
    assert.equal(result.inserted, 3);
    assert.deepEqual(await counts(), { orders: 3, transitions: 3 });
  });
});
