/**
 * A campaign's membership level benefits in the console, in a real browser against the started platform: the
 * operator gives gold members a higher limit and early access and silver members early access when creating a
 * campaign; the gateway has them (and shoppers see them); a level listed twice is refused by the server with its
 * message and changes nothing; an edit removes one. Any console or page error fails the test, but for the
 * browser's own line about the refused request's 400.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { adminLogin, api } from '../../broker-services/test/support/http.ts';
import { fromLevelBenefitsForm, toLevelBenefitsForm } from '../src/campaign-level-benefits-form.ts';
import { ensureAdminBuilt } from './support/admin-build.ts';
import { collectPageErrors, confirmModal, launchChromium, signInConsole } from './support/browser.ts';
import { type Platform, startPlatform } from './support/platform.ts';

const screenshots = new URL('../../artifacts/screenshots/', import.meta.url).pathname;
const run = Date.now().toString(36);

interface Benefit {
  levelCode: string;
  perUserLimit?: number;
  earlyAccessMinutes?: number;
}
interface CampaignRow {
  id: string;
  title: string;
  perUserLimit: number;
  levelBenefits: Benefit[];
}

describe('campaign level benefits form', () => {
  test('rows without a level or without a benefit are left out; empty fields are not sent', () => {
    assert.deepEqual(
      fromLevelBenefitsForm([
        { levelCode: 'gold', perUserLimit: 4, earlyAccessMinutes: 10 },
        { levelCode: 'silver', perUserLimit: null, earlyAccessMinutes: 5 },
        { levelCode: 'diamond', perUserLimit: null, earlyAccessMinutes: null },
        { perUserLimit: 3 },
      ]),
      [
        { levelCode: 'gold', perUserLimit: 4, earlyAccessMinutes: 10 },
        { levelCode: 'silver', earlyAccessMinutes: 5 },
      ],
    );
    assert.deepEqual(fromLevelBenefitsForm(undefined), []);
    const benefits = [{ levelCode: 'gold', perUserLimit: 4 }];
    assert.deepEqual(fromLevelBenefitsForm(toLevelBenefitsForm({ levelBenefits: benefits })), benefits);
  });
});

describe('campaign level benefits in the console', () => {
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

  /**
   * Picks `label` in the level select of benefit row `i`, in that select's own dropdown (the one holding its
   * listbox, `<id>_list`): any visible dropdown could be the previous row's, still visible while it closes, and
   * the click then waited on an option that went away.
   */
  async function pickLevel(page: Page, i: number, label: string): Promise<void> {
    const id = `campaign_levelBenefits_${i}_levelCode`;
    await page.locator(`#${id}`).click();
    await page
      .locator('.ant-select-dropdown', { has: page.locator(`#${id}_list`) })
      .locator('.ant-select-item-option', { hasText: label })
      .click();
  }

  test('created with benefits, a refused duplicate changes nothing, an edit removes one', async () => {
    const { baseUrl } = platform;
    const owner = await adminLogin(baseUrl, platform.adminUsername, platform.adminPassword);
    const productTitle = `等级权益商品 ${run}`;
    const product = await api<{ skus: { id: string }[] }>(baseUrl, 'POST', '/api/admin/products', {
      token: owner,
      body: { title: productTitle, skus: [{ name: '标准', priceFen: 3900, stock: 5 }] },
    });
    assert.equal(product.status, 201, JSON.stringify(product.body));
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInConsole(page, baseUrl, platform.adminUsername, platform.adminPassword);

    const title = `会员早鸟 ${run}`;
    await page.goto(`${baseUrl}/admin/campaigns`);
    await page.getByTestId('create-campaign').click();
    await page.locator('#campaign_title').fill(title);
    await page.locator('#campaign_skuId').click();
    await page.locator('#campaign_skuId').fill(productTitle);
    await page.locator('.ant-select-item-option', { hasText: productTitle }).first().click();
    await page.locator('#campaign_price').fill('19.90');
    await page.locator('#campaign_stockTotal').fill('20');
    await page.locator('#campaign_perUserLimit').fill('2');
    await page.getByTestId('level-benefit-add').click();
    await pickLevel(page, 0, '黄金会员');
    await page.locator('#campaign_levelBenefits_0_perUserLimit').fill('4');
    await page.locator('#campaign_levelBenefits_0_earlyAccessMinutes').fill('10');
    await page.getByTestId('level-benefit-add').click();
    await pickLevel(page, 1, '白银会员');
    await page.locator('#campaign_levelBenefits_1_earlyAccessMinutes').fill('5');
    await page.screenshot({
      path: `${screenshots}campaign-level-benefits.png`,
      fullPage: true,
      animations: 'disabled',
    });
    await confirmModal(page);
    const row = page.locator('.ant-table-row', { hasText: title });
    await row.waitFor();
    await row.locator('.ant-tag', { hasText: '会员等级权益' }).waitFor();

    const list = async () =>
      (await api<{ items: CampaignRow[] }>(baseUrl, 'GET', '/api/admin/campaigns', { token: owner })).body
        .items;
    const created = (await list()).find((c) => c.title === title);
    assert.ok(created);
    const benefits = [
      { levelCode: 'gold', perUserLimit: 4, earlyAccessMinutes: 10 },
      { levelCode: 'silver', earlyAccessMinutes: 5 },
    ];
    assert.deepEqual(created.levelBenefits, benefits);
    const shown = await api<CampaignRow>(baseUrl, 'GET', `/api/campaigns/${created.id}`);
    assert.deepEqual(shown.body.levelBenefits, benefits, 'shoppers see them');

    // The same level twice: the server refuses with its message, the form stays open, nothing changes.
    await row.getByRole('button', { name: /编\s*辑/ }).click();
    await page.locator('#campaign_levelBenefits_1_levelCode').waitFor();
    await pickLevel(page, 1, '黄金会员');
    await confirmModal(page);
    await page.locator('.ant-message', { hasText: 'Level gold is listed twice' }).waitFor();
    assert.deepEqual((await list()).find((c) => c.id === created.id)?.levelBenefits, benefits);

    // Remove the second row and save: only gold's benefit is left.
    await page.getByTestId('level-benefit-remove-1').click();
    await confirmModal(page);
    await page.locator('.ant-message', { hasText: '已保存' }).waitFor();
    assert.deepEqual((await list()).find((c) => c.id === created.id)?.levelBenefits, [benefits[0]]);

    await context.close();
    // The browser logs the refused request's 400 itself; nothing else may reach the console.
    assert.deepEqual(
      errors.filter((e) => !/status of 400/.test(e)),
      [],
    );
  });
});
