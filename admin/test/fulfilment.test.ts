/**
 * The operator's fulfilment flow in a real browser against the started platform: shoppers buy at the regular
 * price through the public API (address, checkout, dev payment); in the console the operator keeps categories,
 * adjusts a SKU's stock by +N, finds the paid order in the fulfilment queue with its address masked, shows it in
 * full (audited), ships it split into two packages, and — after the carrier's signed push — reads each package's
 * tracking; then approves a shopper's after-sale request, which refunds that order. A viewer sees the queue
 * masked, with no ship, reveal or approve controls. Screenshots go to artifacts/screenshots/; any console or page
 * error fails the test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { pushTracking } from '../../broker-services/test/support/carrier.ts';
import { adminLogin, api, devLogin, eventually } from '../../broker-services/test/support/http.ts';
import { ensureAdminBuilt } from './support/admin-build.ts';
import { collectPageErrors, confirmModal, launchChromium, signInConsole } from './support/browser.ts';
import { type Platform, startPlatform } from './support/platform.ts';

const screenshots = new URL('../../artifacts/screenshots/', import.meta.url).pathname;
const CARRIER_SECRET = 'carrier-secret-for-the-console-test';
const run = Date.now().toString(36);

interface ShopSku {
  id: string;
  title: string;
  stockLeft: number;
}
interface Order {
  id: string;
  status: string;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${screenshots}${name}.png`, fullPage: true, animations: 'disabled' });
}

/** A shopper with an address who has bought `skuId` at the regular price and paid with the dev provider. */
async function paidOrder(
  baseUrl: string,
  openid: string,
  skuId: string,
): Promise<{ token: string; orderId: string }> {
  const { token } = await devLogin(baseUrl, openid);
  const address = await api<{ id: string }>(baseUrl, 'POST', '/api/addresses', {
    token,
    body: {
      name: '张三丰',
      phone: '13812348000',
      region: ['330000', '330100', '330106'],
      regionNames: ['浙江省', '杭州市', '西湖区'],
      detail: '龙井路 18 号 茶园 3 栋',
    },
  });
  assert.equal(address.status, 201, JSON.stringify(address.body));
  const checkout = await api<{ order: Order }>(baseUrl, 'POST', '/api/orders', {
    token,
    body: { items: [{ skuId, quantity: 1 }], addressId: address.body.id, requestId: randomUUID() },
  });
  assert.equal(checkout.status, 201, JSON.stringify(checkout.body));
  const orderId = checkout.body.order.id;
  const paid = await api(baseUrl, 'POST', `/api/payments/dev/${orderId}/confirm`, { token });
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  await eventually(
    async () => {
      const o = await api<Order>(baseUrl, 'GET', `/api/orders/${orderId}`, { token });
      return o.body.status === 'paid' ? true : undefined;
    },
    15_000,
    'the order paid',
  );
  return { token, orderId };
}

