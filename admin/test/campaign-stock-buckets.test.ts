/**
 * Stock buckets (库存分桶) in the console, in a real browser against the started platform on Redis (buckets are
 * Redis shards: the embedded default's in-process store keeps every campaign whole), on this file's own database
 * and key prefix: the create form offers the field for seckill only (1 by default); a campaign created with 4
 * carries the tag in the list and the setting through the API; its live view shows the count and a table of the
 * buckets, whose figures add up to the campaign once shoppers have reserved. Any console or page error fails it.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { adminLogin, api, devLogin } from '../../broker-services/test/support/http.ts';
import {
  createTestDeployment,
  type TestDeployment,
} from '../../broker-services/test/support/real-services.ts';
import { ensureAdminBuilt } from './support/admin-build.ts';
import { collectPageErrors, confirmModal, launchChromium, signInConsole } from './support/browser.ts';
import { type Platform, startPlatform } from './support/platform.ts';

const screenshots = new URL('../../artifacts/screenshots/', import.meta.url).pathname;
const run = Date.now().toString(36);

describe('campaign stock buckets in the console', () => {
  let deployment: TestDeployment;
  let platform: Platform;
  let browser: Browser;

  before(async () => {
    ensureAdminBuilt();
    mkdirSync(screenshots, { recursive: true });
    deployment = await createTestDeployment();
    // PostgreSQL and Redis of the deployment; the bus stays in the process (no NATS_URL).
    const { NATS_URL: _bus, ...env } = deployment.env;
    platform = await startPlatform({ env });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await platform?.stop();
    await deployment?.dispose();
  });

  test('created with 4 buckets in the form; the live view tables them as shoppers reserve', async () => {
    const { baseUrl } = platform;
    const owner = await adminLogin(baseUrl, platform.adminUsername, deployment.adminPassword);
    const productTitle = `分桶商品 ${run}`;
    const product = await api(baseUrl, 'POST', '/api/admin/products', {
      token: owner,
      body: { title: productTitle, skus: [{ name: '标准', priceFen: 3900, stock: 5 }] },
    });
    assert.equal(product.status, 201, JSON.stringify(product.body));
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInConsole(page, baseUrl, platform.adminUsername, deployment.adminPassword);

    const title = `分桶秒杀 ${run}`;
    await page.goto(`${baseUrl}/admin/campaigns`);
    await page.getByTestId('create-campaign').click();
    const buckets = page.locator('#campaign_stockBuckets');
    assert.equal(await buckets.inputValue(), '1', 'off by default');
    await page.locator('.ant-radio-button-wrapper', { hasText: '拼团' }).click();
    await buckets.waitFor({ state: 'detached' });
    await page.locator('.ant-radio-button-wrapper', { hasText: '秒杀' }).click();
    await page.locator('#campaign_title').fill(title);
    await page.locator('#campaign_skuId').click();
    await page.locator('#campaign_skuId').fill(productTitle);
    await page.locator('.ant-select-item-option', { hasText: productTitle }).first().click();
    await page.locator('#campaign_price').fill('19.90');
    await page.locator('#campaign_startNow').click();
    await page.locator('#campaign_stockTotal').fill('12');
    await buckets.fill('4');
    await confirmModal(page);
    const row = page.locator('.ant-table-row', { hasText: title });
    await row.locator('.ant-tag', { hasText: '库存分桶 ×4' }).waitFor();

    const created = (
      await api<{ items: { id: string; title: string; stockBuckets: number }[] }>(
        baseUrl,
        'GET',
        '/api/admin/campaigns',
        { token: owner },
      )
    ).body.items.find((c) => c.title === title);
    assert.ok(created);
    assert.equal(created.stockBuckets, 4);
    const campaignId = created.id;

    for (const n of [1, 2, 3]) {
      const s = await devLogin(baseUrl, `buckets-${run}-${n}`);
      const res = await api<unknown>(baseUrl, 'POST', `/api/seckill/${campaignId}/reservations`, {
        token: s.token,
        body: { quantity: 1, requestId: `buckets-${run}-${n}` },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }

    await row.getByRole('link', { name: title }).click();
    await page.waitForURL(/\/admin\/campaigns\/[^/]+\/live$/);
    assert.equal(await page.getByTestId('live-stock-buckets').textContent(), '4');
    const rows = page.locator('[data-testid=live-buckets] .ant-table-row');
    await rows.nth(3).waitFor();
    assert.equal(await rows.count(), 4);
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))),
    );
    assert.deepEqual(
      cells.map((c) => c[0]),
      [0, 1, 2, 3],
    );
    const column = (i: number) => cells.reduce((n, c) => n + (c[i] ?? 0), 0);
    assert.deepEqual([column(1), column(2)], [12, 9], 'totals and units left add up to the campaign');
    await page.screenshot({
      path: `${screenshots}campaign-stock-buckets.png`,
      fullPage: true,
      animations: 'disabled',
    });

    await context.close();
    assert.deepEqual(errors, []);
  });
});
