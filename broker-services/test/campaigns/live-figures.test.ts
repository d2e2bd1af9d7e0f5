/**
 * A campaign's live figures (`GET /api/admin/campaigns/:id/live`) while a reservation settles: read at any moment,
 * they conserve stock (stockLeft + reserved + sold == stockTotal). The load tests stop waiting for settlement on
 * the first read that says reserved == ordersPending and check it: a groupbuy-join-storm saw 62 answers 201,
 * 238 left and 61 orders with nothing unsettled, because the orders were counted by status in one statement and
 * the listed reservations looked up in another, and the last order committed between the two. Here that commit
 * is made to land there: settlement is held by a lock, and a proxy in front of PostgreSQL holds the live read's
 * later statements on orders until the order is committed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';
import { type StatementGate, startStatementGate } from '../support/pg-statement-gate.ts';
import type { LiveFigures } from '../support/real-services.ts';

let p: InProcessPlatform;
let gate: StatementGate;
let admin: string;

before(async () => {
  gate = await startStatementGate({
    // The live read's count of the campaign's orders by status passes; its later reads of orders wait.
    trigger: /from orders where campaign_id = \S+ group by status/,
    hold: /^\s*select\b[\s\S]*\bfrom orders\b/i,
  });
  // The in-process store, as the embedded default runs; PostgreSQL through the gate.
  p = await startInProcess({ store: 'memory', databaseUrlVia: (url) => gate.urlFor(url) });
  admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
});
after(async () => {
  gate?.release();
  await p?.stop();
  await gate?.close();
});

async function seckill(stockTotal: number): Promise<string> {
  const product = await api<{ skus: { id: string }[] }>(p.gateway, 'POST', '/api/admin/products', {
    token: admin,
    body: { title: 'Live figures tea', skus: [{ name: '100g', priceFen: 5000 }] },
  });
  assert.equal(product.status, 201, JSON.stringify(product.body));
  const res = await api<{ id: string }>(p.gateway, 'POST', '/api/admin/campaigns', {
    token: admin,
    body: {
      type: 'seckill',
      title: 'Live figures',
      skuId: product.body.skus[0]!.id,
      priceFen: 100,
      startsAt: new Date(p.clock.now() - 1000).toISOString(),
      endsAt: new Date(p.clock.now() + 3600_000).toISOString(),
      stockTotal,
      perUserLimit: 1,
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id;
}

test('live figures conserve stock when the last order commits in the middle of their read', async () => {
  const campaignId = await seckill(10);
  const shopper = await devLogin(p.gateway, `live_${randomUUID()}`);

  // Settlement's batch writes its settled position last: a lock on that table holds its commit back.
  const lock = new pg.Client({ connectionString: p.deployment.databaseUrl });
  await lock.connect();
  try {
    await lock.query('begin');
    await lock.query('lock table hot_path_positions in exclusive mode');
    const reserved = await api(p.gateway, 'POST', `/api/seckill/${campaignId}/reservations`, {
      token: shopper.token,
      body: { quantity: 1, requestId: randomUUID() },
    });
    assert.equal(reserved.status, 201, JSON.stringify(reserved.body));

    gate.arm();
    const live = api<LiveFigures>(p.gateway, 'GET', `/api/admin/campaigns/${campaignId}/live`, {
      token: admin,
    });
    // Either a later statement of the read is held, or the read needed none after its count.
    await Promise.race([gate.held, live]);
    await lock.query('commit');
    await eventually(
      async () => {
        const res = await p.deployment.sql.query('select 1 from orders where campaign_id = $1', [campaignId]);
        return res.rowCount === 1 ? true : undefined;
      },
      30_000,
      'the order committed',
    );
    gate.release();

    const figures = (await live).body;
    const { stockTotal, stockLeft, reserved: held, sold, ordersPending } = figures;
    assert.equal(stockLeft, 9, JSON.stringify(figures));
    assert.equal(stockLeft + held + sold, stockTotal, `left + reserved + sold: ${JSON.stringify(figures)}`);
    // The reservation is either an order already or still unsettled in this read, never neither.
    assert.equal(held, 1, JSON.stringify(figures));
    assert.ok(ordersPending <= 1, JSON.stringify(figures));
  } finally {
    await lock.end();
  }
});
