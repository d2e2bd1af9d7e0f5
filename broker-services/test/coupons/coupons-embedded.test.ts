/**
 * A coupon grab on the embedded default as `npm start` runs it (PGlite behind its socket, the in-process hot
 * path, the local transport, settlement on its worker threads through the coupons' sink): many shoppers, few
 * coupons, limit 1, ends with exactly the quantity claimed and nobody over the limit; the claims are coupons in
 * the database; after a restart on the same data directory the in-process hot state is rebuilt from them, so the
 * limit and "sold out" hold and a retried claim answers the same coupon; one of the coupons then lands on one
 * order of two checkouts sent at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { addAddress, adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'tuanmiao-coupons-embedded-'));
let running: StartedPlatform | undefined;
after(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Coupon {
  id: string;
  templateId: string;
  status: string;
}

test('a grab on the embedded default, then a restart: exactly the quantity, the limit held, retries replayed', async () => {
  running = await startPlatform({ dataDir, env: { SEED_DEMO: '0' }, timeoutMs: 180_000 });
  const first = running;
  const admin = await adminLogin(first.baseUrl, 'admin', first.adminPassword);
  const now = Date.now();
  const template = await api<{ id: string }>(first.baseUrl, 'POST', '/api/admin/coupon-templates', {
    token: admin,
    body: {
      name: '无门槛 10 元',
      kind: 'no_threshold',
      amountOffFen: 1000,
      total: 6,
      perUserLimit: 1,
      claimStartsAt: new Date(now - 60_000).toISOString(),
      claimEndsAt: new Date(now + 3_600_000).toISOString(),
      validDays: 3,
    },
  });
  assert.equal(template.status, 201, JSON.stringify(template.body));
  const t = template.body.id;
  const shoppers = await Promise.all(
    Array.from({ length: 30 }, (_, i) => devLogin(first.baseUrl, `emb-${i}`)),
  );
  const claim = (base: string, token: string, requestId: string) =>
    api<{ coupon: Coupon }>(base, 'POST', `/api/coupons/${t}/claims`, { token, body: { requestId } });
  const answers = await Promise.all(
    shoppers.flatMap((s, i) => [
      claim(first.baseUrl, s.token, `grab-${i}-a`),
      claim(first.baseUrl, s.token, `grab-${i}-b`),
    ]),
  );
  const won = answers.filter((a) => a.status === 201);
  assert.equal(won.length, 6, 'exactly the quantity');
  for (const a of answers.filter((x) => x.status !== 201)) {
    assert.equal(a.status, 409);
    assert.ok(
      ['SOLD_OUT', 'LIMIT_EXCEEDED'].includes((a.body as unknown as { error: { code: string } }).error.code),
    );
  }
  const winners = shoppers.filter(
    (_, i) => answers[2 * i]!.status === 201 || answers[2 * i + 1]!.status === 201,
  );
  assert.equal(winners.length, 6, 'nobody over the limit');
  for (const w of winners) {
    const mine = await eventually(async () => {
      const r = await api<{ items: Coupon[] }>(first.baseUrl, 'GET', '/api/me/coupons', { token: w.token });
      return r.body.items.length > 0 ? r.body.items : undefined;
    });
    assert.equal(mine.length, 1);
  }
  const winnerIndex = shoppers.indexOf(winners[0]!);
  const firstAnswer =
    answers[2 * winnerIndex]!.status === 201 ? answers[2 * winnerIndex]! : answers[2 * winnerIndex + 1]!;
  const firstRequestId =
    answers[2 * winnerIndex]!.status === 201 ? `grab-${winnerIndex}-a` : `grab-${winnerIndex}-b`;
  await first.stop({ keepData: true });
  running = undefined;

  running = await startPlatform({ dataDir, env: { SEED_DEMO: '0' }, timeoutMs: 180_000 });
  const second = running;
  const loser = shoppers.find((s) => !winners.includes(s))!;
  const soldOut = await claim(second.baseUrl, loser.token, 'after-restart');
  assert.equal(soldOut.status, 409);
  assert.equal((soldOut.body as unknown as { error: { code: string } }).error.code, 'SOLD_OUT');
  const replay = await claim(second.baseUrl, winners[0]!.token, firstRequestId);
  assert.equal(replay.status, 201, JSON.stringify(replay.body));
  assert.equal(replay.body.coupon.id, firstAnswer.body.coupon.id, 'a retry answers the same coupon');
  const live = await api<{ claimed: number; left: number }>(
    second.baseUrl,
    'GET',
    `/api/admin/coupon-templates/${t}/live`,
    { token: await adminLogin(second.baseUrl, 'admin', first.adminPassword) },
  );
  assert.equal(live.body.claimed, 6);
  assert.equal(live.body.left, 0);

  // The coupon at checkout: two orders sent at once with it, one lands.
  const admin2 = await adminLogin(second.baseUrl, 'admin', first.adminPassword);
  const product = await api<{ skus: { id: string }[] }>(second.baseUrl, 'POST', '/api/admin/products', {
    token: admin2,
    body: { title: '龙井', skus: [{ name: '250 g', priceFen: 5000, stock: 100 }] },
  });
  const w = winners[0]!;
  const addressId = await addAddress(second.baseUrl, w.token);
  const order = (requestId: string) =>
    api<{ order: { discountFen: number; payableFen: number } }>(second.baseUrl, 'POST', '/api/orders', {
      token: w.token,
      body: {
        items: [{ skuId: product.body.skus[0]!.id, quantity: 1 }],
        addressId,
        couponId: firstAnswer.body.coupon.id,
        requestId,
      },
    });
  const both = await Promise.all([order('emb-order-a'), order('emb-order-b')]);
  const placed = both.filter((r) => r.status === 201);
  assert.equal(placed.length, 1, JSON.stringify(both.map((b) => b.body)));
  assert.equal(placed[0]!.body.order.discountFen, 1000);
  assert.equal(placed[0]!.body.order.payableFen, 4000);
  const refused = both.find((r) => r.status !== 201)!;
  assert.equal(refused.status, 409);
  assert.equal((refused.body as unknown as { error: { code: string } }).error.code, 'COUPON_UNAVAILABLE');
});
