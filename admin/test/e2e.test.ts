/**
 * The operator's day in a real browser against the started platform: sign in, create a product and a live
 * seckill campaign, watch shopper reservations move its live view, pay one order through the shopper API and
 * refund it in the console, create a viewer admin and check the viewer sees no create buttons.
 * Screenshots of each main page go to artifacts/screenshots/. Any console or page error fails the test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureAdminBuilt } from './support/admin-build.ts';
import { collectPageErrors, confirmModal, launchChromium, signInConsole } from './support/browser.ts';
import { type Platform, startPlatform } from './support/platform.ts';

const screenshots = new URL('../../artifacts/screenshots/', import.meta.url).pathname;
const runId = Date.now().toString(36);

interface Shopper {
  token: string;
}

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  assert.ok(res.ok, `${what}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function signInShopper(baseUrl: string, openid: string): Promise<Shopper> {
  const res = await fetch(`${baseUrl}/api/auth/dev`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ openid }),
  });
  return { token: (await json<{ token: string }>(res, 'dev login')).token };
}

interface Reservation {
  id: string;
  orderId?: string;
}

async function reserve(baseUrl: string, shopper: Shopper, campaignId: string): Promise<Reservation> {
  const res = await fetch(`${baseUrl}/api/seckill/${campaignId}/reservations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${shopper.token}` },
    body: JSON.stringify({ quantity: 1, requestId: randomUUID() }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await json<{ reservation: Reservation }>(res, 'reserve')).reservation;
}

/** Waits (bounded) for a reservation to settle into an order. */
async function orderOf(baseUrl: string, shopper: Shopper, reservation: Reservation): Promise<string> {
  if (reservation.orderId) return reservation.orderId;
  for (let i = 0; i < 150; i++) {
    const res = await fetch(`${baseUrl}/api/reservations/${reservation.id}`, {
      headers: { authorization: `Bearer ${shopper.token}` },
    });
    const body = await json<Reservation | { reservation: Reservation }>(res, 'reservation');
    const current = 'reservation' in body ? body.reservation : body;
    if (current.orderId) return current.orderId;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`reservation ${reservation.id} did not settle into an order`);
}

