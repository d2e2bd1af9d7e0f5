/**
 * Coupon claims (抢券) on the hot path, against Redis (Lua) and the memory store: a coupon template is a campaign
 * of type `coupon`, each claim one unit taken in one atomic step (window, stopped, requestId, per-user limit,
 * quantity). A grab of many shoppers over few coupons ends with exactly the quantity claimed, nobody over the
 * limit, one stream entry per claim; a lost hot state is rebuilt from the claims the owning module reports.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
// Test-only: the coupons module's sink and claims source, as the platform plugs them in.
import { CLAIMED_COUPONS } from '../../broker-services/src/modules/coupons/claims-source.ts';
import type {
  CampaignDef,
  ClaimCouponInput,
  HotPathStore,
  LiveUnitsSource,
  SettledUnits,
} from '../src/index.ts';
import { couponIdFor, reconcileCampaign } from '../src/index.ts';
import {
  createPgSchema,
  disposeStore,
  inParallel,
  type PgSchema,
  SETTLED_RECORDS,
  seckillDef,
  startTestSettlement,
  storeKinds,
  uid,
} from './helpers.ts';

const COUPON_SINK = new URL('../../broker-services/src/modules/coupons/settle-claims.ts', import.meta.url)
  .href;

const couponDef = (o: Partial<CampaignDef> = {}): CampaignDef =>
  seckillDef({
    id: uid('cpt'),
    type: 'coupon',
    title: 'Test coupon',
    skuId: '',
    priceFen: 0,
    perUserLimit: 1,
    ...o,
  });

const claim = (campaignId: string, userId: string, requestId = uid('req')): ClaimCouponInput => ({
  campaignId,
  userId,
  requestId,
  reservationId: uid('clm'),
  nowMs: Date.now(),
});

/** No SQL: the claims "in PostgreSQL" are a list the test keeps, as the coupons module's source reads its table. */
function listSource(rows: SettledUnits[]): LiveUnitsSource {
  return {
    async count(_sql, _campaignId, ids) {
      const found = rows.filter((r) => ids.includes(r.reservationId));
      return {
        units: rows.filter((r) => r.live).reduce((n, r) => n + r.quantity, 0),
        found: found.map((r) => [r.reservationId, r.quantity, r.live]),
      };
    },
    async list() {
      return rows;
    },
  };
}
/** Only the positions table is asked for (the generation a rebuild starts); the claims come from the source. */
const noSql = {
  async query<R>() {
    return { rows: [{ generation: 1, settled_generation: 0, settled_seq: 0 }] as R[] };
  },
};

