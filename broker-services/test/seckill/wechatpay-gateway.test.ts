/**
 * WeChat Pay v3 end to end through the gateway, on real PostgreSQL, Redis and NATS, against the local WeChat
 * Pay server speaking the real protocol: the mini-program's payment parameters verify with the merchant key;
 * a genuine notification pays the order; forged, stale, probing or foreign-key notifications are refused with
 * nothing stored; a replay changes nothing; a wrong amount is refused.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { addAddress, adminLogin, api, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import {
  createLiveSeckill,
  createTestDeployment,
  freePort,
  type TestDeployment,
  wechatPayEnv,
} from '../support/real-services.ts';
import {
  generateWechatPayTestKeys,
  startWechatServer,
  type WechatPayTestKeys,
  type WechatServer,
} from '../support/wechat-server.ts';

interface OrderView {
  id: string;
  status: string;
  totalFen: number;
  paidAt?: string;
}

describe('WeChat Pay v3 through the gateway', () => {
  let dep: TestDeployment;
  let wechat: WechatServer;
  let keys: WechatPayTestKeys;
  let platform: StartedPlatform;
  let base: string;
  let token: string;
  let orderIds: string[];

  before(async () => {
    dep = await createTestDeployment();
    keys = generateWechatPayTestKeys();
    wechat = await startWechatServer({ appId: keys.appId, appSecret: 'test-app-secret', pay: keys });
    const port = await freePort();
    const notifyUrl = `http://127.0.0.1:${port}/api/payments/wechat/notify`;
    platform = await startPlatform({
      env: {
        ...dep.env,
        ...wechatPayEnv(keys, wechat.url, notifyUrl),
        PORT: String(port),
        NODE_ID: `${dep.tag}-all`,
      },
    });
    base = platform.baseUrl;
    assert.equal(base, `http://127.0.0.1:${port}`);

    const adminToken = await adminLogin(base, 'admin', dep.adminPassword);
    const campaignId = await createLiveSeckill(base, adminToken, {
      stockTotal: 10,
      perUserLimit: 5,
      priceFen: 2990,
    });
    const login = await api<{ token: string }>(base, 'POST', '/api/auth/wechat', {
      body: { code: wechat.issueCode(`openid-${dep.tag}`) },
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    token = login.body.token;
    orderIds = [];
    for (let i = 0; i < 3; i++) {
      const r = await api<{ reservation: { id: string } }>(
        base,
        'POST',
        `/api/seckill/${campaignId}/reservations`,
        { token, body: { quantity: 1, requestId: `wx-pay-req-${i}` } },
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
      orderIds.push(
        await eventually(async () => {
          const got = await api<{ orderId?: string }>(
            base,
            'GET',
            `/api/reservations/${r.body.reservation.id}`,
            {
              token,
            },
          );
          return got.body.orderId;
        }),
      );
    }
  });

  after(async () => {
    await platform?.stop();
    await wechat?.close();
    await dep?.dispose();
  });

  const order = async (id: string) =>
    (await api<OrderView>(base, 'GET', `/api/orders/${id}`, { token })).body;
  const paymentRows = async (id: string) =>
    (await dep.sql.query('select * from payments where order_id = $1', [id])).rows;
  const paidTransitions = async (id: string) =>
    Number(
      (
        await dep.sql.query<{ n: string }>(
          `select count(*) as n from order_transitions where order_id = $1 and to_status = 'paid'`,
          [id],
        )
      ).rows[0]!.n,
    );
  /** Delivers a notification as WeChat Pay does (header names lower-cased so that none is sent twice). */
  const notify = (n: { headers: Record<string, string>; body: string }) =>
    api(base, 'POST', '/api/payments/wechat/notify', {
      headers: Object.fromEntries(Object.entries(n.headers).map(([k, v]) => [k.toLowerCase(), v])),
      body: n.body,
    });

  /** What WeChat Pay would notify had the shopper paid `amountFen` for this order. */
  function successResource(outTradeNo: string, amountFen: number): Record<string, unknown> {
    return {
      ...wechat.transactionResource(outTradeNo),
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      transaction_id: `4200${Date.now()}${randomBytes(4).toString('hex')}`,
      trade_type: 'JSAPI',
      success_time: new Date().toISOString().replace(/\.\d+Z$/, '+00:00'),
      payer: { openid: `openid-${dep.tag}` },
      amount: { total: amountFen, payer_total: amountFen, currency: 'CNY', payer_currency: 'CNY' },
    };
  }

  test('a genuine payment: requestPayment params verify, the notification pays the order once', async () => {
    const id = orderIds[0]!;
    const start = await api<{ provider: string; params: Record<string, string> }>(
      base,
      'POST',
      `/api/orders/${id}/payment`,
      { token, body: { addressId: await addAddress(base, token) } },
    );
    assert.equal(start.status, 200, JSON.stringify(start.body));
    assert.equal(start.body.provider, 'wechat');
    const p = start.body.params;
    assert.deepEqual(Object.keys(p).sort(), ['nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);
    assert.equal(p.signType, 'RSA');
    const prepay = wechat.orders.get(id)!;
    assert.equal(p.package, `prepay_id=${prepay.prepay_id}`);
    assert.equal(prepay.total, 2990);
    assert.equal(prepay.notify_url, `${base}/api/payments/wechat/notify`);
    const signed = `${keys.appId}\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`;
    assert.ok(
      verify(
        'sha256',
        Buffer.from(signed),
        createPublicKey(keys.merchantPublicKeyPem),
        Buffer.from(p.paySign!, 'base64'),
      ),
    );
    assert.ok(wechat.payRequests.every((r) => r.signatureValid));

    const paid = await wechat.pay(id);
    assert.deepEqual(paid, { status: 204, body: '' });
    const view = await order(id);
    assert.equal(view.status, 'paid');
    assert.ok(view.paidAt);
    const rows = await paymentRows(id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].provider_txn_id, wechat.orders.get(id)!.transaction_id);
    assert.equal(rows[0].amount_fen, 2990);
    assert.equal(rows[0].outcome, 'applied');

    // WeChat Pay redelivers until it sees success; a replay changes nothing.
    const replay = wechat.buildNotification({
      eventType: 'TRANSACTION.SUCCESS',
      originalType: 'transaction',
      resource: wechat.transactionResource(id),
    });
    const again = await notify(replay);
    assert.equal(again.status, 204);
    assert.equal(again.body, null);
    const same = await notify(replay);
    assert.equal(same.status, 204);
    assert.equal((await paymentRows(id)).length, 1);
    assert.equal(await paidTransitions(id), 1);
    assert.equal((await order(id)).paidAt, view.paidAt);
  });

  test('forged, stale, probing and foreign-key notifications are refused and store nothing', async () => {
    const id = orderIds[1]!;
    const start = await api(base, 'POST', `/api/orders/${id}/payment`, {
      token,
      body: { addressId: await addAddress(base, token) },
    });
    assert.equal(start.status, 200);
    const resource = successResource(id, 2990);
    const genuine = { eventType: 'TRANSACTION.SUCCESS', originalType: 'transaction' as const, resource };
    const strangerKey = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;

    const cases: Array<[string, Parameters<WechatServer['buildNotification']>[0], string, string]> = [
      [
        'signed by another key',
        { ...genuine, signingKeyPem: strangerKey },
        'PAYMENT_SIGNATURE_INVALID',
        'Notification signature is invalid',
      ],
      [
        'signature replaced',
        { ...genuine, signature: Buffer.from('forged').toString('base64') },
        'PAYMENT_SIGNATURE_INVALID',
        'Notification signature is invalid',
      ],
      [
        'six minutes old',
        { ...genuine, timestampSec: Math.floor(Date.now() / 1000) - 360 },
        'PAYMENT_TIMESTAMP_STALE',
        'Notification timestamp is too old',
      ],
      [
        'WeChat Pay signature probe',
        { ...genuine, signature: `WECHATPAY/SIGNTEST/${randomBytes(32).toString('base64')}` },
        'PAYMENT_SIGNATURE_INVALID',
        'Notification signature is invalid',
      ],
      [
        'unknown platform key serial',
        { ...genuine, serial: `PUB_KEY_ID_${randomBytes(16).toString('hex').toUpperCase()}` },
        'PAYMENT_SIGNATURE_INVALID',
        'Notification signature is invalid',
      ],
    ];
    for (const [what, n, code, message] of cases) {
      const res = await notify(wechat.buildNotification(n));
      assert.equal(res.status, 401, what);
      assert.deepEqual(res.body, { error: { code, message, retryable: false } }, what);
      assert.equal((await order(id)).status, 'pending_payment', what);
      assert.deepEqual(await paymentRows(id), [], what);
    }

    // The wrong amount, genuinely signed: refused, the order stays unpaid.
    const short = await notify(wechat.buildNotification({ ...genuine, resource: successResource(id, 2989) }));
    assert.equal(short.status, 400);
    assert.deepEqual(short.body, {
      error: {
        code: 'PAYMENT_AMOUNT_MISMATCH',
        message: 'Paid amount differs from the order total',
        retryable: false,
        details: { expectedFen: 2990, paidFen: 2989 },
      },
    });
    assert.equal((await order(id)).status, 'pending_payment');
    assert.deepEqual(await paymentRows(id), []);
    assert.equal(await paidTransitions(id), 0);

    // The genuine one still works afterwards.
    const ok = await notify(wechat.buildNotification(genuine));
    assert.equal(ok.status, 204);
    assert.equal((await order(id)).status, 'paid');
    assert.equal((await paymentRows(id)).length, 1);
  });
});
