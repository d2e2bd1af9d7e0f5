/**
 * Hostile input at the edge, against an embedded platform started as `npm start` does, behind a configured proxy
 * (TRUST_PROXY=127.0.0.1). Text with lone surrogates or NUL
 * bytes is refused everywhere and stores nothing; forwarded headers choose nothing unless a trusted proxy sent
 * them; an admin username is locked after repeated failures whatever address they come from, and failures are
 * audited; a password change revokes older admin tokens; every answer carries the security headers; Fastify's
 * own errors take the one error shape.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import { assertError, assertValidation, createCampaign } from './support.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

interface AuditItem {
  action: string;
  objectId: string;
  adminUsername: string;
  detail: Record<string, unknown>;
}

describe('hardening at the edge (embedded platforms)', () => {
  /** Behind a proxy on loopback (TRUST_PROXY=127.0.0.1): forwarded headers from it are believed. The platform as
   * shipped (no proxy trusted) is checked in ../embedded/embedded-database.test.ts. */
  let p: StartedPlatform;
  let owner: string;
  const run = randomUUID().slice(0, 8);
  let forwarded = 0;
  /** A distinct client address behind the trusted proxy, so that the per-IP limit never decides these tests. */
  const via = () => ({ 'x-forwarded-for': `198.51.100.${++forwarded % 250}` });

  before(async () => {
    // A loaded shared machine takes minutes to start a platform.
    p = await startPlatform({ env: { TRUST_PROXY: '127.0.0.1' }, timeoutMs: 300_000 });
    owner = await adminLogin(p.baseUrl, p.adminUsername, p.adminPassword);
  });
  after(async () => {
    await p?.stop();
  });

  const audit = async (platform: StartedPlatform, token: string) =>
    (
      await api<{ items: AuditItem[] }>(platform.baseUrl, 'GET', '/api/admin/audit-log?limit=100', {
        token,
      })
    ).body.items;

  /** A paid order of a fresh seckill campaign. */
  async function paidOrder(): Promise<string> {
    const campaignId = await createCampaign(p.baseUrl, owner, {
      type: 'seckill',
      startsInMs: -HOUR,
      lastsMs: DAY,
      stockTotal: 5,
      perUserLimit: 1,
    });
    const shopper = await devLogin(p.baseUrl, `hardening-${run}-${randomUUID().slice(0, 6)}`);
    const reserved = await api<{ reservation: { id: string } }>(
      p.baseUrl,
      'POST',
      `/api/seckill/${campaignId}/reservations`,
      { token: shopper.token, body: { quantity: 1, requestId: `rq-${randomUUID()}` } },
    );
    assert.equal(reserved.status, 201);
    const orderId = await eventually(async () => {
      const r = await api<{ orderId?: string }>(
        p.baseUrl,
        'GET',
        `/api/reservations/${reserved.body.reservation.id}`,
        { token: shopper.token },
      );
      return r.body.orderId;
    });
    const paid = await api(p.baseUrl, 'POST', `/api/payments/dev/${orderId}/confirm`, {
      token: shopper.token,
    });
    assert.equal(paid.status, 200);
    return orderId;
  }

  test('item 1: lone surrogates and NUL bytes are 400 VALIDATION_FAILED on every kind of input; nothing is stored', async () => {
    const orderId = await paidOrder();
    const order = async () =>
      (await api(p.baseUrl, 'GET', `/api/admin/orders/${orderId}`, { token: owner })).body;
    const stored = async () =>
      Promise.all(
        ['/api/admin/products', '/api/admin/campaigns', '/api/admin/audit-log?limit=100'].map(
          async (path) => (await api(p.baseUrl, 'GET', path, { token: owner })).body,
        ),
      );
    const products = await api<{ items: { skus: { id: string }[] }[] }>(
      p.baseUrl,
      'GET',
      '/api/admin/products',
      {
        token: owner,
      },
    );
    const skuId = products.body.items[0]!.skus[0]!.id;
    const orderBefore = await order();
    const before = await stored();
    const cases: Array<[string, string, unknown]> = [
      ['POST', `/api/admin/orders/${orderId}/refund`, { reason: 'bad \ud800 reason' }],
      ['POST', `/api/admin/orders/${orderId}/refund`, { reason: 'bad \u0000 reason' }],
      [
        'POST',
        `/api/admin/orders/${orderId}/ship`,
        { trackingNo: 'SF1000002', carrier: 'bad \ud800 carrier' },
      ],
      ['POST', '/api/admin/products', { title: 'bad \ud800 title', skus: [{ name: 'one', priceFen: 100 }] }],
      ['POST', '/api/admin/products', { title: 'bad \u0000 title', skus: [{ name: 'one', priceFen: 100 }] }],
      ['POST', '/api/admin/products', { title: 'ok title', skus: [{ name: 'lone \udc00', priceFen: 100 }] }],
      [
        'POST',
        '/api/admin/campaigns',
        {
          type: 'seckill',
          title: 'bad \ud800 campaign',
          skuId,
          priceFen: 100,
          startsAt: new Date(Date.now() - HOUR).toISOString(),
          endsAt: new Date(Date.now() + DAY).toISOString(),
          stockTotal: 10,
          perUserLimit: 1,
        },
      ],
      ['POST', '/api/admin/admins', { username: 'ok-name', password: 'pass\u0000word!', role: 'viewer' }],
    ];
    for (const [method, path, body] of cases) {
      const res = await api<{ error: { details?: { problems?: { message?: string }[] } } }>(
        p.baseUrl,
        method,
        path,
        { token: owner, body },
      );
      assertValidation(res, `${method} ${path} ${JSON.stringify(body)}`);
    }
    // A NUL in the admin login's username (a 500 before), and in a query string.
    assertValidation(
      await api(p.baseUrl, 'POST', '/api/admin/auth/login', {
        body: { username: 'ad\u0000min', password: 'x' },
      }),
      'login username with NUL',
    );
    assertValidation(
      await api(p.baseUrl, 'GET', '/api/admin/orders?cursor=%00', { token: owner }),
      'query with NUL',
    );
    assert.deepEqual(await order(), orderBefore, 'the order is still paid, not refunded or shipped');
    assert.deepEqual(await stored(), before, 'no product, campaign or audit entry was written');
  });

  test('item 1: a refund, a ship and a product write each commit with exactly one audit entry', async () => {
    const orderId = await paidOrder();
    const shipped = await api(p.baseUrl, 'POST', `/api/admin/orders/${orderId}/ship`, {
      token: owner,
      body: { trackingNo: 'SF1000003', carrier: '顺丰' },
    });
    assert.equal(shipped.status, 200);
    const refunded = await api(p.baseUrl, 'POST', `/api/admin/orders/${orderId}/refund`, {
      token: owner,
      body: { reason: '客户要求 🙂' },
    });
    assert.equal(refunded.status, 200);
    const entries = (await audit(p, owner)).filter((e) => e.objectId === orderId).map((e) => e.action);
    assert.deepEqual(entries.sort(), ['order.refund', 'order.ship']);
  });

  test('item 2: a username is locked after 5 failures from rotating addresses, with back-off; failures are audited', async () => {
    const pOwner = (
      await api<{ token: string }>(p.baseUrl, 'POST', '/api/admin/auth/login', {
        body: { username: p.adminUsername, password: p.adminPassword },
        headers: via(),
      })
    ).body.token;
    const username = `locked-${run}`;
    const password = `locked-password-${run}`;
    const made = await api(p.baseUrl, 'POST', '/api/admin/admins', {
      token: pOwner,
      body: { username, password, role: 'viewer' },
    });
    assert.equal(made.status, 201);
    const login = (pw: string) =>
      api<{ error?: { code: string; details?: { retryAfterSeconds?: number } } }>(
        p.baseUrl,
        'POST',
        '/api/admin/auth/login',
        { body: { username, password: pw }, headers: via() },
      );
    for (let i = 0; i < 5; i++) {
      assertError(await login('wrong-password'), 401, 'INVALID_CREDENTIALS', 'Wrong username or password');
    }
    // Locked now: even the right password is refused, from yet another address.
    const locked = await login(password);
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error?.code, 'LOGIN_LOCKED');
    const retryAfter = locked.body.error?.details?.retryAfterSeconds ?? 0;
    assert.ok(retryAfter > 0 && retryAfter <= 30, `first lockout is 30 s, got ${retryAfter}`);
    assert.equal(locked.headers.get('retry-after'), String(retryAfter));
    // The same lockout for a username nobody has: a lock tells nothing about which usernames exist.
    for (let i = 0; i < 5; i++) {
      await api(p.baseUrl, 'POST', '/api/admin/auth/login', {
        body: { username: `ghost-${run}`, password: 'wrong-password' },
        headers: via(),
      });
    }
    const ghost = await api<{ error: { code: string } }>(p.baseUrl, 'POST', '/api/admin/auth/login', {
      body: { username: `ghost-${run}`, password: 'wrong-password' },
      headers: via(),
    });
    assert.equal(ghost.body.error.code, 'LOGIN_LOCKED');
    const failures = (await audit(p, pOwner)).filter(
      (e) => e.action === 'admin.login_failed' && e.adminUsername === username,
    );
    assert.equal(failures.length, 5);
    assert.deepEqual(
      failures.map((f) => f.detail.failures).sort(),
      [1, 2, 3, 4, 5],
      'each failure is one audit entry with its count',
    );
    assert.equal(failures.find((f) => f.detail.failures === 5)?.detail.lockedForSeconds, 30);
    assert.match(
      String(failures[0]?.detail.ip),
      /^198\.51\.100\./,
      'the address the trusted proxy forwarded',
    );
  });

  test('item 4: a password change or reset revokes the admin tokens issued before it', async () => {
    const pOwner = (
      await api<{ token: string }>(p.baseUrl, 'POST', '/api/admin/auth/login', {
        body: { username: p.adminUsername, password: p.adminPassword },
        headers: via(),
      })
    ).body.token;
    const username = `reset-${run}`;
    const made = await api<{ id: string }>(p.baseUrl, 'POST', '/api/admin/admins', {
      token: pOwner,
      body: { username, password: `first-password-${run}`, role: 'operator' },
    });
    assert.equal(made.status, 201);
    const signIn = async (password: string) =>
      (
        await api<{ token: string }>(p.baseUrl, 'POST', '/api/admin/auth/login', {
          body: { username, password },
          headers: via(),
        })
      ).body.token;
    const old = await signIn(`first-password-${run}`);
    assert.equal((await api(p.baseUrl, 'GET', '/api/admin/me', { token: old })).status, 200);
    const reset = await api(p.baseUrl, 'PATCH', `/api/admin/admins/${made.body.id}`, {
      token: pOwner,
      body: { password: `second-password-${run}` },
    });
    assert.equal(reset.status, 200);
    assertError(
      await api(p.baseUrl, 'GET', '/api/admin/me', { token: old }),
      401,
      'UNAUTHORIZED',
      'The password changed since this token was issued; sign in again',
    );
    const fresh = await signIn(`second-password-${run}`);
    assert.equal((await api(p.baseUrl, 'GET', '/api/admin/me', { token: fresh })).status, 200);
    // An owner changing their own password ends their own older sessions too (a second owner here, so that
    // the file's first owner keeps its token for the tests after this one).
    const owner2 = `owner2-${run}`;
    const made2 = await api<{ id: string }>(p.baseUrl, 'POST', '/api/admin/admins', {
      token: pOwner,
      body: { username: owner2, password: `owner2-password-${run}`, role: 'owner' },
    });
    assert.equal(made2.status, 201);
    const ownerSignIn = async () =>
      (
        await api<{ token: string }>(p.baseUrl, 'POST', '/api/admin/auth/login', {
          body: { username: owner2, password: `owner2-password-${run}` },
          headers: via(),
        })
      ).body.token;
    const [first, second] = [await ownerSignIn(), await ownerSignIn()];
    const own = await api(p.baseUrl, 'PATCH', `/api/admin/admins/${made2.body.id}`, {
      token: second,
      body: { password: `owner2-new-password-${run}` },
    });
    assert.equal(own.status, 200);
    for (const token of [first, second]) {
      assert.equal((await api(p.baseUrl, 'GET', '/api/admin/me', { token })).status, 401);
    }
  });

  test('item 5: security headers on the API, the console and the docs; HSTS only behind TLS', async () => {
    for (const path of ['/api/time', '/admin/', '/docs', '/docs/json', '/api/nothing-here']) {
      const res = await fetch(`${p.baseUrl}${path}`);
      const h = res.headers;
      const csp = h.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, `${path} CSP`);
      assert.match(csp, /default-src 'self'/, `${path} CSP`);
      assert.match(csp, /script-src 'self'(;|$)/, `${path} CSP`);
      assert.equal(h.get('x-frame-options'), 'DENY', path);
      assert.equal(h.get('x-content-type-options'), 'nosniff', path);
      assert.equal(h.get('referrer-policy'), 'no-referrer', path);
      assert.equal(h.get('strict-transport-security'), null, `${path}: no HSTS over plain HTTP`);
      assert.ok(h.get('x-request-id'), `${path} names its request`);
    }
    // A refusal by a preHandler (no token) carries them too, and the request id the client gave.
    const refused = await fetch(`${p.baseUrl}/api/seckill/cmp_01ARZ3NDEKTSV4RRFFQ69G5FAV/reservations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': `client-req-${run}` },
      body: JSON.stringify({ quantity: 1, requestId: `r-${run}` }),
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('x-request-id'), `client-req-${run}`);
    assert.equal(refused.headers.get('x-frame-options'), 'DENY');
    assert.match(refused.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    // Behind the trusted proxy that terminated TLS (a client's own claim is checked in the embedded test).
    const behindTls = await fetch(`${p.baseUrl}/api/time`, {
      headers: { 'x-forwarded-proto': 'https' },
    });
    assert.match(
      behindTls.headers.get('strict-transport-security') ?? '',
      /^max-age=31536000; includeSubDomains$/,
    );
  });

  test("item 7: Fastify's own errors take the one error shape and the right status, echoing nothing", async () => {
    const longId = `cmp_${'A'.repeat(300)}`;
    const long = await api<{ error: { code: string; message: string } }>(
      p.baseUrl,
      'GET',
      `/api/campaigns/${longId}`,
    );
    assertError(long, 414, 'URL_TOO_LONG', 'The URL is too long');
    const bad = await api(p.baseUrl, 'GET', '/api/campaigns/%E0%A4%A');
    assertError(bad, 400, 'VALIDATION_FAILED', 'The URL is malformed');
    const media = await api(p.baseUrl, 'POST', '/api/auth/dev', {
      headers: { 'content-type': 'application/xml' },
      body: '<openid>x</openid>',
    });
    assertError(media, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    const traversal = await api(p.baseUrl, 'GET', '/docs/static/..%2f..%2fpackage.json');
    assert.ok([403, 404].includes(traversal.status), `traversal: ${traversal.status}`);
    assert.deepEqual(Object.keys(traversal.body as object), ['error']);
    assert.ok(!JSON.stringify(traversal.body).includes('package.json'), 'the path is not echoed');
    assertError(await api(p.baseUrl, 'GET', '/nothing-at-all'), 404, 'NOT_FOUND', 'Route not found');
  });

  test('item 7: a start in year 0 is 400, not 500', async () => {
    const products = await api<{ items: { skus: { id: string }[] }[] }>(
      p.baseUrl,
      'GET',
      '/api/admin/products',
      {
        token: owner,
      },
    );
    const res = await api(p.baseUrl, 'POST', '/api/admin/campaigns', {
      token: owner,
      body: {
        type: 'seckill',
        title: 'year zero',
        skuId: products.body.items[0]!.skus[0]!.id,
        priceFen: 100,
        startsAt: '0000-01-01T00:00:00Z',
        endsAt: '2030-01-02T00:00:00.000Z',
        stockTotal: 10,
        perUserLimit: 1,
      },
    });
    assertValidation(res, 'startsAt 0000-01-01');
  });

  test('item 12: no fast-jwt cache-key warning at start; item 16: GET / leads to the console', async () => {
    assert.doesNotMatch(p.output(), /FAST_JWT_CACHE_KEY_BUILDER_SECURITY_RISK/);
    const root = await fetch(`${p.baseUrl}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/admin/');
  });
});