for (const kind of storeKinds) {
  describe(`coupon claims (${kind.name})`, () => {
    let store: HotPathStore;
    before(async () => {
      store = await kind.make();
    });
    after(() => disposeStore(store));

    test('claims settle into coupons through the coupons sink; a hot state found behind them is rebuilt from them', async () => {
      const db: PgSchema = await createPgSchema();
      try {
        const def = couponDef({ stockTotal: 4, perUserLimit: 1 });
        await db.pool.query(
          `insert into coupon_templates (id, name, kind, amount_off_fen, min_spend_fen, total, per_user_limit,
             claim_starts_at, claim_ends_at, valid_days)
           values ($1, 'test', 'no_threshold', 100, 0, $2, 1, $3, $4, 7)`,
          [def.id, def.stockTotal, new Date(def.startsAtMs), new Date(def.endsAtMs)],
        );
        await db.insertUsers(['usr_a', 'usr_b', 'usr_c']);
        await store.loadCampaign(def);
        const a = claim(def.id, 'usr_a');
        assert.ok((await store.claimCoupon(a)).ok);
        assert.ok((await store.claimCoupon(claim(def.id, 'usr_b'))).ok);
        const settlement = startTestSettlement(store, db, {
          sinks: { coupon: COUPON_SINK },
          leaseMs: 2_000,
          listCampaignIds: async () => [def.id],
        });
        await settlement.drain();
        await settlement.stop();
        const coupons = await db.pool.query<{ id: string; user_id: string; status: string }>(
          'select id, user_id, status from coupons where template_id = $1 order by user_id',
          [def.id],
        );
        assert.deepEqual(
          coupons.rows.map((c) => [c.user_id, c.status]),
          [
            ['usr_a', 'unused'],
            ['usr_b', 'unused'],
          ],
        );
        assert.equal(coupons.rows[0]?.id, couponIdFor(a.reservationId));
        // Redis comes back from an older copy: the template as it was before any claim (full, position 0).
        await kind.wipeCampaign(store, def.id);
        await store.loadCampaign(def);
        assert.deepEqual(await store.claimCoupon(claim(def.id, 'usr_a')), {
          ok: false,
          code: 'CAMPAIGN_REBUILDING',
        });
        const report = await reconcileCampaign({
          store,
          sql: db.pool,
          records: SETTLED_RECORDS,
          def,
          units: CLAIMED_COUPONS,
        });
        assert.equal(report.outcome, 'rebuilt');
        assert.equal(report.reason, 'behind');
        assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 2);
        assert.deepEqual(await store.claimCoupon(claim(def.id, 'usr_a')), {
          ok: false,
          code: 'LIMIT_EXCEEDED',
        });
        const replay = await store.claimCoupon({ ...a, reservationId: uid('clm') });
        assert.ok(replay.ok && replay.replayed && replay.reservation.id === a.reservationId);
        assert.ok((await store.claimCoupon(claim(def.id, 'usr_c'))).ok);
      } finally {
        await db.drop();
      }
    });

    test('a claim takes one coupon and is replayed for its requestId; the limit and the quantity refuse', async () => {
      const def = couponDef({ stockTotal: 2, perUserLimit: 1 });
      await store.loadCampaign(def);
      const first = claim(def.id, 'usr_a');
      const got = await store.claimCoupon(first);
      assert.ok(got.ok);
      assert.equal(got.reservation.id, first.reservationId);
      assert.equal(got.replayed, false);
      const again = await store.claimCoupon({ ...first, reservationId: uid('clm') });
      assert.ok(again.ok && again.replayed);
      assert.equal(again.reservation.id, first.reservationId, 'the same claim, not a second coupon');
      const over = await store.claimCoupon(claim(def.id, 'usr_a'));
      assert.deepEqual(over, { ok: false, code: 'LIMIT_EXCEEDED' });
      assert.ok((await store.claimCoupon(claim(def.id, 'usr_b'))).ok);
      assert.deepEqual(await store.claimCoupon(claim(def.id, 'usr_c')), { ok: false, code: 'SOLD_OUT' });
      const counters = await store.getCampaignCounters(def.id);
      assert.deepEqual(counters, { stockTotal: 2, stockLeft: 0, unsettled: 2 });
      const entries = await store.listUnsettled(def.id);
      assert.deepEqual(
        entries.map((e) => [e.entry.kind, e.entry.campaignType, e.entry.quantity]),
        [
          ['reserve', 'coupon', 1],
          ['reserve', 'coupon', 1],
        ],
      );
    });

    test('the claim window, a stop and another type refuse with their codes', async () => {
      const now = Date.now();
      const early = couponDef({ startsAtMs: now + 60_000 });
      const late = couponDef({ startsAtMs: now - 120_000, endsAtMs: now - 60_000 });
      const stopped = couponDef({ stopped: true });
      const seckill = seckillDef();
      for (const d of [early, late, stopped, seckill]) await store.loadCampaign(d);
      assert.deepEqual(await store.claimCoupon(claim(early.id, 'usr_a')), { ok: false, code: 'NOT_STARTED' });
      assert.deepEqual(await store.claimCoupon(claim(late.id, 'usr_a')), { ok: false, code: 'ENDED' });
      assert.deepEqual(await store.claimCoupon(claim(stopped.id, 'usr_a')), {
        ok: false,
        code: 'CAMPAIGN_STOPPED',
      });
      assert.deepEqual(await store.claimCoupon(claim(seckill.id, 'usr_a')), { ok: false, code: 'NOT_FOUND' });
      assert.deepEqual(await store.claimCoupon(claim(uid('cpt'), 'usr_a')), { ok: false, code: 'NOT_FOUND' });
      const reserve = await store.reserveSeckill({
        ...claim(couponDef().id, 'usr_a'),
        quantity: 1,
        reservationId: uid('rsv'),
        paymentTtlMs: 1000,
      });
      assert.equal(reserve.ok, false);
    });

    test('a grab: 400 claims of 80 shoppers (some retried) over 25 coupons, limit 1', async () => {
      const def = couponDef({ stockTotal: 25, perUserLimit: 1 });
      await store.loadCampaign(def);
      const attempts = Array.from({ length: 400 }, (_, i) => ({
        userId: `usr_${i % 80}`,
        requestId: `req_${i % 80}_${i % 3}`,
      }));
      const results = await inParallel(attempts, 64, (a) =>
        store.claimCoupon({ ...claim(def.id, a.userId, a.requestId) }),
      );
      const fresh = results.filter((r) => r.ok && !r.replayed);
      assert.equal(fresh.length, 25, 'exactly the quantity claimed');
      const holders = new Map<string, number>();
      for (const r of fresh)
        if (r.ok) holders.set(r.reservation.userId, (holders.get(r.reservation.userId) ?? 0) + 1);
      assert.ok(
        [...holders.values()].every((n) => n === 1),
        'nobody over the limit',
      );
      for (const r of results) if (!r.ok) assert.ok(['SOLD_OUT', 'LIMIT_EXCEEDED'].includes(r.code), r.code);
      const counters = await store.getCampaignCounters(def.id);
      assert.equal(counters?.stockLeft, 0);
      assert.equal(counters!.stockLeft + counters!.unsettled, def.stockTotal, 'left + unsettled = total');
    });

    test('a lost hot state is rebuilt from the settled claims: the limit holds and retries replay', async () => {
      const def = couponDef({ stockTotal: 5, perUserLimit: 1 });
      await store.loadCampaign(def);
      const a = claim(def.id, 'usr_a');
      const b = claim(def.id, 'usr_b');
      assert.ok((await store.claimCoupon(a)).ok);
      assert.ok((await store.claimCoupon(b)).ok);
      // usr_a's claim is settled (a coupon in the module's table); usr_b's was still in the stream, now lost too.
      const settled: SettledUnits[] = [
        {
          reservationId: a.reservationId,
          requestId: a.requestId,
          userId: 'usr_a',
          quantity: 1,
          unitPriceFen: 0,
          createdAtMs: a.nowMs,
          expiresAtMs: a.nowMs,
          live: true,
        },
      ];
      await kind.wipeCampaign(store, def.id);
      const report = await reconcileCampaign({
        store,
        sql: noSql,
        records: SETTLED_RECORDS,
        def,
        units: listSource(settled),
      });
      assert.equal(report.outcome, 'rebuilt');
      assert.equal((await store.getCampaignCounters(def.id))?.stockLeft, 4);
      assert.deepEqual(await store.claimCoupon(claim(def.id, 'usr_a')), {
        ok: false,
        code: 'LIMIT_EXCEEDED',
      });
      const replay = await store.claimCoupon({ ...a, reservationId: uid('clm') });
      assert.ok(replay.ok && replay.replayed && replay.reservation.id === a.reservationId);
      const check = await reconcileCampaign({
        store,
        sql: noSql,
        records: SETTLED_RECORDS,
        def,
        units: listSource(settled),
      });
      assert.equal(check.outcome, 'present');
      assert.equal(check.drift, 0);
      assert.equal(couponIdFor(a.reservationId), `cpn_${a.reservationId.slice(4)}`);
    });
  });
}
