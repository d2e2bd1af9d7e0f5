/**
 * Cart and checkout at the regular price, on real PostgreSQL and on the embedded default: the server-side cart;
 * an order of several SKUs with its stock taken for all or none, idempotent by requestId, its address kept;
 * refusals (sold out naming the SKU, off sale, coupons and points not yet, another shopper's address or order)
 * that change nothing; payment, cancel and the unpaid timeout giving the stock back once; and a race of many
 * shoppers over little stock that ends with no SKU below zero and every order whole or absent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertError } from '../gateway/support.ts';
import { addAddress, adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import { createTestDeployment } from '../support/real-services.ts';

interface Order {
  id: string;
  status: string;
  kind: string;
  campaignId?: string;
  items: { skuId: string; quantity: number; unitPriceFen: number; title: string; skuTitle?: string }[];
  totalFen: number;
  itemsFen: number;
  discountFen: number;
  pointsUsed: number;
  payableFen: number;
  address?: { name: string; phone: string; region: string[]; detail: string };
}
interface Cart {
  items: { skuId: string; quantity: number; priceFen: number; available: boolean }[];
  totalFen: number;
}
interface AdminProduct {
  id: string;
  sales: number;
  skus: { id: string; name: string; stock: number }[];
}

function checkoutSuite(
  start: () => Promise<{ platform: StartedPlatform; adminPassword: string; dispose(): Promise<void> }>,
) {
  let platform: StartedPlatform;
  let dispose: () => Promise<void>;
  let base: string;
  let admin: string;
  let alice: { token: string; userId: string };
  let aliceAddress: string;
  const run = randomBytes(4).toString('hex');
  const sku: Record<string, string> = {};
  const products: Record<string, string> = {};

  const product = async (id: string) =>
    (await api<AdminProduct>(base, 'GET', `/api/admin/products/${id}`, { token: admin })).body;
  const stockOf = async (name: string) => {
    const p = await product(products[name.slice(0, 1)]!);
    return p.skus.find((s) => s.id === sku[name])!.stock;
  };
  const stocks = async () =>
    Object.fromEntries(await Promise.all(Object.keys(sku).map(async (k) => [k, await stockOf(k)])));
  const checkout = (token: string, body: unknown) =>
    api<{ order: Order }>(base, 'POST', '/api/orders', { token, body });

  before(async () => {
    const started = await start();
    platform = started.platform;
    dispose = started.dispose;
    base = platform.baseUrl;
    admin = await adminLogin(base, 'admin', started.adminPassword);
    for (const [name, skus] of [
      [
        'A',
        [
          ['A1', 1000, 5],
          ['A2', 2500, 3],
        ],
      ],
      ['B', [['B1', 800, 2]]],
    ] as const) {
      const made = await api<AdminProduct>(base, 'POST', '/api/admin/products', {
        token: admin,
        body: {
          title: `商品 ${name}`,
          skus: skus.map(([n, priceFen, stock]) => ({ name: n, priceFen, stock })),
        },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      products[name] = made.body.id;
      for (const s of made.body.skus) sku[s.name] = s.id;
    }
    alice = await devLogin(base, `alice-${run}`);
    aliceAddress = await addAddress(base, alice.token);
  });
  after(async () => {
    await platform?.stop();
    await dispose?.();
  });

  test('the cart keeps lines per shopper at today’s prices; 0 removes; off sale is not available', async () => {
    const put = (skuId: string, quantity: number, token = alice.token) =>
      api<Cart>(base, 'PUT', `/api/cart/items/${skuId}`, { token, body: { quantity } });
    await put(sku.A1!, 2);
    const cart = await put(sku.B1!, 1);
    assert.equal(cart.status, 200);
    assert.deepEqual(
      cart.body.items.map((i) => [i.skuId, i.quantity, i.priceFen, i.available]).sort(),
      [
        [sku.A1, 2, 1000, true],
        [sku.B1, 1, 800, true],
      ].sort(),
    );
    assert.equal(cart.body.totalFen, 2800);
    const bob = await devLogin(base, `bob-${run}`);
    assert.deepEqual((await api<Cart>(base, 'GET', '/api/cart', { token: bob.token })).body, {
      items: [],
      totalFen: 0,
    });
    await put(sku.A2!, 9);
    const short = await api<Cart>(base, 'GET', '/api/cart', { token: alice.token });
    assert.equal(short.body.items.find((i) => i.skuId === sku.A2)!.available, false, 'more than the stock');
    assert.equal(short.body.totalFen, 2800);
    assert.equal((await put(sku.A2!, 0)).body.items.length, 2);
    await api(base, 'PATCH', `/api/admin/products/${products.B}`, { token: admin, body: { onSale: false } });
    const off = await api<Cart>(base, 'GET', '/api/cart', { token: alice.token });
    assert.equal(off.body.items.find((i) => i.skuId === sku.B1)!.available, false);
    assertError(await put(sku.B1!, 2), 404, 'NOT_FOUND', 'No such product on sale');
    await api(base, 'PATCH', `/api/admin/products/${products.B}`, { token: admin, body: { onSale: true } });
  });

  test('checkout takes every line’s stock, keeps the address, empties those cart lines; a replay is the same order', async () => {
    const body = {
      items: [
        { skuId: sku.A1, quantity: 2 },
        { skuId: sku.B1, quantity: 1 },
      ],
      addressId: aliceAddress,
      requestId: `checkout-${run}-1`,
    };
    const res = await checkout(alice.token, body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const order = res.body.order;
    assert.equal(order.status, 'pending_payment');
    assert.equal(order.kind, 'regular');
    assert.equal(order.campaignId, undefined);
    assert.deepEqual(
      order.items.map((i) => [i.skuId, i.quantity, i.unitPriceFen]).sort(),
      [
        [sku.A1, 2, 1000],
        [sku.B1, 1, 800],
      ].sort(),
    );
    assert.deepEqual(
      [order.totalFen, order.itemsFen, order.discountFen, order.pointsUsed, order.payableFen],
      [2800, 2800, 0, 0, 2800],
    );
    assert.deepEqual(order.address, {
      name: '张三',
      phone: '13812348000',
      region: ['330000', '330100', '330106'],
      detail: '龙井路 1 号',
    });
    assert.deepEqual(await stocks(), { A1: 3, A2: 3, B1: 1 });
    assert.equal((await product(products.A!)).sales, 2);
    assert.deepEqual((await api<Cart>(base, 'GET', '/api/cart', { token: alice.token })).body.items, []);
    const again = await checkout(alice.token, body);
    assert.equal(again.status, 201);
    assert.equal(again.body.order.id, order.id);
    // The first answer is built from what was written, the replay's is read back: the same order.
    assert.deepEqual(again.body.order, order);
    assert.deepEqual(await stocks(), { A1: 3, A2: 3, B1: 1 }, 'the replay took nothing');
    // Deleting the address later leaves the order's copy as it was.
    const spare = await addAddress(base, alice.token);
    await api(base, 'DELETE', `/api/addresses/${spare}`, { token: alice.token });
    const read = await api<Order>(base, 'GET', `/api/orders/${order.id}`, { token: alice.token });
    assert.deepEqual(read.body.address, order.address);
    const adminView = await api<Order>(base, 'GET', `/api/admin/orders/${order.id}`, { token: admin });
    assert.equal(adminView.body.address!.phone, '138****8000', 'masked for operators');
    const full = await api(base, 'GET', `/api/admin/orders/${order.id}/address`, { token: admin });
    assert.deepEqual(full.body, order.address);
    const audit = await api<{ items: { action: string; objectId: string }[] }>(
      base,
      'GET',
      '/api/admin/audit-log?limit=5',
      {
        token: admin,
      },
    );
    assert.ok(audit.body.items.some((e) => e.action === 'order.address.reveal' && e.objectId === order.id));
    const paid = await api<{ outcome: string }>(base, 'POST', `/api/payments/dev/${order.id}/confirm`, {
      token: alice.token,
    });
    assert.equal(paid.body.outcome, 'applied');
  });

  test('one line short: 409 SOLD_OUT names the SKU and no line’s stock is taken', async () => {
    const before = await stocks();
    const res = await checkout(alice.token, {
      items: [
        { skuId: sku.A1, quantity: 1 },
        { skuId: sku.B1, quantity: 2 },
      ],
      addressId: aliceAddress,
      requestId: `checkout-${run}-2`,
    });
    assert.deepEqual(res.body, {
      error: {
        code: 'SOLD_OUT',
        message: 'Not enough stock for one of the items',
        retryable: false,
        details: { skuId: sku.B1, stockLeft: 1 },
      },
    });
    assert.equal(res.status, 409);
    assert.deepEqual(await stocks(), before);
    const mine = await api<{ items: Order[] }>(base, 'GET', '/api/orders', { token: alice.token });
    assert.equal(mine.body.items.length, 1, 'no order was left behind');
  });

  test('unknown coupons, points beyond the balance, off-sale SKUs and another shopper’s address are refused and change nothing', async () => {
    const before = await stocks();
    const body = {
      items: [{ skuId: sku.A1, quantity: 1 }],
      addressId: aliceAddress,
      requestId: `checkout-${run}-3`,
    };
    assertError(
      await checkout(alice.token, { ...body, couponId: 'cpn_00000000000000000000000000' }),
      404,
      'NOT_FOUND',
      'No such coupon',
    );
    const noPoints = await checkout(alice.token, { ...body, pointsToUse: 100 });
    assert.equal(noPoints.status, 409);
    assert.deepEqual(noPoints.body, {
      error: {
        code: 'INSUFFICIENT_POINTS',
        message: 'Not enough points',
        retryable: false,
        details: { balance: 0, needed: 100 },
      },
    });
    const bob = await devLogin(base, `bob-${run}`);
    assertError(await checkout(bob.token, body), 404, 'NOT_FOUND', 'No such address');
    await api(base, 'PATCH', `/api/admin/products/${products.A}`, { token: admin, body: { onSale: false } });
    const off = await checkout(alice.token, body);
    assert.deepEqual(off.body, {
      error: {
        code: 'NOT_FOUND',
        message: 'No such product on sale',
        retryable: false,
        details: { skuId: sku.A1 },
      },
    });
    await api(base, 'PATCH', `/api/admin/products/${products.A}`, { token: admin, body: { onSale: true } });
    assert.deepEqual(await stocks(), before);
    const mine = await api<{ items: Order[] }>(base, 'GET', '/api/orders', { token: alice.token });
    assert.equal(mine.body.items.length, 1);
    assertError(
      await api(base, 'GET', `/api/orders/${mine.body.items[0]!.id}`, { token: bob.token }),
      404,
      'NOT_FOUND',
      'No such order',
    );
  });

  test('pay with the same provider; cancel gives the stock back once; the unpaid timeout does too', async () => {
    const place = async (n: number, skuId: string, quantity: number) => {
      const res = await checkout(alice.token, {
        items: [{ skuId, quantity }],
        addressId: aliceAddress,
        requestId: `checkout-${run}-p${n}`,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.order;
    };
    const paid = await place(1, sku.A2!, 1);
    const start = await api<{ provider: string }>(base, 'POST', `/api/orders/${paid.id}/payment`, {
      token: alice.token,
    });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    const confirm = await api<{ outcome: string; order: Order }>(
      base,
      'POST',
      `/api/payments/dev/${paid.id}/confirm`,
      {
        token: alice.token,
      },
    );
    assert.equal(confirm.body.outcome, 'applied');
    assert.equal(confirm.body.order.status, 'paid');

    const cancelled = await place(2, sku.A2!, 1);
    assert.equal(await stockOf('A2'), 1);
    const c1 = await api<Order>(base, 'POST', `/api/orders/${cancelled.id}/cancel`, { token: alice.token });
    assert.equal(c1.body.status, 'cancelled');
    const c2 = await api<Order>(base, 'POST', `/api/orders/${cancelled.id}/cancel`, { token: alice.token });
    assert.equal(c2.body.status, 'cancelled');
    assert.equal(await stockOf('A2'), 2, 'back once, not twice');

    const expiring = await place(3, sku.A2!, 2);
    assert.equal(await stockOf('A2'), 0);
    await eventually(
      async () => {
        const o = await api<Order>(base, 'GET', `/api/orders/${expiring.id}`, { token: alice.token });
        return o.body.status === 'cancelled' ? true : undefined;
      },
      120_000,
      'the unpaid order to expire',
    );
    assert.equal(await stockOf('A2'), 2);
  });

  test('a checkout race: many shoppers, several SKUs, little stock: none below zero, every order whole or absent', async () => {
    const made = await api<AdminProduct>(base, 'POST', '/api/admin/products', {
      token: admin,
      body: {
        title: `抢购 ${run}`,
        skus: ['R1', 'R2', 'R3'].map((name) => ({ name, priceFen: 100, stock: 6 })),
      },
    });
    const raceSkus = made.body.skus.map((s) => s.id);
    const shoppers = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const s = await devLogin(base, `racer-${run}-${i}`);
        return { ...s, addressId: await addAddress(base, s.token) };
      }),
    );
    const wants = shoppers.map((_, i) => {
      // Each shopper wants two or three of the SKUs, in different orders (a lock-order test as well).
      const picks =
        i % 3 === 0
          ? [...raceSkus]
          : i % 3 === 1
            ? [raceSkus[2]!, raceSkus[0]!]
            : [raceSkus[1]!, raceSkus[2]!];
      return picks.map((skuId, j) => ({ skuId, quantity: 1 + ((i + j) % 2) }));
    });
    const results = await Promise.all(
      shoppers.map((s, i) =>
        checkout(s.token, { items: wants[i], addressId: s.addressId, requestId: `race-${run}-${i}` }),
      ),
    );
    for (const r of results)
      assert.ok(
        r.status === 201 ||
          (r.status === 409 && (r.body as unknown as { error: { code: string } }).error.code === 'SOLD_OUT'),
        JSON.stringify(r.body),
      );
    const placed = results.filter((r) => r.status === 201).map((r) => r.body.order);
    assert.ok(placed.length > 0, 'some orders were placed');
    const taken = new Map<string, number>();
    for (const [i, r] of results.entries()) {
      if (r.status !== 201) continue;
      const want = wants[i]!.map((w) => [w.skuId, w.quantity]).sort();
      assert.deepEqual(r.body.order.items.map((l) => [l.skuId, l.quantity]).sort(), want, 'whole');
      for (const l of r.body.order.items) taken.set(l.skuId, (taken.get(l.skuId) ?? 0) + l.quantity);
    }
    const after = await product(made.body.id);
    for (const s of after.skus) {
      assert.ok(s.stock >= 0, `${s.name} not below zero`);
      assert.equal(s.stock + (taken.get(s.id) ?? 0), 6, `${s.name}: left + sold = total`);
    }
    const orders = await api<{ items: (Order & { userId: string })[] }>(
      base,
      'GET',
      '/api/admin/orders?limit=100',
      {
        token: admin,
      },
    );
    const racers = new Set(shoppers.map((s) => s.userId));
    const stored = orders.body.items.filter((o) => racers.has(o.userId));
    assert.deepEqual(
      stored.map((o) => o.id).sort(),
      placed.map((o) => o.id).sort(),
      'no order beyond those answered',
    );
  });
}

describe('checkout on PostgreSQL', () => {
  checkoutSuite(async () => {
    const dep = await createTestDeployment();
    const platform = await startPlatform({
      env: { ...dep.env, ALLOW_SHORT_TTL: '1', PAYMENT_TTL_SECONDS: '30', SWEEP_INTERVAL_MS: '200' },
    });
    return { platform, adminPassword: dep.adminPassword, dispose: () => dep.dispose() };
  });
});

describe('checkout on the embedded default', () => {
  checkoutSuite(async () => {
    const platform = await startPlatform({
      env: { SEED_DEMO: '0', ALLOW_SHORT_TTL: '1', PAYMENT_TTL_SECONDS: '30', SWEEP_INTERVAL_MS: '200' },
    });
    return { platform, adminPassword: platform.adminPassword, dispose: async () => {} };
  });
});
