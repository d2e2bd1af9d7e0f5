/**
 * The built console (admin/dist, base /admin/) loads in chromium and shows its login form, in Chinese first and
 * in English after the switch, with no console error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { distDir, ensureAdminBuilt } from './support/admin-build.ts';
import { collectPageErrors, launchChromium } from './support/browser.ts';
import { type StaticSite, serveAdminDist } from './support/static-server.ts';

describe('built admin console', () => {
  let site: StaticSite;
  let browser: Browser;

  before(async () => {
    ensureAdminBuilt();
    site = await serveAdminDist(distDir);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  test('renders the login form at /admin/ without a session', async () => {
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${site.baseUrl}/admin/`);
    await page.waitForURL(`${site.baseUrl}/admin/login`);
    await page.locator('#login_username').waitFor();
    assert.equal(await page.locator('#login_password').getAttribute('type'), 'password');
    assert.equal(await page.locator('.ant-card-head-title').textContent(), '登录运营后台');
    assert.equal((await page.locator('button[type=submit]').textContent())?.replace(/\s/g, ''), '登录');
    assert.equal(await page.title(), '团秒 · 运营后台');
    await page.close();
    assert.deepEqual(errors, []);
  });

  test('switches the login page to English and keeps the choice across a reload', async () => {
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${site.baseUrl}/admin/login`);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByText('Sign in to the console').waitFor();
    await page.reload();
    await page.getByText('Sign in to the console').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.close();
    assert.deepEqual(errors, []);
  });

  test('an empty sign-in shows the required-field messages instead of calling the API', async () => {
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    const apiCalls: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname.startsWith('/api/')) apiCalls.push(req.url());
    });
    await page.goto(`${site.baseUrl}/admin/login`);
    await page.locator('button[type=submit]').click();
    await page.locator('.ant-form-item-explain-error').first().waitFor();
    assert.equal(await page.locator('.ant-form-item-explain-error').count(), 2);
    assert.deepEqual(apiCalls, []);
    await page.close();
    assert.deepEqual(errors, []);
  });
});
