/**
 * Membership level benefits on a campaign (a higher per-user limit, early access), on Redis (Lua) and the memory
 * store: the shopper's level code travels with the call and the campaign's level table lives in its metadata, so a
 * reservation asks nothing else. Asserts exact limits under a concurrent burst, the opening per level, the stock
 * invariant, and that a rebuild from PostgreSQL keeps the table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CampaignDef, HotPathStore, ReserveResult } from '../src/index.ts';
import { effectiveTerms, reconcileCampaign } from '../src/index.ts';
import { levelTable } from '../src/store/script-calls.ts';
import {
  createPgSchema,
  disposeStore,
  groupbuyDef,
  grp,
  type PgSchema,
  rsv,
  SETTLED_RECORDS,
  seckillDef,
  seedCampaign,
  startTestSettlement,
  storeKinds,
  uid,
} from './helpers.ts';

const PAY_TTL = 15 * 60_000;
const MINUTE = 60_000;

/** Base limit 2; level v2 may hold 4 and opens 10 minutes early; v1 opens 5 minutes early at the base limit. */
function withBenefits(over: Partial<CampaignDef> = {}): CampaignDef {
  return seckillDef({
    stockTotal: 100,
    perUserLimit: 2,
    levelBenefits: [
      { levelCode: 'v2', perUserLimit: 4, earlyAccessMs: 10 * MINUTE },
      { levelCode: 'v1', earlyAccessMs: 5 * MINUTE },
    ],
    ...over,
  });
}

test('levelTable and effectiveTerms agree on a level, an unlisted one and none', () => {
  const def = withBenefits();
  assert.equal(levelTable(def), ';v2:4:600000;v1:0:300000;');
  assert.equal(levelTable(seckillDef()), '');
  // A malformed code never reaches a script's search.
  assert.equal(levelTable(seckillDef({ levelBenefits: [{ levelCode: 'V2;x', perUserLimit: 3 }] })), '');
  assert.deepEqual(effectiveTerms(def, 'v2'), { perUserLimit: 4, opensAtMs: def.startsAtMs - 10 * MINUTE });
  assert.deepEqual(effectiveTerms(def, 'v1'), { perUserLimit: 2, opensAtMs: def.startsAtMs - 5 * MINUTE });
  assert.deepEqual(effectiveTerms(def, 'v0'), { perUserLimit: 2, opensAtMs: def.startsAtMs });
  assert.deepEqual(effectiveTerms(def, undefined), { perUserLimit: 2, opensAtMs: def.startsAtMs });
});

