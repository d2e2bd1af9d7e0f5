/**
 * The request layer (services/request.ts) against a real local HTTP server, through the wx.request shim:
 * the cap of 10 requests in flight counted at the server, 401 → one re-login → the same request again, and
 * every error code turned into the sentence a shopper reads.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type LocalServer, sendError, sendJson, startJsonServer } from './support/http-server.ts';
import './support/ts-resolve.ts';
import { installWxShim, type WxShim } from './support/wx-shim.ts';

const { ApiError, RequestClient } = await import('../services/request');
const { SHOPPER_MESSAGES } = await import('../services/error-messages');

let shim: WxShim;
before(() => {
  shim = installWxShim();
});
after(() => shim.uninstall());

describe('at most 10 requests in flight', () => {
  const total = 35;
  let server: LocalServer;
  let current = 0;
  let peak = 0;
  let arrived = 0;
  let held: ServerResponse[] = [];

  before(async () => {
    // Holds answers until 10 requests are inside at once (or every request has come), so a layer that let an
    // 11th through would be seen here, at the server, not inferred from the client's own counters.
    server = await startJsonServer((req, res) => {
      current++;
      arrived++;
      peak = Math.max(peak, current);
      held.push(res);
      res.on('finish', () => {
        current--;
      });
      if (held.length === 10 || arrived === total) {
        const batch = held;
        held = [];
        for (const r of batch) sendJson(r, 200, { n: Number(req.query.get('n') ?? -1) });
      }
    });
  });
  after(() => server.close());

  test(`${total} requests at once: the server never sees more than 10, every one is answered`, async () => {
    const client = new RequestClient({ baseUrl: () => server.baseUrl });
    const pending = Array.from({ length: total }, (_, n) =>
      client.request<{ n: number }>({ path: '/api/slow', query: { n }, auth: false }),
    );
    assert.equal(client.inFlight, 10);
    assert.equal(client.queued, total - 10);
    const answers = await Promise.all(pending);
    assert.equal(answers.length, total);
    assert.equal(arrived, total);
    assert.equal(peak, 10);
    assert.ok(shim.maxInFlight <= 10, `wx.request saw ${shim.maxInFlight} at once`);
    assert.equal(client.inFlight, 0);
    assert.equal(client.queued, 0);
  });
});

describe('401 → re-login once → the same request again', () => {
  let server: LocalServer;
  let issued = 0;
  let validToken = '';
  const codesSeen: string[] = [];
  let protectedHits = 0;
  let alwaysRefuse = false;

  before(async () => {
    server = await startJsonServer((req, res) => {
      if (req.path === '/api/auth/wechat') {
        const { code } = req.body as { code: string };
        codesSeen.push(code);
        issued++;
        validToken = `tok-${issued}`;
        return sendJson(res, 200, { token: validToken, user: { id: `usr_${code}` } });
      }
      protectedHits++;
      if (alwaysRefuse || req.headers.authorization !== `Bearer ${validToken}`) {
        return sendError(res, 401, 'UNAUTHORIZED');
      }
      return sendJson(res, 200, { ok: true, path: req.path });
    });
  });
  after(() => server.close());

  test('a stale token is replaced through wx.login and the request succeeds', async () => {
    const client = new RequestClient({ baseUrl: () => server.baseUrl });
    client.setSession({ token: 'stale', user: { id: 'usr_old', createdAt: '2030-01-01T00:00:00.000Z' } });
    const loginsBefore = shim.loginCalls;
    const res = await client.request<{ ok: boolean; path: string }>({ path: '/api/orders' });
    assert.deepEqual(res, { ok: true, path: '/api/orders' });
    assert.equal(shim.loginCalls - loginsBefore, 1);
    assert.equal(codesSeen.length, 1);
    assert.equal(client.token(), validToken);
    assert.deepEqual(client.session()?.user, { id: `usr_${codesSeen[0]}` });
  });

  test('many requests refused together share one login', async () => {
    const client = new RequestClient({ baseUrl: () => server.baseUrl });
    client.setSession({
      token: 'stale-again',
      user: { id: 'usr_old', createdAt: '2030-01-01T00:00:00.000Z' },
    });
    const codesBefore = codesSeen.length;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => client.request<{ ok: boolean }>({ path: `/api/orders/${i}` })),
    );
    assert.ok(results.every((r) => r.ok));
    assert.equal(codesSeen.length - codesBefore, 1);
  });

  test('a second 401 after re-login is final: UNAUTHORIZED, no loop', async () => {
    const client = new RequestClient({ baseUrl: () => server.baseUrl });
    alwaysRefuse = true;
    const hitsBefore = protectedHits;
    const codesBefore = codesSeen.length;
    await assert.rejects(client.request({ path: '/api/orders' }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 'UNAUTHORIZED');
      assert.equal(err.status, 401);
      assert.equal(err.message, SHOPPER_MESSAGES.UNAUTHORIZED);
      return true;
    });
    assert.equal(protectedHits - hitsBefore, 2);
    assert.equal(codesSeen.length - codesBefore, 1);
    alwaysRefuse = false;
  });

  test('login itself (auth: false) is never retried on 401', async () => {
    const client = new RequestClient({ baseUrl: () => server.baseUrl });
    alwaysRefuse = true;
    const codesBefore = codesSeen.length;
    await assert.rejects(client.request({ path: '/api/x', auth: false }), { code: 'UNAUTHORIZED' });
    assert.equal(codesSeen.length, codesBefore);
    alwaysRefuse = false;
  });
});

describe('every error code reads as a sentence for the shopper', () => {
  const cases: Array<[code: string, status: number, message: string]> = [
    ['SOLD_OUT', 409, '已抢光'],
    ['LIMIT_EXCEEDED', 409, '已达到每人限购数量'],
    ['NOT_STARTED', 409, '活动还没开始，请稍候'],
    ['ENDED', 409, '活动已结束'],
    ['GROUP_FULL', 409, '这个团已经满员了，去开个新团吧'],
    ['GROUP_CLOSED', 409, '这个团已经结束了'],
    ['ALREADY_MEMBER', 409, '你已经在这个团里了'],
    ['RATE_LIMITED', 429, '人太多啦，请稍后再试'],
    ['VALIDATION_FAILED', 400, '提交的信息有误，请检查后重试'],
    ['NOT_FOUND', 404, '内容不存在或已下架'],
    ['ADMISSION_REQUIRED', 409, '活动太火爆，正在为你排队'],
    ['QUEUED', 429, '排队中，请不要离开'],
    ['CAMPAIGN_STOPPED', 409, '活动已暂停'],
    ['ORDER_EXPIRED', 409, '订单已超时关闭'],
    ['ORDER_NOT_PAYABLE', 409, '订单当前无法支付'],
    ['FORBIDDEN', 403, '没有权限进行此操作'],
  ];
  let server: LocalServer;

  before(async () => {
    server = await startJsonServer((req, res) => {
      const code = req.path.split('/').pop() ?? '';
      if (code === 'BARE_503') {
        res.writeHead(503, { 'content-type': 'text/plain' });
        return res.end('upstream down');
      }
      if (code === 'BARE_404') {
        res.writeHead(404, { 'content-type': 'text/html' });
        return res.end('<h1>nope</h1>');
      }
      const found = cases.find(([c]) => c === code);
      const status = found ? found[1] : 418;
      const headers: Record<string, string> =
        code === 'QUEUED' || code === 'RATE_LIMITED' ? { 'retry-after': '3' } : {};
      const extra = code === 'QUEUED' ? { details: { queuePosition: 42 } } : {};
      return sendError(res, status, code, extra, headers);
    });
  });
  after(() => server.close());

  for (const [code, status, message] of cases) {
    test(`${status} ${code} → ${message}`, async () => {
      const client = new RequestClient({ baseUrl: () => server.baseUrl });
      await assert.rejects(
        client.request({ method: 'POST', path: `/api/e/${code}`, auth: false }),
        (err: unknown) => {
          assert.ok(err instanceof ApiError);
          assert.equal(err.code, code);
          assert.equal(err.status, status);
          assert.equal(err.message, message);
          assert.equal(err.serverMessage, code.toLowerCase());
          return true;
        },
      );
    });
  }

  test('QUEUED carries Retry-After and the queue position', async () => {
    const client = new RequestClient({ baseUrl: () => server.baseUrl });
    const err = await client
      .request({ method: 'POST', path: '/api/e/QUEUED', auth: false })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.retryAfterSeconds, 3);
    assert.deepEqual(err.details, { queuePosition: 42 });
    assert.equal(err.retryable, false);
  });

  test('an unknown code falls back on its status; a bare status gets a code', async () => {
    const client = new RequestClient({ baseUrl: () => server.baseUrl });
    await assert.rejects(client.request({ path: '/api/e/SOMETHING_NEW', auth: false }), {
      code: 'SOMETHING_NEW',
      message: SHOPPER_MESSAGES.UNKNOWN,
    });
    await assert.rejects(client.request({ path: '/api/e/BARE_503', auth: false }), {
      code: 'INTERNAL',
      status: 503,
      message: '服务开小差了，请稍后再试',
      retryable: true,
    });
    await assert.rejects(client.request({ path: '/api/e/BARE_404', auth: false }), {
      code: 'NOT_FOUND',
      message: '内容不存在或已下架',
    });
  });

  test('no answer at all is a network error the shopper may retry', async () => {
    const closed = await startJsonServer(() => {});
    const url = closed.baseUrl;
    await closed.close();
    const client = new RequestClient({ baseUrl: () => url });
    await assert.rejects(client.request({ path: '/api/campaigns', auth: false }), {
      code: 'NETWORK_ERROR',
      status: 0,
      message: '网络不给力，请检查网络后重试',
      retryable: true,
    });
  });

  test('a server that never answers in time is a timeout', async () => {
    const silent = await startJsonServer(() => {});
    try {
      const client = new RequestClient({ baseUrl: () => silent.baseUrl, timeoutMs: 200 });
      await assert.rejects(client.request({ path: '/api/time', auth: false }), {
        code: 'TIMEOUT',
        message: '网络超时，请重试',
        retryable: true,
      });
    } finally {
      await silent.close();
    }
  });

  test('the table covers every code of the contract and the network', () => {
    for (const code of [
      ...cases.map(([c]) => c),
      'UNAUTHORIZED',
      'NETWORK_ERROR',
      'TIMEOUT',
      'INTERNAL',
      'PAYMENT_CANCELLED',
    ]) {
      const message = SHOPPER_MESSAGES[code];
      assert.ok(message && /[\u4e00-\u9fff]/.test(message), `${code} has a Chinese message`);
    }
  });
});
