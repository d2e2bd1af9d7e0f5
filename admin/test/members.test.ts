/**
 * Member levels in the console, in a real browser against the started platform: the operator changes the growth
 * window, renames a level, names a level-up gift and adds a level; the gateway has them, the audit log names the
 * change, and a viewer reads the levels with no control that writes. Any console or page error fails the test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { adminLogin, api } from '../../broker-services/test/support/http.ts';
import { fromLevelsForm, toLevelsForm } from '../src/member-levels-form.ts';
import { ensureAdminBuilt } from './support/admin-build.ts';
import { collectPageErrors, launchChromium, signInConsole } from './support/browser.ts';
import { type Platform, startPlatform } from './support/platform.ts';

const screenshots = new URL('../../artifacts/screenshots/', import.meta.url).pathname;
const run = Date.now().toString(36);

interface Levels {
  windowDays: number;
  levels: {
    code: string;
    name: string;
    threshold: number;
    discountPercent: number;
    benefits: string[];
    monthlyCouponTemplateId?: string | null;
    levelUpCouponTemplateId?: string | null;
  }[];
}

describe('member levels form', () => {
  test('benefits are one a line both ways; blank lines and spaces are dropped', () => {
    const levels: Levels = {
      windowDays: 365,
      levels: [
        {
          code: 'gold',
          name: '黄金会员',
          threshold: 5000,
          discountPercent: 5,
          benefits: ['95 折', '生日礼'],
          monthlyCouponTemplateId: null,
          levelUpCouponTemplateId: 'cpt_01JFZ0000000000000000000AB',
        },
      ],
    };
    const form = toLevelsForm(levels);
    assert.equal(form.levels[0]!.benefits, '95 折\n生日礼');
    assert.equal(form.levels[0]!.monthlyCouponTemplateId, '', 'none: an empty field');
    assert.deepEqual(
      fromLevelsForm({
        ...form,
        levels: [
          {
            ...form.levels[0]!,
            name: ' 黄金会员 ',
            benefits: ' 95 折\n\n生日礼 \n',
            levelUpCouponTemplateId: ' cpt_01JFZ0000000000000000000AB ',
          },
        ],
      }),
      levels,
    );
  });
});

describe('member levels in the console', () => {
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

  test('the window, a renamed level, a level-up gift and a new level saved and audited; a viewer only reads', async () => {
    const { baseUrl } = platform;
    const ownerToken = await adminLogin(baseUrl, platform.adminUsername, platform.adminPassword);
    const gift = await api<{ id: string }>(baseUrl, 'POST', '/api/admin/coupon-templates', {
      token: ownerToken,
      body: {
        name: '黄金升级礼',
        kind: 'no_threshold',
        amountOffFen: 1000,
        total: 1000,
        perUserLimit: 1,
        claimStartsAt: new Date(Date.now() - 86400_000).toISOString(),
        claimEndsAt: new Date(Date.now() + 365 * 86400_000).toISOString(),
        validDays: 30,
        claimable: false,
      },
    });
    assert.equal(gift.status, 201, JSON.stringify(gift.body));
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signInConsole(page, baseUrl, platform.adminUsername, platform.adminPassword);

    await page.goto(`${baseUrl}/admin/members`);
    await page.getByTestId('members-page').waitFor();
    await page.getByTestId('level-code-3').waitFor();
    await page.getByTestId('window-days').fill('');
    await page.getByTestId('window-days').fill('90');
    await page.getByTestId('level-name-1').fill(`银卡 ${run}`.slice(0, 20));
    await page.getByTestId('level-up-coupon-2').fill(gift.body.id);
    await page.getByTestId('add-level').click();
    await page.getByTestId('level-code-4').fill('star');
    await page.getByTestId('level-name-4').fill('星耀会员');
    await page.getByTestId('level-threshold-4').fill('50000');
    await page.getByTestId('save-levels').click();
    await page.locator('.ant-message', { hasText: '已保存' }).waitFor();
    const saved = await api<Levels>(baseUrl, 'GET', '/api/admin/member-levels', { token: ownerToken });
    assert.equal(saved.body.windowDays, 90);
    assert.deepEqual(
      saved.body.levels.map((l) => [l.code, l.name, l.threshold]),
      [
        ['regular', '普通会员', 0],
        ['silver', `银卡 ${run}`.slice(0, 20), 1000],
        ['gold', '黄金会员', 5000],
        ['diamond', '钻石会员', 20000],
        ['star', '星耀会员', 50000],
      ],
    );
    assert.deepEqual(
      saved.body.levels.map((l) => l.levelUpCouponTemplateId),
      [null, null, gift.body.id, null, null],
    );
    await page.screenshot({
      path: `${screenshots}member-levels.png`,
      fullPage: true,
      animations: 'disabled',
    });

    await page.goto(`${baseUrl}/admin/audit-log`);
    await page.getByTestId('audit-page').waitFor();
    await page.locator('.ant-table-row', { hasText: '修改会员等级' }).first().waitFor();

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
    await viewerPage.goto(`${baseUrl}/admin/members`);
    await viewerPage.getByTestId('level-code-4').waitFor();
    assert.equal(await viewerPage.getByTestId('save-levels').count(), 0);
    assert.equal(await viewerPage.getByTestId('add-level').count(), 0);

    await viewerContext.close();
    await context.close();
    assert.deepEqual(errors, []);
    assert.deepEqual(viewerErrors, []);
  });
});