for (const kind of storeKinds) {
  describe(`level benefits (${kind.name})`, () => {
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

    let n = 0;
    const reserve = (def: CampaignDef, userId: string, levelCode?: string, nowMs = Date.now()) =>
      store.reserveSeckill({
        campaignId: def.id,
        userId,
        requestId: `req-${n++}-${userId}`,
        quantity: 1,
        reservationId: rsv(),
        nowMs,
        paymentTtlMs: PAY_TTL,
        ...(levelCode === undefined ? {} : { levelCode }),
      });

    /** `attempts` requests of one unit each, all in flight at once; returns how many succeeded and the refusals. */
    async function burst(def: CampaignDef, userId: string, levelCode: string | undefined, attempts: number) {
      const results: ReserveResult[] = await Promise.all(
        Array.from({ length: attempts }, () => reserve(def, userId, levelCode)),
      );
      const refusals = new Set(results.flatMap((r) => (r.ok ? [] : [r.code])));
      return { ok: results.filter((r) => r.ok).length, refusals: [...refusals] };
    }

    test('a concurrent burst: a level-2 shopper gets exactly the higher limit, others exactly the base', async () => {
      const def = withBenefits();
      await store.loadCampaign(def);
      const v2 = await burst(def, 'usr_gold', 'v2', 12);
      const v0 = await burst(def, 'usr_plain', 'v0', 12);
      const none = await burst(def, 'usr_anon', undefined, 12);
      const v1 = await burst(def, 'usr_early', 'v1', 12);
      assert.deepEqual(v2, { ok: 4, refusals: ['LIMIT_EXCEEDED'] });
      assert.deepEqual(v0, { ok: 2, refusals: ['LIMIT_EXCEEDED'] });
      assert.deepEqual(none, { ok: 2, refusals: ['LIMIT_EXCEEDED'] });
      assert.deepEqual(
        v1,
        { ok: 2, refusals: ['LIMIT_EXCEEDED'] },
        'early access alone keeps the base limit',
      );
      const counters = await store.getCampaignCounters(def.id);
      assert.equal(counters?.stockLeft, 100 - 10);
      assert.equal(counters?.unsettled, 10, 'one stream entry per unit taken, none for a refusal');
    });

    test('many level-2 shoppers bursting together never pass 4 each, and stock left + taken = total', async () => {
      const def = withBenefits({ stockTotal: 30 });
      await store.loadCampaign(def);
      const users = Array.from({ length: 10 }, (_, i) => `usr_g${i}`);
      const results = await Promise.all(
        users.flatMap((u) => Array.from({ length: 6 }, () => reserve(def, u, 'v2').then((r) => ({ u, r })))),
      );
      const held = new Map<string, number>();
      for (const { u, r } of results) if (r.ok) held.set(u, (held.get(u) ?? 0) + 1);
      for (const [u, units] of held) assert.ok(units <= 4, `${u} holds ${units}`);
      const taken = [...held.values()].reduce((a, b) => a + b, 0);
      assert.equal(taken, 30, 'sold out exactly');
      assert.ok(results.some(({ r }) => !r.ok && r.code === 'SOLD_OUT'));
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 0);
    });

    test('a shopper whose level dropped gets the lower limit for new units', async () => {
      const def = withBenefits();
      await store.loadCampaign(def);
      assert.deepEqual(await burst(def, 'usr_was_gold', 'v2', 3), { ok: 3, refusals: [] });
      // Down to v0: holds 3 against a limit of 2, so nothing more.
      assert.deepEqual(await reserve(def, 'usr_was_gold', 'v0'), { ok: false, code: 'LIMIT_EXCEEDED' });
      // Up again: one more, to 4.
      assert.ok((await reserve(def, 'usr_was_gold', 'v2')).ok);
      assert.deepEqual(await reserve(def, 'usr_was_gold', 'v2'), { ok: false, code: 'LIMIT_EXCEEDED' });
    });

    test('early access: a member reserves before the start, others hear NOT_STARTED until their own opening', async () => {
      const now = Date.now();
      const def = withBenefits({ startsAtMs: now + 8 * MINUTE });
      await store.loadCampaign(def);
      assert.deepEqual(await reserve(def, 'usr_plain', 'v0', now), { ok: false, code: 'NOT_STARTED' });
      assert.deepEqual(await reserve(def, 'usr_anon', undefined, now), { ok: false, code: 'NOT_STARTED' });
      assert.deepEqual(await reserve(def, 'usr_early', 'v1', now), { ok: false, code: 'NOT_STARTED' });
      const gold = await reserve(def, 'usr_gold', 'v2', now);
      assert.ok(gold.ok);
      assert.equal(gold.replayed, false);
      // v1 opens 5 minutes before the start: 3 minutes from now.
      assert.ok((await reserve(def, 'usr_early', 'v1', now + 3 * MINUTE)).ok);
      assert.deepEqual(await reserve(def, 'usr_plain', 'v0', now + 3 * MINUTE), {
        ok: false,
        code: 'NOT_STARTED',
      });
      assert.ok((await reserve(def, 'usr_plain', 'v0', now + 8 * MINUTE)).ok);
      // The end is the same for everyone.
      assert.deepEqual(await reserve(def, 'usr_gold', 'v2', def.endsAtMs), { ok: false, code: 'ENDED' });
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 97);
    });

    test('a reload without benefits clears them; a reload with them brings them back', async () => {
      const now = Date.now();
      const def = withBenefits({ startsAtMs: now + 8 * MINUTE });
      await store.loadCampaign(def);
      assert.deepEqual(await burst(def, 'usr_gold', 'v2', 3), { ok: 3, refusals: [] });
      await store.loadCampaign({ ...def, levelBenefits: [] });
      assert.deepEqual(await reserve(def, 'usr_gold', 'v2', now), { ok: false, code: 'NOT_STARTED' });
      const at = now + 8 * MINUTE;
      assert.deepEqual(await reserve(def, 'usr_gold', 'v2', at), { ok: false, code: 'LIMIT_EXCEEDED' });
      assert.ok((await reserve(def, 'usr_gold2', 'v2', at)).ok);
      assert.ok((await reserve(def, 'usr_gold2', 'v2', at)).ok);
      assert.deepEqual(await reserve(def, 'usr_gold2', 'v2', at), { ok: false, code: 'LIMIT_EXCEEDED' });
      await store.loadCampaign(def);
      assert.ok((await reserve(def, 'usr_gold', 'v2', now)).ok);
      assert.deepEqual(await reserve(def, 'usr_gold', 'v2', now), { ok: false, code: 'LIMIT_EXCEEDED' });
    });

    test('group buy: open and join honour the level limit and the early opening', async () => {
      const now = Date.now();
      const def = groupbuyDef({
        startsAtMs: now + 8 * MINUTE,
        stockTotal: 20,
        perUserLimit: 1,
        groupSize: 2,
        levelBenefits: [{ levelCode: 'v2', perUserLimit: 2, earlyAccessMs: 10 * MINUTE }],
      });
      await store.loadCampaign(def);
      const open = (userId: string, levelCode: string | undefined, at = now) =>
        store.openGroup({
          campaignId: def.id,
          userId,
          requestId: uid('req'),
          groupId: grp(),
          reservationId: rsv(),
          nowMs: at,
          paymentTtlMs: PAY_TTL,
          ...(levelCode === undefined ? {} : { levelCode }),
        });
      const join = (groupId: string, userId: string, levelCode: string | undefined, at = now) =>
        store.joinGroup({
          campaignId: def.id,
          groupId,
          userId,
          requestId: uid('req'),
          reservationId: rsv(),
          nowMs: at,
          paymentTtlMs: PAY_TTL,
          ...(levelCode === undefined ? {} : { levelCode }),
        });
      assert.deepEqual(await open('usr_plain', 'v0'), { ok: false, code: 'NOT_STARTED' });
      const first = await open('usr_gold', 'v2');
      assert.ok(first.ok);
      const second = await open('usr_gold', 'v2');
      assert.ok(second.ok, 'a level-2 shopper may hold 2 units');
      assert.deepEqual(await open('usr_gold', 'v2'), { ok: false, code: 'LIMIT_EXCEEDED' });
      assert.deepEqual(await join(first.group.id, 'usr_plain', 'v0'), { ok: false, code: 'NOT_STARTED' });
      assert.deepEqual(await join(first.group.id, 'usr_gold2', undefined), {
        ok: false,
        code: 'NOT_STARTED',
      });
      const joined = await join(first.group.id, 'usr_gold2', 'v2');
      assert.ok(joined.ok);
      assert.equal(joined.group.slotsTaken, 2);
      // After the start a plain shopper joins the other group, once.
      const later = now + 9 * MINUTE;
      assert.ok((await join(second.group.id, 'usr_plain', 'v0', later)).ok);
      assert.deepEqual(await open('usr_plain', 'v0', later), { ok: false, code: 'LIMIT_EXCEEDED' });
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 16);
    });

    test('a rebuild from PostgreSQL keeps the level table: the rebuilt campaign still honours it', async () => {
      const now = Date.now();
      const def = withBenefits({ stockTotal: 12, startsAtMs: now + 8 * MINUTE });
      const users = ['usr_gold', 'usr_plain', 'usr_other'];
      await seedCampaign(store, db, def, users);
      // Early, before the start: only the member.
      assert.deepEqual(await burst(def, 'usr_gold', 'v2', 3), { ok: 3, refusals: [] });
      const settlement = startTestSettlement(store, db, {
        batchSize: 64,
        poolSize: 1,
        leaseMs: 2_000,
        listCampaignIds: async () => [def.id],
      });
      await settlement.drain();
      await settlement.stop();

      await kind.wipeCampaign(store, def.id);
      const report = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
      assert.equal(report.outcome, 'rebuilt');
      assert.equal(report.liveUnits, 3);
      assert.equal(report.actualStockLeft + report.liveUnits, def.stockTotal);

      // Still before the start: the rebuilt state opens early for v2 only, and counts the 3 units held.
      assert.deepEqual(await reserve(def, 'usr_plain', 'v0'), { ok: false, code: 'NOT_STARTED' });
      assert.deepEqual(await burst(def, 'usr_gold', 'v2', 5), { ok: 1, refusals: ['LIMIT_EXCEEDED'] });
      const at = now + 8 * MINUTE;
      assert.ok((await reserve(def, 'usr_plain', 'v0', at)).ok);
      assert.ok((await reserve(def, 'usr_plain', 'v0', at)).ok);
      assert.deepEqual(await reserve(def, 'usr_plain', 'v0', at), { ok: false, code: 'LIMIT_EXCEEDED' });
      const counters = await store.getCampaignCounters(def.id);
      assert.equal(counters?.stockLeft, 12 - 6);
      // left + reserved (unsettled) + sold (settled) = total, by the same check reconciliation runs.
      const check = await reconcileCampaign({ store, sql: db.pool, records: SETTLED_RECORDS, def });
      assert.equal(check.outcome, 'present');
      assert.equal(check.drift, 0);
      assert.equal(check.actualStockLeft + check.liveUnits, def.stockTotal);
    });
  });
}
