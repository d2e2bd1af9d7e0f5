/**
 * Coupon templates in the console, in a real browser against the started platform: the operator creates a 满减
 * coupon, sees it with its figures and value, stops it (confirmed), and the audit log names both; a viewer reads
 * the list with no control that writes. Any console or page error fails the test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { adminLogin, api } from '../../broker-services/test/support/http.ts';
import { ensureAdminBuilt } from './support/admin-build.ts';
import { collectPageErrors, launchChromium, signInConsole } from './support/browser.ts';
import { type Platform, startPlatform } from './support/platform.ts';

const run = Date.now().toString(36);

describe('coupon templates in the console', () => {
  let platform: Platform;
  let browser: Browser;

  before(async () => {
    ensureAdminBuilt();
    platform = await startPlatform();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('a 满减 coupon created, listed with its value, stopped; both audited; a viewer only reads', async () => {
    const { baseUrl } = platform;
    const ownerToken = await adminLogin(baseUrl, platform.adminUsername, platform.adminPassword);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInConsole(page, baseUrl, platform.adminUsername, platform.adminPassword);

    await page.goto(`${baseUrl}/admin/coupons`);
    await page.getByTestId('coupons-page').waitFor();
    await page.getByTestId('create-coupon').click();
    const name = `满100减20 ${run}`;
    await page.locator('#coupon_name').fill(name);
    await page.locator('#coupon_amountOff').fill('20');
    await page.locator('#coupon_minSpend').fill('100');
    await page.locator('.ant-modal-footer .ant-btn-primary').first().click();
    await page.locator('.ant-message', { hasText: '优惠券已创建' }).waitFor();
    const row = page.locator('.ant-table-row', { hasText: name });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /满¥100\.00减¥20\.00/);
    const list = await api<{
      items: { id: string; name: string; amountOffFen?: number; minSpendFen: number }[];
    }>(baseUrl, 'GET', '/api/admin/coupon-templates', { token: ownerToken });
    const made = list.body.items.find((t) => t.name === name);
    assert.ok(made);
    assert.deepEqual([made.amountOffFen, made.minSpendFen], [2000, 10000]);

    // antd spaces out a two-character label (停 止).
    await row.locator('button', { hasText: /停\s?止/ }).click();
    await page.locator('.ant-modal-confirm .ant-btn-dangerous').click();
    await page.locator('.ant-message', { hasText: '优惠券已停止' }).waitFor();
    await page
      .locator('.ant-table-row', { hasText: name })
      .locator('.ant-tag', { hasText: '已停止' })
      .waitFor();

    await page.goto(`${baseUrl}/admin/audit-log`);
    await page.getByTestId('audit-page').waitFor();
    await page.locator('.ant-table-row', { hasText: '新建优惠券' }).first().waitFor();
    await page.locator('.ant-table-row', { hasText: '停止优惠券' }).first().waitFor();

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
    await viewerPage.goto(`${baseUrl}/admin/coupons`);
    await viewerPage.locator('.ant-table-row', { hasText: name }).waitFor();
    assert.equal(await viewerPage.getByTestId('create-coupon').count(), 0);
    assert.equal(await viewerPage.locator('.ant-table-row button', { hasText: /停\s?止/ }).count(), 0);

    await viewerContext.close();
    await context.close();
    assert.deepEqual(errors, []);
    assert.deepEqual(viewerErrors, []);
  });
});
