/**
 * Dry run (issue "beyond the usual"): a rehearsal campaign exercises the whole path — reservation, settlement,
 * order, payment — and its orders are marked as test (`dryRun`) and left out of the dashboard's GMV and order
 * counts, while a real campaign's purchase counts. Shoppers' campaign list leaves rehearsals out.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';

interface Dashboard {
  todayGmvFen: number;
  todayOrders: number;
  todayPaidOrders: number;
}

describe('dry-run campaigns', () => {
  let p: InProcessPlatform;
  let admin: string;

  before(async () => {
    p = await startInProcess();
    admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
  });
  after(async () => {
    await p?.stop();
  });

  async function campaign(dryRun: boolean, priceFen: number): Promise<string> {
    const product = await api<{ skus: { id: string }[] }>(p.gateway, 'POST', '/api/admin/products', {
      token: admin,
      body: { title: dryRun ? 'Rehearsal tea' : 'Real tea', skus: [{ name: '100g', priceFen: 5000 }] },
    });
    assert.equal(product.status, 201);
    const res = await api<{ id: string; dryRun: boolean }>(p.gateway, 'POST', '/api/admin/campaigns', {
      token: admin,
      body: {
        type: 'seckill',
        title: dryRun ? 'Rehearsal' : 'Real sale',
        skuId: product.body.skus[0]!.id,
        priceFen,
        startsAt: new Date(p.clock.now() - 1000).toISOString(),
        endsAt: new Date(p.clock.now() + 3600_000).toISOString(),
        stockTotal: 5,
        perUserLimit: 1,
        ...(dryRun ? { dryRun: true } : {}),
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.dryRun, dryRun);
    return res.body.id;
  }

  /** Reserve, wait for the order, pay with the dev provider; returns the order id. */
  async function buy(campaignId: string, openid: string): Promise<string> {
    const shopper = await devLogin(p.gateway, openid);
    const r = await api<{ reservation: { id: string } }>(
      p.gateway,
      'POST',
      `/api/seckill/${campaignId}/reservations`,
      {
        token: shopper.token,
        body: { quantity: 1, requestId: randomUUID() },
      },
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const orderId = await eventually(
      async () => {
        const res = await api<{ orderId?: string }>(
          p.gateway,
          'GET',
          `/api/reservations/${r.body.reservation.id}`,
          {
            token: shopper.token,
          },
        );
        return res.body.orderId;
      },
      15_000,
      'the order',
    );
    const paid = await api<{ order: { status: string } }>(
      p.gateway,
      'POST',
      `/api/payments/dev/${orderId}/confirm`,
      {
        token: shopper.token,
      },
    );
    assert.equal(paid.body.order.status, 'paid');
    return orderId;
  }

  const dashboard = async (): Promise<Dashboard> => {
    const d = (await api<Dashboard>(p.gateway, 'GET', '/api/admin/dashboard', { token: admin })).body;
    return { todayGmvFen: d.todayGmvFen, todayOrders: d.todayOrders, todayPaidOrders: d.todayPaidOrders };
  };

  test('a rehearsal order goes the whole way, is marked as test, and stays out of GMV; a real one counts', async () => {
    const rehearsal = await campaign(true, 990);
    const real = await campaign(false, 1990);
    const start = await dashboard();

    const testOrder = await buy(rehearsal, 'dry-run-a');
    const order = await api<{ dryRun: boolean; status: string; totalFen: number }>(
      p.gateway,
      'GET',
      `/api/admin/orders/${testOrder}`,
      { token: admin },
    );
    assert.deepEqual(
      { dryRun: order.body.dryRun, status: order.body.status, totalFen: order.body.totalFen },
      { dryRun: true, status: 'paid', totalFen: 990 },
    );
    assert.deepEqual(await dashboard(), start, 'a rehearsal purchase changes no dashboard figure');

    const realOrder = await buy(real, 'dry-run-b');
    const after = await dashboard();
    assert.equal(after.todayGmvFen - start.todayGmvFen, 1990);
    assert.equal(after.todayOrders - start.todayOrders, 1);
    assert.equal(after.todayPaidOrders - start.todayPaidOrders, 1);
    const realView = await api<{ dryRun: boolean }>(p.gateway, 'GET', `/api/admin/orders/${realOrder}`, {
      token: admin,
    });
    assert.equal(realView.body.dryRun, false);

    const list = await api<{ items: { id: string }[] }>(p.gateway, 'GET', '/api/campaigns');
    const listed = list.body.items.map((c) => c.id);
    assert.ok(listed.includes(real), 'the real campaign is listed');
    assert.ok(!listed.includes(rehearsal), 'shoppers do not see the rehearsal in the list');
    const byId = await api<{ id: string }>(p.gateway, 'GET', `/api/campaigns/${rehearsal}`);
    assert.equal(byId.status, 200, 'the rehearsal stays reachable by id');

    const live = await api<{ stockTotal: number; stockLeft: number; sold: number; reserved: number }>(
      p.gateway,
      'GET',
      `/api/admin/campaigns/${rehearsal}/live`,
      { token: admin },
    );
    assert.equal(live.body.stockLeft + live.body.reserved + live.body.sold, live.body.stockTotal);
  });
});
