/**
 * Regenerates admin/docs/dashboard.png, admin/docs/campaign-live.png and admin/docs/audit-log.png: starts the embedded platform, has
 * shoppers reserve and pay on the demo campaigns (seckill, and groups opened on the group buy) for about half a minute through the public API, and takes
 * 1280×800 screenshots of the dashboard and of the seckill campaign's live view while it runs. Then the shop:
 * shoppers buy at the regular price with their addresses, the operator ships two orders (one split in two
 * packages), a carrier pushes tracking and a shopper asks for a refund; admin/docs/fulfilment.png,
 * admin/docs/fulfilment-tracking.png and admin/docs/after-sale.png show the fulfilment queue, one order's
 * tracking and the after-sale queue.
 *
 *   node admin/scripts/docs-screenshots.ts
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { pushTracking } from '../../broker-services/test/support/carrier.ts';
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

const CARRIER_SECRET = 'docs-carrier-secret';

ensureAdminBuilt();
const platform = await startPlatform({ env: { CARRIER_PUSH_SECRET: CARRIER_SECRET } });
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

  // The shop: regular orders with addresses, two shipped (one split), tracking pushed, one refund asked for.
  const products = await call<{ items: { title: string; skus: { id: string; stockLeft: number }[] }[] }>(
    baseUrl,
    'GET',
    '/api/products?sort=sales',
  );
  const buyable = products.items.flatMap((p) => p.skus.filter((s) => s.stockLeft > 5).map((s) => s.id));
  const people: [string, string, string[], string[], string][] = [
    ['张三丰', '13812348000', ['330000', '330100', '330106'], ['浙江省', '杭州市', '西湖区'], '龙井路 18 号'],
    ['李小龙', '13900001111', ['110000', '110100', '110105'], ['北京市', '北京市', '朝阳区'], '建国路 88 号'],
    [
      '王语嫣',
      '13700002222',
      ['310000', '310100', '310115'],
      ['上海市', '上海市', '浦东新区'],
      '世纪大道 100 号',
    ],
    [
      '赵敏',
      '13600003333',
      ['440000', '440300', '440305'],
      ['广东省', '深圳市', '南山区'],
      '科技园南路 2 号',
    ],
    ['周芷若', '13500004444', ['510000', '510100', '510104'], ['四川省', '成都市', '锦江区'], '春熙路 6 号'],
  ];
  const paidOrders: { id: string; token: string }[] = [];
  for (const [i, [name, phone, region, regionNames, detail]] of people.entries()) {
    const shopper = await call<{ token: string }>(baseUrl, 'POST', '/api/auth/dev', undefined, {
      openid: `docs-shop-${i}`,
    });
    const address = await call<{ id: string }>(baseUrl, 'POST', '/api/addresses', shopper.token, {
      name,
      phone,
      region,
      regionNames,
      detail,
    });
    const { order } = await call<{ order: { id: string } }>(baseUrl, 'POST', '/api/orders', shopper.token, {
      items: buyable.slice(0, 1 + (i % 2)).map((skuId) => ({ skuId, quantity: 1 + (i % 3) })),
      addressId: address.id,
      requestId: randomUUID(),
    });
    await call(baseUrl, 'POST', `/api/payments/dev/${order.id}/confirm`, shopper.token);
    paidOrders.push({ id: order.id, token: shopper.token });
  }
  await sleep(1000);
  const [first, second, , , last] = paidOrders;
  await call(baseUrl, 'POST', `/api/admin/orders/${first!.id}/ship`, token, {
    carrier: 'SF',
    trackingNo: 'SF1400021988',
    morePackages: [{ carrier: 'YTO', trackingNo: 'YT7300455120' }],
  });
  await call(baseUrl, 'POST', `/api/admin/orders/${second!.id}/ship`, token, {
    carrier: 'ZTO',
    trackingNo: 'ZT7812003456',
  });
  const hour = 3_600_000;
  await pushTracking(baseUrl, {
    carrier: 'SF',
    secret: CARRIER_SECRET,
    trackingNo: 'SF1400021988',
    events: [
      { id: 'e1', at: new Date(Date.now() - 5 * hour).toISOString(), description: '顺丰速运 已收取快件' },
      {
        id: 'e2',
        at: new Date(Date.now() - 3 * hour).toISOString(),
        description: '快件到达 【杭州转运中心】',
      },
      { id: 'e3', at: new Date(Date.now() - hour).toISOString(), description: '快件交给派送员，正在派送中' },
    ],
  });
  await call(baseUrl, 'POST', `/api/orders/${last!.id}/refund-requests`, last!.token, {
    kind: 'refund_only',
    reason: '不想要了：买多了',
  });

  await page.goto(`${baseUrl}/admin/fulfilment`);
  await page.getByTestId('reveal-address').first().waitFor();
  await page.getByTestId('reveal-address').first().click();
  await page.getByText('已记录查看').first().waitFor();
  await page.screenshot({ path: `${docsDir}fulfilment.png`, animations: 'disabled' });
  await page.getByRole('tab', { name: '已发货' }).click();
  await page.locator('.ant-table-row', { hasText: first!.id }).getByTestId('view-tracking').click();
  await page.getByTestId('tracking-event').first().waitFor();
  await sleep(500);
  await page.screenshot({ path: `${docsDir}fulfilment-tracking.png`, animations: 'disabled' });
  await page.goto(`${baseUrl}/admin/after-sale`);
  await page.getByTestId('approve-request').first().waitFor();
  await page.screenshot({ path: `${docsDir}after-sale.png`, animations: 'disabled' });
  console.log(`${n} shoppers; screenshots in ${docsDir}`);
} finally {
  await browser.close();
  await platform.stop();
}