/** Clicks the primary button of the one open modal (create forms and confirmations alike). */
async function statisticValue(page: Page, testId: string): Promise<string> {
  return (
    (await page.getByTestId(testId).locator('.ant-statistic-content-value').textContent()) ?? ''
  ).trim();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${screenshots}${name}.png`, fullPage: true, animations: 'disabled' });
}

describe('admin console end to end', () => {
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

  test('operator flow, then a viewer sees no create buttons', async () => {
    const { baseUrl } = platform;
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);

    // Sign in as the first (owner) admin.
    await signInConsole(page, baseUrl, platform.adminUsername, platform.adminPassword);
    await shot(page, 'dashboard');

    // Create a product with one SKU priced in yuan.
    const productTitle = `E2E 保温杯 ${runId}`;
    await page.goto(`${baseUrl}/admin/products`);
    await page.getByTestId('create-product').click();
    await page.locator('#product_title').fill(productTitle);
    await page.locator('#product_skus_0_name').fill('500ml');
    await page.locator('#product_skus_0_price').fill('129.90');
    await confirmModal(page);
    const productRow = page.locator('.ant-table-row', { hasText: productTitle });
    await productRow.waitFor();
    assert.match((await productRow.textContent()) ?? '', /¥129\.90/);
    await shot(page, 'products');

    // Create a seckill campaign that starts now.
    const campaignTitle = `E2E 秒杀 ${runId}`;
    await page.goto(`${baseUrl}/admin/campaigns`);
    await page.getByTestId('create-campaign').click();
    await page.locator('#campaign_title').fill(campaignTitle);
    await page.locator('#campaign_skuId').click();
    await page.locator('#campaign_skuId').fill(productTitle);
    await page.locator('.ant-select-item-option', { hasText: productTitle }).first().click();
    await page.locator('#campaign_price').fill('9.90');
    await page.locator('#campaign_startNow').click();
    await page.locator('#campaign_stockTotal').fill('10');
    await confirmModal(page);
    const campaignRow = page.locator('.ant-table-row', { hasText: campaignTitle });
    await campaignRow.waitFor();
    assert.match((await campaignRow.textContent()) ?? '', /¥9\.90/);
    await shot(page, 'campaigns');

    // Its live view.
    await campaignRow.getByRole('link', { name: campaignTitle }).click();
    await page.waitForURL(/\/admin\/campaigns\/[^/]+\/live$/);
    const campaignId = decodeURIComponent(new URL(page.url()).pathname.split('/')[3] ?? '');
    assert.ok(campaignId);
    await page.getByTestId('live-controls').waitFor();
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=live-stock-left] .ant-statistic-content-value')?.textContent ===
        '10',
    );

    // Three shoppers reserve one each; the live numbers follow.
    const shoppers = await Promise.all([1, 2, 3].map((n) => signInShopper(baseUrl, `e2e-${runId}-${n}`)));
    const reservations = [];
    for (const shopper of shoppers) reservations.push(await reserve(baseUrl, shopper, campaignId));
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=live-stock-left] .ant-statistic-content-value')?.textContent ===
        '7',
      undefined,
      { timeout: 30_000 },
    );
    assert.equal(await statisticValue(page, 'live-stock-left'), '7');

    // The first shopper pays through the development provider; the live view counts it.
    const payer = shoppers[0]!;
    const orderId = await orderOf(baseUrl, payer, reservations[0]!);
    const paid = await fetch(`${baseUrl}/api/payments/dev/${orderId}/confirm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${payer.token}` },
    });
    assert.ok(paid.ok, `dev payment: HTTP ${paid.status} ${await paid.text()}`);
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=live-paid] .ant-statistic-content-value')?.textContent === '1',
      undefined,
      { timeout: 30_000 },
    );
    await shot(page, 'campaign-live');

    // Find the paid order in the console and refund it.
    await page.goto(`${baseUrl}/admin/orders?campaignId=${encodeURIComponent(campaignId)}`);
    const orderRow = page.locator('.ant-table-row', { hasText: orderId });
    await orderRow.waitFor();
    await orderRow.click();
    const status = page.getByTestId('order-detail-status');
    await status.waitFor();
    assert.equal(await status.textContent(), '已支付');
    // The line names the product and its SKU, not the campaign.
    assert.match(
      (await page.getByTestId('order-item').first().textContent()) ?? '',
      new RegExp(`^${productTitle} · 500ml × 1`),
    );
    await shot(page, 'order-detail');
    await page.getByTestId('refund-order').click();
    await page.locator('.ant-modal-confirm textarea').fill('E2E: 顾客申请退款');
    await confirmModal(page);
    await page.waitForFunction(() =>
      ['退款中', '已退款'].includes(
        document.querySelector('[data-testid=order-detail-status]')?.textContent ?? '',
      ),
    );
    await page.keyboard.press('Escape');
    await shot(page, 'orders');

    // Create a viewer admin.
    const viewerName = `viewer-${runId}`;
    const viewerPassword = `pw-${randomUUID()}`;
    await page.goto(`${baseUrl}/admin/admins`);
    await page.getByTestId('create-admin').click();
    await page.locator('#admin_username').fill(viewerName);
    await page.locator('#admin_password').fill(viewerPassword);
    await confirmModal(page);
    await page.locator('.ant-table-row', { hasText: viewerName }).waitFor();
    await shot(page, 'admins');

    // The audit log shows what this owner did.
    await page.goto(`${baseUrl}/admin/audit-log`);
    await page.locator('.ant-table-row', { hasText: platform.adminUsername }).first().waitFor();
    // Readable action names and details; the time on one line.
    const actions = await page.getByTestId('audit-action').allTextContents();
    for (const name of ['创建商品', '创建活动', '订单退款', '创建管理员'])
      assert.ok(actions.includes(name), `${name} in ${actions}`);
    assert.ok(!actions.some((a) => /^[a-z_]+\.[a-z_.]+$/.test(a)), `no raw action code: ${actions}`);
    const details = await page.getByTestId('audit-detail').allTextContents();
    assert.ok(
      details.some((d) => d.includes('原因: E2E: 顾客申请退款')),
      details.join(' | '),
    );
    assert.ok(!details.some((d) => d.includes('{"')), 'no raw JSON');
    const timeCell = page.locator('.ant-table-row').first().locator('td').first();
    assert.match((await timeCell.textContent()) ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const lineHeight = await timeCell.locator('span').evaluate((el) => el.getBoundingClientRect().height);
    assert.ok(lineHeight < 30, `the time is one line (${lineHeight}px high)`);
    await shot(page, 'audit-log');

    // The viewer signs in and sees no create buttons, no operator controls and no admins page.
    await page.getByRole('button', { name: '退出登录' }).click();
    await signInConsole(page, baseUrl, viewerName, viewerPassword);
    assert.equal(await page.getByRole('menuitem', { name: '管理员' }).count(), 0);
    await page.goto(`${baseUrl}/admin/products`);
    await page.locator('.ant-table-row', { hasText: productTitle }).waitFor();
    assert.equal(await page.getByTestId('create-product').count(), 0);
    await page.goto(`${baseUrl}/admin/campaigns`);
    await page.locator('.ant-table-row', { hasText: campaignTitle }).waitFor();
    assert.equal(await page.getByTestId('create-campaign').count(), 0);
    await shot(page, 'campaigns-viewer');
    await page.goto(`${baseUrl}/admin/campaigns/${encodeURIComponent(campaignId)}/live`);
    await page.getByTestId('live-stock-left').waitFor();
    assert.equal(await page.getByTestId('live-controls').count(), 0);

    await context.close();
    assert.deepEqual(errors, []);
  });

  test('one date format and a steady frame in both languages', async () => {
    const { baseUrl } = platform;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInConsole(page, baseUrl, platform.adminUsername, platform.adminPassword);
    const dateTime = /^\d{4}-\d\d-\d\d \d\d:\d\d$/;
    for (const language of ['zh-CN', 'en']) {
      if (language === 'en') await page.getByRole('button', { name: 'English' }).click();
      for (const path of [
        'dashboard',
        'products',
        'categories',
        'campaigns',
        'orders',
        'fulfilment',
        'after-sale',
        'admins',
        'audit-log',
      ]) {
        await page.goto(`${baseUrl}/admin/${path}`);
        await page.locator('.ant-card').first().waitFor();
        await page.locator('.ant-spin-spinning').waitFor({ state: 'detached' });
        const sider = await page.getByTestId('sider').boundingBox();
        assert.equal(sider?.width, 220, `${language} ${path}: the sidebar keeps its width`);
        const titleLines = await page.locator('.ant-layout-sider h5').evaluate((el) => {
          const style = getComputedStyle(el);
          const text =
            el.clientHeight - Number.parseFloat(style.paddingTop) - Number.parseFloat(style.paddingBottom);
          return Math.round(text / Number.parseFloat(style.lineHeight));
        });
        assert.equal(titleLines, 1, `${language} ${path}: the app name is one line`);
        const wrappedHeads = await page.locator('.ant-table-thead th').evaluateAll((cells) =>
          cells
            .filter((el) => {
              const style = getComputedStyle(el);
              const text =
                el.clientHeight -
                Number.parseFloat(style.paddingTop) -
                Number.parseFloat(style.paddingBottom);
              return Math.round(text / Number.parseFloat(style.lineHeight)) > 1;
            })
            .map((el) => el.textContent),
        );
        assert.deepEqual(wrappedHeads, [], `${language} ${path}: column titles on one line`);
        const header = await page.locator('.ant-layout-header').boundingBox();
        assert.equal(header?.height, 64, `${language} ${path}: the header is one line`);
      }
      await page.goto(`${baseUrl}/admin/products`);
      await page.locator('.ant-table-row').first().waitFor();
      // The created-time column, found by its header in either language.
      const heads = await page.locator('.ant-table-thead th').allTextContents();
      const createdColumn = heads.findIndex((h) => h === '创建时间' || h === 'Created');
      assert.ok(createdColumn >= 0, `${language}: a created-time column in ${heads.join(' | ')}`);
      const created = await page
        .locator('.ant-table-row')
        .first()
        .locator('td')
        .nth(createdColumn)
        .textContent();
      assert.match(created ?? '', dateTime, `${language}: product created time`);
      await page.goto(`${baseUrl}/admin/campaigns`);
      await page.locator('.ant-table-row').first().waitFor();
      const span = await page
        .locator('.ant-table-row')
        .first()
        .locator('td', { hasText: '–' })
        .first()
        .textContent();
      const [starts, ends] = (span ?? '').split('–').map((part) => part.trim());
      assert.match(starts ?? '', dateTime, `${language}: campaign start with its year`);
      assert.match(ends ?? '', dateTime, `${language}: campaign end with its year`);
      await shot(page, `campaigns-${language}`);
    }
    await context.close();
    assert.deepEqual(errors, []);
  });
});