describe('the operator’s fulfilment flow in the console', () => {
  let platform: Platform;
  let browser: Browser;

  before(async () => {
    ensureAdminBuilt();
    mkdirSync(screenshots, { recursive: true });
    platform = await startPlatform({ env: { CARRIER_PUSH_SECRET: CARRIER_SECRET } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('categories, stock +N, queue, full address, split shipment, tracking, after-sale; a viewer sees it masked', async () => {
    const { baseUrl } = platform;
    const rice = (
      await api<{ items: { id: string; title: string; skus: ShopSku[] }[] }>(
        baseUrl,
        'GET',
        '/api/products?q=五常',
      )
    ).body.items[0];
    assert.ok(rice, 'the demo rice');
    const riceSku = rice.skus[0]!;
    const toShip = await paidOrder(baseUrl, `fulfil-a-${run}`, riceSku.id);
    const toRefund = await paidOrder(baseUrl, `fulfil-b-${run}`, riceSku.id);
    const request = await api<{ id: string }>(
      baseUrl,
      'POST',
      `/api/orders/${toRefund.orderId}/refund-requests`,
      {
        token: toRefund.token,
        body: { kind: 'refund_only', reason: '不想要了：买多了' },
      },
    );
    assert.equal(request.status, 201, JSON.stringify(request.body));

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInConsole(page, baseUrl, platform.adminUsername, platform.adminPassword);

    // Categories: a top-level one and one under it; the tree shows both levels.
    await page.goto(`${baseUrl}/admin/categories`);
    await page.getByTestId('categories-page').waitFor();
    await page.locator('.ant-table-row', { hasText: '食品生鲜' }).waitFor();
    await page.getByTestId('create-category').click();
    await page.locator('#category_name').fill(`日用百货 ${run}`);
    await confirmModal(page);
    const top = page.locator('.ant-table-row', { hasText: `日用百货 ${run}` });
    await top.waitFor();
    await top.getByRole('button', { name: '新建分类' }).click();
    await page.locator('#category_name').fill(`厨房用品 ${run}`);
    await confirmModal(page);
    await page.locator('.ant-table-row', { hasText: `厨房用品 ${run}` }).waitFor();
    assert.match(
      (await page.locator('.ant-table-row', { hasText: `厨房用品 ${run}` }).textContent()) ?? '',
      /二级/,
    );
    await shot(page, 'categories');

    // Stock: +20 on the rice SKU, relative to whatever checkouts left.
    await page.goto(`${baseUrl}/admin/products`);
    const riceRow = page.locator('.ant-table-row', { hasText: rice.title });
    await riceRow.waitFor();
    const before = Number(await riceRow.getByTestId('sku-stock').first().textContent());
    await riceRow.getByTestId('adjust-stock').first().click();
    await page.locator('#adjust-stock_delta').fill('20');
    await page.locator('#adjust-stock_reason').fill('到货 20 袋');
    await confirmModal(page);
    await page.waitForFunction(
      ([title, want]) =>
        [...document.querySelectorAll('.ant-table-row')].some(
          (row) =>
            row.textContent?.includes(title as string) &&
            row.querySelector('[data-testid=sku-stock]')?.textContent === String(want),
        ),
      [rice.title, before + 20],
    );
    await shot(page, 'products-stock');

    // The fulfilment queue: the paid order, its address masked until shown in full.
    await page.goto(`${baseUrl}/admin/fulfilment`);
    const row = page.locator('.ant-table-row', { hasText: toShip.orderId });
    await row.waitFor();
    const masked = (await row.getByTestId('order-address').textContent()) ?? '';
    assert.match(masked, /138\*\*\*\*8000/);
    assert.doesNotMatch(masked, /13812348000/);
    await shot(page, 'fulfilment-queue');
    await row.getByTestId('reveal-address').click();
    await row.getByText('13812348000').waitFor();
    assert.match(
      (await row.getByTestId('order-address').textContent()) ?? '',
      /张三丰.*浙江省 杭州市 西湖区 龙井路 18 号/,
    );

    // Ship in two packages.
    await row.getByTestId('ship-order').click();
    await page.locator('#ship_packages_0_trackingNo').fill(`SF${run}A1`);
    await page.getByTestId('add-package').click();
    await page.locator('#ship_packages_1_trackingNo').fill(`SF${run}B2`);
    await shot(page, 'fulfilment-ship');
    await confirmModal(page);
    await row.waitFor({ state: 'detached' });

    // The carrier pushes the first package's events; the shipped tab shows both packages.
    const push = await pushTracking(baseUrl, {
      carrier: 'SF',
      secret: CARRIER_SECRET,
      trackingNo: `SF${run}A1`,
      events: [
        { id: `${run}-1`, at: new Date(Date.now() - 3_600_000).toISOString(), description: '快件已揽收' },
        { id: `${run}-2`, at: new Date().toISOString(), description: '快件派送中' },
      ],
    });
    assert.equal(push.status, 200, JSON.stringify(push.body));
    await page.getByRole('tab', { name: '已发货' }).click();
    const shipped = page.locator('.ant-table-row', { hasText: toShip.orderId });
    await shipped.waitFor();
    await shipped.getByTestId('view-tracking').click();
    await page.getByTestId('tracking-package').nth(1).waitFor();
    const packages = await page.getByTestId('tracking-package').allTextContents();
    assert.equal(packages.length, 2);
    assert.match(packages[0] ?? '', new RegExp(`顺丰速运 SF${run}A1.*快件派送中.*快件已揽收`));
    assert.match(packages[1] ?? '', new RegExp(`SF${run}B2.*等待快递公司推送轨迹`));
    await shot(page, 'fulfilment-tracking');
    await page.keyboard.press('Escape');

    // After-sale: approve the pending request; the order is refunded through the dev provider.
    await page.goto(`${baseUrl}/admin/after-sale`);
    const pending = page.locator('.ant-table-row', { hasText: request.body.id });
    await pending.waitFor();
    assert.match((await pending.textContent()) ?? '', /仅退款.*不想要了：买多了.*确认收货前.*待处理/);
    await shot(page, 'after-sale');
    await pending.getByTestId('approve-request').click();
    await confirmModal(page);
    await pending.waitFor({ state: 'detached' });
    await eventually(
      async () => {
        const o = await api<Order>(baseUrl, 'GET', `/api/orders/${toRefund.orderId}`, {
          token: toRefund.token,
        });
        return o.body.status === 'refunded' ? true : undefined;
      },
      20_000,
      'the approved order refunded',
    );
    await page.getByTestId('after-sale-status-filter').click();
    await page.locator('.ant-select-item-option', { hasText: '已同意' }).click();
    await page.locator('.ant-table-row', { hasText: request.body.id }).getByText('已同意').waitFor();

    // The shopper's order reads shipped, and the audit log has the full-address view and the stock change.
    const order = await api<Order>(baseUrl, 'GET', `/api/orders/${toShip.orderId}`, { token: toShip.token });
    assert.equal(order.body.status, 'shipped');
    await page.goto(`${baseUrl}/admin/audit-log`);
    await page.locator('.ant-table-row', { hasText: '查看订单收货地址' }).first().waitFor();
    await page.locator('.ant-table-row', { hasText: '调整库存' }).first().waitFor();

    // A viewer: the queue with addresses masked, no ship, reveal or approve controls.
    const ownerToken = await adminLogin(baseUrl, platform.adminUsername, platform.adminPassword);
    const viewerName = `viewer-${run}`;
    const viewerPassword = `pw-${randomUUID()}`;
    const created = await api(baseUrl, 'POST', '/api/admin/admins', {
      token: ownerToken,
      body: { username: viewerName, password: viewerPassword, role: 'viewer' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const third = await paidOrder(baseUrl, `fulfil-c-${run}`, riceSku.id);
    const viewerContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const viewerPage = await viewerContext.newPage();
    const viewerErrors = collectPageErrors(viewerPage);
    await signInConsole(viewerPage, baseUrl, viewerName, viewerPassword);
    await viewerPage.goto(`${baseUrl}/admin/fulfilment`);
    const viewerRow = viewerPage.locator('.ant-table-row', { hasText: third.orderId });
    await viewerRow.waitFor();
    assert.match((await viewerRow.textContent()) ?? '', /138\*\*\*\*8000/);
    assert.equal(await viewerRow.getByTestId('reveal-address').count(), 0);
    assert.equal(await viewerRow.getByTestId('ship-order').count(), 0);
    await viewerPage.goto(`${baseUrl}/admin/after-sale`);
    await viewerPage.getByTestId('after-sale-page').waitFor();
    assert.equal(await viewerPage.getByTestId('approve-request').count(), 0);
    await viewerPage.goto(`${baseUrl}/admin/categories`);
    await viewerPage.locator('.ant-table-row', { hasText: '食品生鲜' }).waitFor();
    assert.equal(await viewerPage.getByTestId('create-category').count(), 0);

    await viewerContext.close();
    await context.close();
    assert.deepEqual(errors, []);
    assert.deepEqual(viewerErrors, []);
  });
});
