/**
 * Regenerates admin/docs/dashboard.png, admin/docs/campaign-live.png and admin/docs/audit-log.png: starts the embedded platform, has
 * shoppers reserve and pay on the demo campaigns (seckill, and groups opened on the group buy) for about half a minute through the public API, and takes
 * 1280×800 screenshots of the dashboard and of the seckill campaign's live view while it runs.
 *
 *   node admin/scripts/docs-screenshots.ts
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startPlatform } from '../../broker-services/test/support/platform.ts';
import { ensureAdminBuilt } from './build-if-stale.ts';

const docsDir = fileURLToPath(new URL('../docs/', import.meta.url));

async function call<T>(baseUrl: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

ensureAdminBuilt();
const platform = await startPlatform();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const { baseUrl } = platform;
  const { token } = await call<{ token: string }>(baseUrl, 'POST', '/api/admin/auth/login', undefined, {
    username: platform.adminUsername,
    password: platform.adminPassword,
  });
  const campaigns = await call<{ items: { id: string; type: string }[] }>(
    baseUrl,
    'GET',
    '/api/admin/campaigns',
    token,
  );
  const seckill = campaigns.items.find((c) => c.type === 'seckill')!;

  const groupbuy = campaigns.items.find((c) => c.type === 'groupbuy')!;

  /** Waits for a reservation to settle into an order and pays it with the development provider. */
  const pay = async (shopperToken: string, reservationId: string) => {
    for (let i = 0; i < 50; i++) {
      const r = await call<{ orderId?: string }>(
        baseUrl,
        'GET',
        `/api/reservations/${reservationId}`,
        shopperToken,
      );
      if (r.orderId) {
        await call(baseUrl, 'POST', `/api/payments/dev/${r.orderId}/confirm`, shopperToken);
        return;
      }
      await sleep(200);
    }
  };

  /** One shopper reserves one seckill unit (two out of three pay), every fourth also opens a group and pays. */
  const shop = async (n: number) => {
    const shopper = await call<{ token: string }>(baseUrl, 'POST', '/api/auth/dev', undefined, {
      openid: `docs-${n}`,
    });
    const { reservation } = await call<{ reservation: { id: string } }>(
      baseUrl,
      'POST',
      `/api/seckill/${seckill.id}/reservations`,
      shopper.token,
      { quantity: 1, requestId: randomUUID() },
    );
    if (n % 3 !== 2) await pay(shopper.token, reservation.id);
    if (n % 4 === 0) {
      const opened = await call<{ reservation: { id: string } }>(
        baseUrl,
        'POST',
        `/api/groupbuy/${groupbuy.id}/groups`,
        shopper.token,
        { requestId: randomUUID() },
      );
      await pay(shopper.token, opened.reservation.id);
    }
  };

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${baseUrl}/admin/login`);
  await page.locator('#login_username').fill(platform.adminUsername);
  await page.locator('#login_password').fill(platform.adminPassword);
  await page.locator('button[type=submit]').click();
  await page.getByTestId('dashboard-page').waitFor();
  await page.goto(`${baseUrl}/admin/campaigns/${seckill.id}/live`);
  await page.getByTestId('live-stock-left').waitFor();

  // Traffic in waves, so that the chart shows the stock falling and the reservation rate rising and easing.
  let n = 0;
  for (const wave of [1, 2, 3, 4, 3, 2, 2, 1, 1, 0, 1, 0]) {
    await Promise.all(Array.from({ length: wave }, () => shop(n++)));
    await sleep(2500);
  }
  await page.screenshot({ path: `${docsDir}campaign-live.png`, animations: 'disabled' });

  await page.goto(`${baseUrl}/admin/dashboard`);
  await page.getByTestId('dashboard-page').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.recharts-bar-rectangle').length > 0);
  await page.screenshot({ path: `${docsDir}dashboard.png`, animations: 'disabled' });

  await page.goto(`${baseUrl}/admin/audit-log`);
  await page.getByTestId('audit-action').first().waitFor();
  await page.screenshot({ path: `${docsDir}audit-log.png`, animations: 'disabled' });
  console.log(`${n} shoppers; screenshots in ${docsDir}`);
} finally {
  await browser.close();
  await platform.stop();
}
