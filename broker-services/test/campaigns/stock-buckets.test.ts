/**
 * Stock buckets (库存分桶) on a seckill campaign, on real PostgreSQL and Redis (every service in this process, the
 * gateway through `inject()`): the admin API takes `stockBuckets` 1–16 on create only, for seckill only, and shows
 * it in every view (1 when not given); settlement visits every bucket's shard. End to end: 60 shoppers burst on a
 * campaign of 40 units in 4 buckets with a limit of 2: exactly 40 units are reserved, nobody holds more than 2,
 * nobody hears SOLD_OUT while a unit is left in any bucket, every reservation settles into one order, and the live
 * view's buckets add up to the campaign.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_STOCK_BUCKETS } from '@tuanmiao/hot-path';
import { call } from '../../src/broker/bus.ts';
import { STOCK_BUCKETS_MAX } from '../../src/modules/campaigns/schemas.ts';
import { dropRetiredHotStates } from '../../src/runtime/campaign-health.ts';
import { assertError, assertValidation, type ErrorBodyShape } from '../gateway/support.ts';
import { adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';

const HOUR = 3_600_000;

interface AdminCampaign {
  id: string;
  type: string;
  title: string;
  stockTotal: number;
  stockLeft: number;
  stockBuckets: number;
}
interface BucketRow {
  bucket: number;
  stockTotal: number;
  stockLeft: number;
  unsettled: number;
}
interface Live {
  stockTotal: number;
  stockLeft: number;
  reserved: number;
  sold: number;
  unsettled: number;
  buckets: BucketRow[] | null;
}
interface AuditItem {
  action: string;
  objectId: string;
  detail: Record<string, unknown>;
}
type Reserved = { reservation: { id: string; quantity: number } };

describe('stock buckets: admin API, settlement shards and a burst through the gateway on Redis', () => {
  let p: InProcessPlatform;
  let admin: string;
  let skuId: string;
  let seq = 0;
  /** The burst's campaign (sold out and settled by its test). */
  let burstId = '';

  const as = <T>(method: string, path: string, token: string, body?: unknown) =>
    api<T>(p.gateway, method, path, { token, ...(body !== undefined ? { body } : {}) });

  function body(over: Record<string, unknown> = {}) {
    const now = p.clock.now();
    return {
      type: 'seckill',
      title: `库存分桶 ${seq++}`,
      skuId,
      priceFen: 990,
      startsAt: new Date(now - HOUR).toISOString(),
      endsAt: new Date(now + HOUR).toISOString(),
      stockTotal: 40,
      perUserLimit: 2,
      ...over,
    };
  }

  async function campaignCount(): Promise<number> {
    return (await as<{ items: unknown[] }>('GET', '/api/admin/campaigns', admin)).body.items.length;
  }

  before(async () => {
    p = await startInProcess();
    admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
    const made = await as<{ skus: { id: string }[] }>('POST', '/api/admin/products', admin, {
      title: '库存分桶测试商品',
      skus: [{ name: 'S', priceFen: 2000, stock: 10 }],
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    skuId = made.body.skus[0]!.id;
  });
  after(async () => {
    await p?.stop();
  });

  test('the schema’s bound is the hot path’s', () => {
    assert.equal(STOCK_BUCKETS_MAX, MAX_STOCK_BUCKETS);
  });

  test('create takes 1–16 for seckill only, a patch never; refusals store nothing; 1 when not given', async () => {
    const before = await campaignCount();
    for (const stockBuckets of [0, 17, 2.5, '2', null]) {
      assertValidation(
        await as('POST', '/api/admin/campaigns', admin, body({ stockBuckets })),
        `stockBuckets ${JSON.stringify(stockBuckets)}`,
      );
    }
    const groupbuy = await as<ErrorBodyShape>(
      'POST',
      '/api/admin/campaigns',
      admin,
      body({ type: 'groupbuy', groupSize: 2, groupTtlSeconds: 3600, stockBuckets: 4 }),
    );
    assert.deepEqual(
      { status: groupbuy.status, body: groupbuy.body },
      {
        status: 400,
        body: {
          error: {
            code: 'VALIDATION_FAILED',
            message: 'Stock buckets are for seckill campaigns',
            retryable: false,
            details: { field: 'stockBuckets' },
          },
        },
      },
    );
    assert.equal(await campaignCount(), before, 'nothing created by a refused body');

    // Not given: 1 in the admin view, the shopper's view and the hot path's definition.
    const plain = await as<AdminCampaign>('POST', '/api/admin/campaigns', admin, body());
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
    assert.equal(plain.body.stockBuckets, 1);
    assert.equal(
      (await as<AdminCampaign>('GET', `/api/admin/campaigns/${plain.body.id}`, admin)).body.stockBuckets,
      1,
    );
    assert.equal(
      (await api<AdminCampaign>(p.gateway, 'GET', `/api/campaigns/${plain.body.id}`)).body.stockBuckets,
      1,
    );
    assert.equal((await call(p.broker, 'campaigns.definition', { id: plain.body.id })).stockBuckets, 1);
    const group = await as<AdminCampaign>(
      'POST',
      '/api/admin/campaigns',
      admin,
      body({ type: 'groupbuy', groupSize: 2, groupTtlSeconds: 3600, stockBuckets: 1 }),
    );
    assert.equal(group.status, 201, 'a group buy may say 1');
    assert.equal(group.body.stockBuckets, 1);

    const bucketed = await as<AdminCampaign>(
      'POST',
      '/api/admin/campaigns',
      admin,
      body({ stockBuckets: 16 }),
    );
    assert.equal(bucketed.status, 201, JSON.stringify(bucketed.body));
    const id = bucketed.body.id;
    assert.equal(bucketed.body.stockBuckets, 16);
    assert.equal((await api<AdminCampaign>(p.gateway, 'GET', `/api/campaigns/${id}`)).body.stockBuckets, 16);
    assert.equal((await call(p.broker, 'campaigns.definition', { id })).stockBuckets, 16);
    const audit = (await as<{ items: AuditItem[] }>('GET', '/api/admin/audit-log?limit=100', admin)).body
      .items;
    assert.equal(
      audit.find((e) => e.action === 'campaign.create' && e.objectId === id)?.detail.stockBuckets,
      16,
      'the create entry carries the setting',
    );

    // Fixed once created: a patch naming it is refused whole, and audits nothing.
    const auditBefore = audit.length;
    for (const patch of [{ stockBuckets: 4 }, { title: 'renamed', stockBuckets: 16 }]) {
      assertValidation(await as('PATCH', `/api/admin/campaigns/${id}`, admin, patch), JSON.stringify(patch));
    }
    const after = (await as<AdminCampaign>('GET', `/api/admin/campaigns/${id}`, admin)).body;
    assert.deepEqual([after.stockBuckets, after.title], [16, bucketed.body.title]);
    assert.equal(
      (await as<{ items: AuditItem[] }>('GET', '/api/admin/audit-log?limit=100', admin)).body.items.length,
      auditBefore,
    );

    // Settlement visits each bucket's shard, the campaign's own id first; the other campaigns are one shard each.
    const shards = await call(p.broker, 'campaigns.activeShardIds', {});
    assert.deepEqual(
      shards.filter((s) => s.startsWith(id)),
      [id, ...Array.from({ length: 15 }, (_, i) => `${id}#${i + 1}`)],
    );
    assert.ok(shards.includes(plain.body.id) && !shards.some((s) => s.startsWith(`${plain.body.id}#`)));
    const ids = await call(p.broker, 'campaigns.activeIds', {});
    assert.ok(ids.includes(id) && !ids.some((s) => s.includes('#')), 'campaign ids stay campaign ids');
  });

  test('60 shoppers on 40 units in 4 buckets, limit 2: exactly 40 reserved, every bucket drained before SOLD_OUT, each settles into one order', async () => {
    const created = await as<AdminCampaign>('POST', '/api/admin/campaigns', admin, body({ stockBuckets: 4 }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    burstId = id;
    const live = async () => (await as<Live>('GET', `/api/admin/campaigns/${id}/live`, admin)).body;
    const before = await live();
    assert.equal(before.buckets?.length, 4);
    assert.deepEqual(
      before.buckets?.map((b) => [b.bucket, b.stockTotal, b.stockLeft, b.unsettled]),
      [
        [0, 10, 10, 0],
        [1, 10, 10, 0],
        [2, 10, 10, 0],
        [3, 10, 10, 0],
      ],
      'the stock split evenly',
    );

    const shoppers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => devLogin(p.gateway, `bucket-${i}-${Date.now()}`)),
    );
    const granted = new Map<string, string[]>();
    const ask = async (i: number) => {
      const s = shoppers[i]!;
      const res = await as<Reserved | ErrorBodyShape>('POST', `/api/seckill/${id}/reservations`, s.token, {
        quantity: 1,
        requestId: `bucket-req-${seq++}-${i}`,
      });
      if (res.status === 201) {
        const list = granted.get(s.userId) ?? [];
        list.push((res.body as Reserved).reservation.id);
        granted.set(s.userId, list);
      }
      return { i, res };
    };
    const total = () => [...granted.values()].reduce((n, l) => n + l.length, 0);

    // First wave, 35 units of 40: however unevenly the 30 shoppers fall into home buckets, every ask is served
    // (a drained bucket takes stock from the others), none hears SOLD_OUT.
    const first = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => ask(i)),
      ...Array.from({ length: 5 }, (_, i) => ask(i)),
    ]);
    for (const { res } of first) assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((await live()).stockLeft, 5);

    // Second wave, all 60 at once: shoppers 0–4 ask a third time (over the limit), 5–29 a second time, 30–59 twice.
    const second = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => ask(i)),
      ...Array.from({ length: 25 }, (_, i) => ask(5 + i)),
      ...Array.from({ length: 30 }, (_, i) => ask(30 + i)),
      ...Array.from({ length: 30 }, (_, i) => ask(30 + i)),
    ]);
    assert.equal(total(), 40, 'exactly the stock, the last 5 units from wherever they were left');
    for (const { i, res } of second) {
      if (res.status === 201) continue;
      const error = (res.body as ErrorBodyShape).error.code;
      if (i < 5) assertError(res, 409, 'LIMIT_EXCEEDED', 'Over the per-user limit of this campaign');
      else assert.ok(error === 'SOLD_OUT' || error === 'LIMIT_EXCEEDED', JSON.stringify(res.body));
      if (error === 'LIMIT_EXCEEDED') assert.equal(granted.get(shoppers[i]!.userId)?.length, 2);
    }
    assert.ok(
      second.some(({ res }) => res.status === 409 && (res.body as ErrorBodyShape).error.code === 'SOLD_OUT'),
    );
    for (const [userId, list] of granted) assert.ok(list.length <= 2, `${userId} holds ${list.length}`);

    // Sold out means every bucket is empty; a newcomer of any home bucket hears it.
    const drained = await live();
    assert.equal(drained.stockLeft, 0);
    assert.deepEqual(
      drained.buckets?.map((b) => b.stockLeft),
      [0, 0, 0, 0],
    );
    // A bucket whose shoppers wanted more than its 10 got the rest moved in from the others; the moves are
    // counted for the dashboard (how many depends on where the shoppers' home buckets fell: maybe none).
    const gained = (drained.buckets ?? []).reduce((n, b) => n + Math.max(0, b.stockTotal - 10), 0);
    const metrics = (await p.gateway.inject({ method: 'GET', url: '/metrics' })).body;
    const moves = Number(/^tm_stock_bucket_moves_total (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);
    const movedUnits = Number(/^tm_stock_bucket_moved_units_total (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);
    assert.ok(movedUnits >= gained, `units moved ${movedUnits}, shares grown by ${gained}`);
    assert.ok(gained === 0 || moves > 0, `moves ${moves}, shares grown by ${gained}`);
    for (let n = 0; n < 4; n++) {
      const late = await devLogin(p.gateway, `bucket-late-${n}-${Date.now()}`);
      assertError(
        await as('POST', `/api/seckill/${id}/reservations`, late.token, {
          quantity: 1,
          requestId: `bucket-late-${n}-x`,
        }),
        409,
        'SOLD_OUT',
        'Sold out',
      );
    }

    // Every reservation settles (from each bucket's stream) into exactly one order of its shopper.
    const byReservation = new Map<string, string>();
    for (const [userId, list] of granted) {
      const token = shoppers.find((s) => s.userId === userId)!.token;
      for (const reservationId of list) {
        const orderId = await eventually(
          async () =>
            (await as<{ orderId?: string }>('GET', `/api/reservations/${reservationId}`, token)).body.orderId,
          30_000,
          `the order of ${reservationId}`,
        );
        byReservation.set(reservationId, orderId);
      }
    }
    assert.equal(new Set(byReservation.values()).size, 40);
    const rows = await p.rt.orm.em
      .fork()
      .execute<{ orders: string; units: string; reservations: string; most: string }[]>(
        `select count(*) as orders, sum(quantity) as units, count(distinct reservation_id) as reservations,
                max(per_user) as most
         from orders, lateral (select sum(quantity) as per_user from orders o2
                                where o2.campaign_id = orders.campaign_id and o2.user_id = orders.user_id) u
         where campaign_id = ?`,
        [id],
      );
    assert.deepEqual(
      { ...rows[0] },
      { orders: '40', units: '40', reservations: '40', most: '2' },
      'PostgreSQL holds one order a reservation, nobody over the limit',
    );

    // Settled, the buckets add up to the campaign: left + reserved + sold = total, nothing unsettled.
    const settled = await eventually(async () => {
      const l = await live();
      return l.unsettled === 0 && l.buckets?.every((b) => b.unsettled === 0) ? l : undefined;
    }, 30_000);
    const sum = (k: 'stockTotal' | 'stockLeft') => settled.buckets!.reduce((n, b) => n + b[k], 0);
    assert.equal(sum('stockTotal'), 40);
    assert.equal(sum('stockLeft'), settled.stockLeft);
    assert.deepEqual([settled.stockLeft, settled.reserved, settled.sold], [0, 40, 0]);
    assert.equal(settled.stockLeft + settled.reserved + settled.sold, settled.stockTotal);
    const shown = (await api<AdminCampaign>(p.gateway, 'GET', `/api/campaigns/${id}`)).body;
    assert.deepEqual([shown.stockLeft, shown.stockTotal, shown.stockBuckets], [0, 40, 4]);
  });

  test('an ended campaign’s hot state, every bucket of it, is dropped once kept HOT_STATE_RETENTION_DAYS', async () => {
    assert.ok(burstId, 'the burst test ran first');
    assert.notEqual(await p.rt.store.getBucketCounters(burstId), null);
    /** The settling process's look for retired hot state, `days` after the campaign ended (kept 7 days). */
    const endedAt = p.clock.now() + HOUR;
    const lookAfter = (days: number) =>
      dropRetiredHotStates({
        broker: p.broker,
        store: p.rt.store,
        log: p.rt.log,
        nowMs: endedAt + days * 24 * HOUR,
        retentionMs: 7 * 24 * HOUR,
      });
    // Six days after the campaign ends: kept (it may still see releases, refunds, an operator's look).
    const early = await lookAfter(6);
    assert.ok(!early.dropped.includes(burstId));
    assert.notEqual(await p.rt.store.getBucketCounters(burstId), null);
    // Eight days after: every bucket's keys go, PostgreSQL keeps every order.
    const late = await lookAfter(8);
    assert.ok(late.dropped.includes(burstId), JSON.stringify(late));
    assert.deepEqual(late.unsettled, []);
    assert.equal(await p.rt.store.getBucketCounters(burstId), null);
    assert.equal(await p.rt.store.hasCampaignState(burstId), false);
    const orders = await p.rt.orm.em
      .fork()
      .execute<{ n: string }[]>('select count(*) as n from orders where campaign_id = ?', [burstId]);
    assert.equal(orders[0]?.n, '40');
    // Asked again, nothing is left to drop. Settlement visits a campaign until an hour after its end, and a visit
    // makes its stream again (empty): here the campaign has not ended by the platform's clock, so that clock moves
    // past it first, and a look made before settlement lists its campaigns again (every second) may still find
    // that empty stream. Never the campaign's state: the metadata stays gone.
    p.clock.advance(3 * HOUR);
    await eventually(
      async () => {
        assert.equal(await p.rt.store.getBucketCounters(burstId), null);
        return (await lookAfter(8)).dropped.includes(burstId) ? undefined : true;
      },
      15_000,
      'a look that finds nothing left to drop',
    );
  });
});
