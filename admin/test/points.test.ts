/**
 * Points in the console, in a real browser against the started platform: the operator sets the rules (earning,
 * value, expiry), adds points to a shopper with a note (the shopper's balance moves, the ledger search finds the
 * entry, a reconciliation finds every balance equal to its ledger), adds an item to the points mall, sees a
 * shopper's redemption take its stock, and stops it (shoppers no longer see it). A viewer reads everything and
 * has no control that writes. An after-sale refund of a completed order whose points were spent shows its take-back
 * with the shortfall. Screenshots go to artifacts/screenshots/; any console or page error fails the test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { adminLogin, api, devLogin, eventually } from '../../broker-services/test/support/http.ts';
import { ensureAdminBuilt } from './support/admin-build.ts';
import { collectPageErrors, confirmModal, launchChromium, signInConsole } from './support/browser.ts';
import { type Platform, startPlatform } from './support/platform.ts';

const screenshots = new URL('../../artifacts/screenshots/', import.meta.url).pathname;
const run = Date.now().toString(36);

interface Rules {
  earnPointsPerYuan: number;
  pointValueFen: number;
  expiryDays: number | null;
}
interface MallItem {
  id: string;
  title: string;
  stockLeft: number;
}

async function setNumber(page: Page, testId: string, value: number): Promise<void> {
  const input = page.getByTestId(testId);
  await input.fill('');
  await input.fill(String(value));
}

describe('points in the console', () => {
  let platform: Platform;
  let browser: Browser;

  before(async () => {
    ensureAdminBuilt();
    mkdirSync(screenshots, { recursive: true });
    platform = await startPlatform();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('rules, an adjustment found in the ledger, reconciliation, a mall item redeemed and stopped; a viewer only reads', async () => {
    const { baseUrl } = platform;
    const shopper = await devLogin(baseUrl, `points-console-${run}`);
    const ownerToken = await adminLogin(baseUrl, platform.adminUsername, platform.adminPassword);

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInConsole(page, baseUrl, platform.adminUsername, platform.adminPassword);

    // Rules: 3 points a yuan, a point worth 2 fen, points expire after 180 days.
    await page.goto(`${baseUrl}/admin/points`);
    await page.getByTestId('points-rules').waitFor();
    await setNumber(page, 'rules-earn', 3);
    await setNumber(page, 'rules-value', 2);
    if (!(await page.getByTestId('rules-expires').isChecked()))
      await page.getByTestId('rules-expires').click();
    await setNumber(page, 'rules-expiry-days', 180);
    await page.getByTestId('save-rules').click();
    await page.locator('.ant-message', { hasText: '已保存' }).waitFor();
    const rules = await api<Rules>(baseUrl, 'GET', '/api/admin/points-rules', { token: ownerToken });
    assert.deepEqual(
      { earn: rules.body.earnPointsPerYuan, value: rules.body.pointValueFen, expiry: rules.body.expiryDays },
      { earn: 3, value: 2, expiry: 180 },
    );
    await page.screenshot({ path: `${screenshots}points-rules.png`, fullPage: true, animations: 'disabled' });

    // Ledger: +800 to the shopper with a note; the balance moves and the search finds the entry.
    await page.getByRole('tab', { name: '积分流水' }).click();
    await page.getByTestId('adjust-points').click();
    await page.getByTestId('adjust-user').fill(shopper.userId);
    await page.getByTestId('adjust-delta').fill('800');
    await page.getByTestId('adjust-note').fill(`客服补偿 ${run}`);
    await confirmModal(page);
    await page.locator('.ant-message', { hasText: '当前余额 800' }).waitFor();
    const mine = await api<{ balance: number }>(baseUrl, 'GET', '/api/me/points', { token: shopper.token });
    assert.equal(mine.body.balance, 800);
    await page.getByTestId('ledger-user').fill(shopper.userId);
    await page.getByTestId('ledger-search').click();
    const entry = page.locator('.ant-table-row', { hasText: `客服补偿 ${run}` });
    await entry.waitFor();
    assert.match((await entry.textContent()) ?? '', /\+800.*人工调整/);
    await page.getByTestId('reconcile-points').click();
    await page.getByTestId('reconcile-result').getByText('账平').waitFor();
    await page.screenshot({
      path: `${screenshots}points-ledger.png`,
      fullPage: true,
      animations: 'disabled',
    });

    // Mall: an item of 300 points, 2 in stock; a shopper's redemption takes one; then it is stopped.
    await page.getByRole('tab', { name: '积分商城' }).click();
    await page.getByTestId('create-mall-item').click();
    await page.getByTestId('mall-title').fill(`定制茶杯 ${run}`);
    await page.getByTestId('mall-cost').fill('300');
    await page.getByTestId('mall-stock').fill('2');
    await confirmModal(page);
    const row = page.locator('.ant-table-row', { hasText: `定制茶杯 ${run}` });
    await row.waitFor();
    const offered = await api<{ items: MallItem[] }>(baseUrl, 'GET', '/api/points-mall/items', {
      token: shopper.token,
    });
    const item = offered.body.items.find((i) => i.title === `定制茶杯 ${run}`);
    assert.ok(item, 'shoppers see the new item');
    const redeemed = await api(baseUrl, 'POST', `/api/points-mall/items/${item.id}/redemptions`, {
      token: shopper.token,
      body: { requestId: randomUUID() },
    });
    assert.equal(redeemed.status, 201, JSON.stringify(redeemed.body));
    await page.reload();
    await page.getByRole('tab', { name: '积分商城' }).click();
    await eventually(
      async () => ((await row.textContent())?.includes('1 / 2') ? true : undefined),
      10_000,
      'the stock column shows one left',
    );
    await page.getByTestId(`mall-status-${item.id}`).click();
    await row.getByText('已下架').waitFor();
    const after = await api<{ items: MallItem[] }>(baseUrl, 'GET', '/api/points-mall/items', {
      token: shopper.token,
    });
    assert.ok(!after.body.items.some((i) => i.id === item.id), 'a stopped item is not offered');
    await page.screenshot({ path: `${screenshots}points-mall.png`, fullPage: true, animations: 'disabled' });

    // The audit log has the rules, the adjustment and the item.
    await page.goto(`${baseUrl}/admin/audit-log`);
    await page.getByTestId('audit-page').waitFor();
    for (const action of ['修改积分规则', '调整积分', '新建积分商品', '修改积分商品']) {
      await page.locator('.ant-table-row', { hasText: action }).first().waitFor();
    }

    // A viewer reads the rules, the ledger and the mall, and has no control that writes.
    const viewerName = `viewer-${run}`;
    const viewerPassword = `pw-${randomUUID()}`;
    const created = await api(baseUrl, 'POST', '/api/admin/admins', {
      token: ownerToken,
      body: { username: viewerName, password: viewerPassword, role: 'viewer' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const viewerContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const viewerPage = await viewerContext.newPage();
    const viewerErrors = collectPageErrors(viewerPage);
    await signInConsole(viewerPage, baseUrl, viewerName, viewerPassword);
    await viewerPage.goto(`${baseUrl}/admin/points`);
    await viewerPage.getByTestId('points-rules').waitFor();
    assert.equal(await viewerPage.getByTestId('save-rules').count(), 0);
    await viewerPage.getByRole('tab', { name: '积分流水' }).click();
    await viewerPage.getByTestId('points-ledger').waitFor();
    assert.equal(await viewerPage.getByTestId('adjust-points').count(), 0);
    await viewerPage.getByRole('tab', { name: '积分商城' }).click();
    await viewerPage.locator('.ant-table-row', { hasText: `定制茶杯 ${run}` }).waitFor();
    assert.equal(await viewerPage.getByTestId('create-mall-item').count(), 0);

    await viewerContext.close();
    await context.close();
    assert.deepEqual(errors, []);
    assert.deepEqual(viewerErrors, []);
  });

  test('an after-sale refund of a completed order: the ledger shows the take-back and what was already spent', async () => {
    const { baseUrl } = platform;
    const ownerToken = await adminLogin(baseUrl, platform.adminUsername, platform.adminPassword);
    const as = <T>(token: string, method: string, path: string, body?: unknown) =>
      api<T>(baseUrl, method, path, { token, ...(body !== undefined ? { body } : {}) });
    await as(ownerToken, 'PUT', '/api/admin/points-rules', {
      earnPointsPerYuan: 3,
      pointValueFen: 1,
      maxRedeemPercent: 50,
      maxRedeemPoints: null,
      expiryDays: null,
    });
    const product = await as<{ skus: { id: string }[] }>(ownerToken, 'POST', '/api/admin/products', {
      title: `售后积分 ${run}`,
      skus: [{ name: '罐', priceFen: 1000, stock: 5 }],
    });
    assert.equal(product.status, 201, JSON.stringify(product.body));
    const shopper = await devLogin(baseUrl, `points-refund-${run}`);
    const address = await as<{ id: string }>(shopper.token, 'POST', '/api/addresses', {
      name: '李四',
      phone: '13812348000',
      region: ['330000', '330100', '330106'],
      regionNames: ['浙江省', '杭州市', '西湖区'],
      detail: '龙井路 18 号',
    });
    assert.equal(address.status, 201, JSON.stringify(address.body));
    const placed = await as<{ order: { id: string } }>(shopper.token, 'POST', '/api/orders', {
      items: [{ skuId: product.body.skus[0]!.id, quantity: 1 }],
      addressId: address.body.id,
      requestId: randomUUID(),
    });
    const orderId = placed.body.order.id;
    assert.equal((await as(shopper.token, 'POST', `/api/payments/dev/${orderId}/confirm`)).status, 200);
    assert.equal(
      (await as(ownerToken, 'POST', `/api/admin/orders/${orderId}/ship`, { trackingNo: `SF${run}pr` }))
        .status,
      200,
    );
    assert.equal((await as(shopper.token, 'POST', `/api/orders/${orderId}/receipt`)).status, 200);
    // 30 points earned (3 a yuan); 25 of them spent before the refund.
    const spent = await as(ownerToken, 'POST', '/api/admin/points-adjustments', {
      userId: shopper.userId,
      delta: -25,
      note: `兑换 ${run}`,
      requestId: randomUUID(),
    });
    assert.equal(spent.status, 201, JSON.stringify(spent.body));
    const request = await as<{ id: string }>(
      shopper.token,
      'POST',
      `/api/orders/${orderId}/refund-requests`,
      {
        reason: '不想要了',
      },
    );
    assert.equal(request.status, 201, JSON.stringify(request.body));
    assert.equal(
      (await as(ownerToken, 'POST', `/api/admin/refund-requests/${request.body.id}/approve`, {})).status,
      200,
    );
    await eventually(
      async () => {
        const o = await as<{ status: string }>(shopper.token, 'GET', `/api/orders/${orderId}`);
        return o.body.status === 'refunded' ? true : undefined;
      },
      30_000,
      'the refund',
    );

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInConsole(page, baseUrl, platform.adminUsername, platform.adminPassword);
    await page.goto(`${baseUrl}/admin/points`);
    await page.getByRole('tab', { name: '积分流水' }).click();
    await page.getByTestId('ledger-user').fill(shopper.userId);
    await page.getByTestId('ledger-search').click();
    const reversal = page.locator('.ant-table-row', { hasText: '退款扣回赠送' });
    await reversal.waitFor();
    const cells = await reversal.locator('td').allTextContents();
    assert.deepEqual(
      [cells[2], cells[3], cells[7]],
      ['-5', '0', '25'],
      'took back the 5 left; 25 were already spent',
    );
    await context.close();
    assert.deepEqual(errors, []);
  });
});
