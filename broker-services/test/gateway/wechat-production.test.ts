/**
 * The gateway as production runs it: WeChat login against the local WeChat server (code2session), no dev
 * login, WeChat Pay instead of the dev provider, and a per-user rate limit of 2 a second on the hot path. On the
 * fast layer: every service in this process, the gateway through `inject()`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { api } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';
import { generateWechatPayTestKeys, startWechatServer, type WechatServer } from '../support/wechat-server.ts';
import { assertError, unknownId } from './support.ts';

const appId = 'wx0000000000test';
const appSecret = 'test-app-secret';

describe('WeChat login, no dev routes, per-user rate limit (production switches)', () => {
  let wechat: WechatServer;
  let p: InProcessPlatform;
  let wechatUp = true;
  const run = randomUUID().slice(0, 8);

  const login = (code: string) =>
    api<{ token: string; user: { id: string } }>(p.gateway, 'POST', '/api/auth/wechat', { body: { code } });

  before(async () => {
    const keys = generateWechatPayTestKeys();
    wechat = await startWechatServer({ appId, appSecret, pay: keys });
    p = await startInProcess({
      env: {
        SEED_DEMO: '1',
        WECHAT_API_BASE: wechat.url,
        WECHAT_APP_ID: appId,
        WECHAT_APP_SECRET: appSecret,
        DEV_LOGIN: '0',
        PAYMENT_PROVIDER: 'wechat',
        WECHATPAY_API_BASE: wechat.url,
        WECHATPAY_MCH_ID: keys.mchId,
        WECHATPAY_MERCHANT_SERIAL_NO: keys.merchantSerialNo,
        WECHATPAY_MERCHANT_PRIVATE_KEY: keys.merchantPrivateKeyPem,
        WECHATPAY_API_V3_KEY: keys.apiV3Key,
        WECHATPAY_PLATFORM_PUBLIC_KEY: keys.platformPublicKeyPem,
        WECHATPAY_PLATFORM_PUBLIC_KEY_ID: keys.platformPublicKeyId,
        WECHATPAY_NOTIFY_URL: 'https://shop.example.com/api/payments/wechat/notify',
        RATE_LIMIT_PER_USER_PER_SECOND: '2',
      },
    });
  });
  after(async () => {
    await p?.stop();
    if (wechatUp) await wechat?.close();
  });

  test('a fresh code signs the shopper in; the token works on /api/orders; a second login is the same user', async () => {
    const first = await login(wechat.issueCode(`o_alice_${run}`));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.match(first.body.user.id, /^usr_/);
    const orders = await api(p.gateway, 'GET', '/api/orders', { token: first.body.token });
    assert.deepEqual({ status: orders.status, body: orders.body }, { status: 200, body: { items: [] } });

    const second = await login(wechat.issueCode(`o_alice_${run}`));
    assert.equal(second.status, 200);
    assert.equal(second.body.user.id, first.body.user.id);
    const other = await login(wechat.issueCode(`o_bob_${run}`));
    assert.notEqual(other.body.user.id, first.body.user.id);
  });

  test('an invalid code (40029) and a used one (40163) are 400 WECHAT_CODE_INVALID', async () => {
    const message = 'The WeChat login code is invalid or used';
    assertError(await login('never-issued-code'), 400, 'WECHAT_CODE_INVALID', message);
    const code = wechat.issueCode(`o_carol_${run}`);
    assert.equal((await login(code)).status, 200);
    assertError(await login(code), 400, 'WECHAT_CODE_INVALID', message);
  });

  test('45011 is 503 WECHAT_RATE_LIMITED', async () => {
    wechat.setLoginFault('rate-limited');
    try {
      assertError(
        await login(wechat.issueCode(`o_dave_${run}`)),
        503,
        'WECHAT_RATE_LIMITED',
        'WeChat is rate limiting logins',
      );
    } finally {
      wechat.setLoginFault(null);
    }
  });

  test('/api/auth/dev and /api/payments/dev/... are 404 here', async () => {
    assertError(
      await api(p.gateway, 'POST', '/api/auth/dev', { body: { openid: 'someone' } }),
      404,
      'NOT_FOUND',
      'Route not found',
    );
    const shopper = await login(wechat.issueCode(`o_erin_${run}`));
    assertError(
      await api(p.gateway, 'POST', `/api/payments/dev/${unknownId('ord')}/confirm`, {
        token: shopper.body.token,
      }),
      404,
      'NOT_FOUND',
      'Route not found',
    );
  });

  test('429 RATE_LIMITED with Retry-After past 2 hot-path requests a second per user', async () => {
    const shopper = await login(wechat.issueCode(`o_frank_${run}`));
    const campaigns = await api<{ items: { id: string; type: string; status: string; stockLeft: number }[] }>(
      p.gateway,
      'GET',
      '/api/campaigns?type=seckill',
    );
    const live = campaigns.body.items.find((c) => c.status === 'live')!;
    const requestId = `rl-${run}`;
    // The same requestId every time: whatever passes the limiter is one reservation. The limiter counts per
    // second of the clock, so a burst that straddles a second boundary may pass 2 in each second it touched.
    const burst = 10;
    const startSecond = Math.floor(Date.now() / 1000);
    const answers = await Promise.all(
      Array.from({ length: burst }, () =>
        api<{ reservation?: { id: string } }>(p.gateway, 'POST', `/api/seckill/${live.id}/reservations`, {
          token: shopper.body.token,
          body: { quantity: 1, requestId },
        }),
      ),
    );
    const seconds = Math.floor(Date.now() / 1000) - startSecond + 1;
    const limited = answers.filter((a) => a.status === 429);
    const passed = answers.filter((a) => a.status === 201);
    assert.ok(
      passed.length <= 2 * seconds && limited.length >= burst - 2 * seconds,
      `at most 2 pass per second over ${seconds} s (${answers.map((a) => a.status)})`,
    );
    assert.ok(limited.length > 0);
    assert.equal(limited.length + passed.length, burst);
    for (const res of limited) {
      assert.equal((res.body as unknown as { error: { code: string } }).error.code, 'RATE_LIMITED');
      assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
    }
    assert.equal(new Set(passed.map((a) => a.body.reservation!.id)).size, 1);
    const after = await api<{ stockLeft: number }>(p.gateway, 'GET', `/api/campaigns/${live.id}`);
    assert.equal(after.body.stockLeft, live.stockLeft - 1);
  });

  test('WeChat down is 503 WECHAT_UNAVAILABLE', async () => {
    await wechat.close();
    wechatUp = false;
    assertError(await login('any-code-at-all'), 503, 'WECHAT_UNAVAILABLE', 'WeChat is unavailable');
  });
});
