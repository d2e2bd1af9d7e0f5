/**
 * Every route the console's API client calls exists, with that method, in the OpenAPI document of a started
 * platform (`GET /docs/json`), so a renamed or removed gateway route fails here and not in an operator's hands;
 * and the client's write calls, with the bodies the console sends, are accepted by the real gateway.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { api, devLogin, eventually } from '../../broker-services/test/support/http.ts';
import { ApiClient, ApiError, endpoints } from '../src/api/client.ts';
import { type Platform, startPlatform } from './support/platform.ts';

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

/** Fastify's `:id` as OpenAPI's `{id}`. */
function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

describe('admin API client against the gateway OpenAPI document', () => {
  let platform: Platform;
  let doc: OpenApiDocument;

  before(async () => {
    platform = await startPlatform();
    const res = await fetch(`${platform.baseUrl}/docs/json`);
    assert.equal(res.status, 200);
    doc = (await res.json()) as OpenApiDocument;
  });

  after(async () => {
    await platform?.stop();
  });

  test('every path and method the client uses is documented', () => {
    const missing = Object.entries(endpoints)
      .filter(([, ep]) => doc.paths[toOpenApiPath(ep.path)]?.[ep.method.toLowerCase()] === undefined)
      .map(([name, ep]) => `${name}: ${ep.method} ${ep.path}`);
    assert.deepEqual(missing, []);
  });

  test('the client signs in and reads its own admin with the typed shapes', async () => {
    const anonymous = new ApiClient({ baseUrl: platform.baseUrl });
    const login = await anonymous.login({
      username: platform.adminUsername,
      password: platform.adminPassword,
    });
    assert.equal(typeof login.token, 'string');
    assert.equal(login.admin.username, platform.adminUsername);
    assert.equal(login.admin.role, 'owner');
    const signedIn = new ApiClient({ baseUrl: platform.baseUrl, getToken: () => login.token });
    assert.deepEqual(await signedIn.me(), login.admin);
  });

  test('a failed call carries the gateway error code and status, and a 401 reaches onUnauthorized', async () => {
    let unauthorized = 0;
    const client = new ApiClient({
      baseUrl: platform.baseUrl,
      getToken: () => 'not-a-token',
      onUnauthorized: () => {
        unauthorized++;
      },
    });
    await assert.rejects(client.listProducts(), { name: 'ApiError', code: 'UNAUTHORIZED', status: 401 });
    assert.equal(unauthorized, 1);
    const anonymous = new ApiClient({ baseUrl: platform.baseUrl });
    await assert.rejects(
      anonymous.login({ username: platform.adminUsername, password: 'wrong-password' }),
      (err: unknown) =>
        err instanceof ApiError && /^[A-Z][A-Z_]+$/.test(err.code) && err.status >= 400 && err.status < 500,
    );
    assert.equal(unauthorized, 1);
  });

  test('the write calls the console makes are accepted; a refused one changes nothing', async () => {
    const { token } = await new ApiClient({ baseUrl: platform.baseUrl }).login({
      username: platform.adminUsername,
      password: platform.adminPassword,
    });
    const client = new ApiClient({ baseUrl: platform.baseUrl, getToken: () => token });
    const run = randomUUID().slice(0, 8);

    // Products: create, then edit title, SKU price and status in one patch.
    const product = await client.createProduct({
      title: `杯 ${run}`,
      skus: [{ name: '500ml', priceFen: 12990 }],
    });
    const sku = product.skus[0]!;
    const edited = await client.updateProduct(product.id, {
      title: `杯 ${run} 改`,
      skus: [{ id: sku.id, name: '500ml', priceFen: 9990 }],
    });
    assert.equal(edited.title, `杯 ${run} 改`);
    assert.deepEqual(edited.skus, [{ id: sku.id, name: '500ml', priceFen: 9990, stock: 0 }]);

    // A scheduled campaign: create, edit, live controls.
    const startsAt = new Date(Date.now() + 3_600_000).toISOString();
    const endsAt = new Date(Date.now() + 7_200_000).toISOString();
    const campaign = await client.createCampaign({
      type: 'seckill',
      title: `秒杀 ${run}`,
      skuId: sku.id,
      priceFen: 990,
      startsAt,
      endsAt,
      stockTotal: 5,
      perUserLimit: 1,
    });
    assert.equal(campaign.status, 'scheduled');
    const renamed = await client.updateCampaign(campaign.id, { title: `秒杀 ${run} 改`, priceFen: 890 });
    assert.equal(renamed.title, `秒杀 ${run} 改`);
    assert.equal(renamed.priceFen, 890);
    assert.equal((await client.setKillSwitch(campaign.id, { active: true })).killSwitch, true);
    const room = await client.setWaitingRoom(campaign.id, { enabled: true, admissionRatePerSecond: 50 });
    assert.deepEqual(room.waitingRoom, { enabled: true, admissionRatePerSecond: 50 });
    assert.deepEqual(await client.prewarmCampaign(campaign.id), { loaded: true, verified: true });
    const live = await client.campaignLive(campaign.id);
    assert.equal(live.stockLeft + live.reserved + live.sold, live.stockTotal);
    assert.equal((await client.stopCampaign(campaign.id)).status, 'stopped');
    // A stopped campaign refuses edits, and keeps what it had.
    await assert.rejects(client.updateCampaign(campaign.id, { title: 'x' }), {
      code: 'INVALID_TRANSITION',
      status: 409,
    });
    assert.equal((await client.getCampaign(campaign.id)).title, `秒杀 ${run} 改`);

    // Admins: create a viewer, promote it.
    const viewer = await client.createAdmin({
      username: `v-${run}`,
      password: `pw-${run}-long`,
      role: 'viewer',
    });
    assert.equal((await client.updateAdmin(viewer.id, { role: 'operator' })).role, 'operator');
    assert.ok((await client.listAdmins()).some((a) => a.id === viewer.id && a.role === 'operator'));

    // Orders: a shopper buys from the demo seckill and pays; the console ships it, then cannot ship twice.
    const demo = (await client.listCampaigns({ type: 'seckill', status: 'live' }))[0]!;
    const shopper = await devLogin(platform.baseUrl, `contract-${run}`);
    const reserved = await api<{ reservation: { id: string } }>(
      platform.baseUrl,
      'POST',
      `/api/seckill/${demo.id}/reservations`,
      { token: shopper.token, body: { quantity: 1, requestId: randomUUID() } },
    );
    assert.equal(reserved.status, 201);
    const orderId = await eventually(async () => {
      const res = await api<{ orderId?: string }>(
        platform.baseUrl,
        'GET',
        `/api/reservations/${reserved.body.reservation.id}`,
        { token: shopper.token },
      );
      return res.body.orderId;
    });
    const paid = await api(platform.baseUrl, 'POST', `/api/payments/dev/${orderId}/confirm`, {
      token: shopper.token,
    });
    assert.equal(paid.status, 200);
    const shipped = await client.shipOrder(orderId, {
      carrier: 'SF',
      trackingNo: 'SF1234567890',
      morePackages: [{ carrier: 'YTO', trackingNo: 'YT1234567890' }],
    });
    assert.equal(shipped.status, 'shipped');
    assert.equal(shipped.trackingNo, 'SF1234567890');
    const tracking = await client.orderTracking(orderId);
    assert.deepEqual(
      tracking.packages.map((p) => [p.carrier, p.trackingNo, p.events]),
      [
        ['SF', 'SF1234567890', []],
        ['YTO', 'YT1234567890', []],
      ],
    );
    const again = await api(platform.baseUrl, 'POST', `/api/admin/orders/${orderId}/ship`, {
      token,
      body: { trackingNo: 'SF0000000000' },
    });
    assert.equal(again.status, 409);
    assert.equal((again.body as { error: { code: string } }).error.code, 'INVALID_TRANSITION');
    const detail = await client.getOrder(orderId);
    assert.equal(detail.trackingNo, 'SF1234567890');
    assert.deepEqual(
      detail.transitions?.map((t) => t.to),
      ['pending_payment', 'paid', 'shipped'],
    );
    const page = await client.listOrders({ campaignId: demo.id, status: 'shipped' });
    assert.deepEqual(
      page.items.map((o) => o.id),
      [orderId],
    );

    // The shop's writes: categories, a relative stock change, the after-sale queue.
    const top = await client.createCategory({ name: `契约-${run}` });
    const child = await client.createCategory({ name: '子类', parentId: top.id, sortOrder: 3 });
    assert.equal(child.parentId, top.id);
    const renamedCategory = await client.updateCategory(child.id, { name: '子类二', sortOrder: 1 });
    assert.deepEqual([renamedCategory.name, renamedCategory.sortOrder], ['子类二', 1]);
    await assert.rejects(
      client.deleteCategory(top.id),
      (e: unknown) => e instanceof ApiError && e.code === 'CONFLICT',
    );
    await client.deleteCategory(child.id);
    await client.deleteCategory(top.id);
    assert.ok(!(await client.listCategories()).some((c) => c.id === top.id || c.id === child.id));
    const before = (await client.getProduct(product.id)).skus[0]!.stock;
    const adjusted = await client.adjustStock(sku.id, { delta: 7, reason: '到货' });
    assert.equal(adjusted.stock, before + 7);
    await assert.rejects(
      client.adjustStock(sku.id, { delta: -(before + 8), reason: '盘亏' }),
      (e: unknown) => e instanceof ApiError && e.code === 'CONFLICT' && e.status === 409,
    );
    assert.equal(
      (await client.getProduct(product.id)).skus[0]!.stock,
      before + 7,
      'a refused change changes nothing',
    );
    assert.deepEqual(
      (await client.listRefundRequests('pending')).filter((r) => r.orderId === orderId),
      [],
    );

    // The dashboard counts the paid order; the audit log has every write above.
    const dashboard = await client.dashboard();
    assert.ok(dashboard.todayPaidOrders >= 1);
    const actions = (await client.auditLog()).items.map((e) => e.action);
    for (const action of [
      'product.update',
      'campaign.update',
      'campaign.stop',
      'admin.update',
      'order.ship',
      'category.create',
      'category.update',
      'category.delete',
      'sku.stock_adjust',
    ]) {
      assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
    }
  });
});
