import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { AppError, toErrorBody } from '../../src/errors.ts';
import {
  createWechatPayClient,
  type WechatPayClient,
  type WechatPayConfig,
  WechatPayError,
  type WechatPayNotification,
} from '../../src/integrations/wechatpay/index.ts';
import { createWechatPayProvider } from '../../src/modules/payments/wiring.ts';
import {
  generateWechatPayTestKeys,
  startWechatServer,
  type WechatPayTestKeys,
  type WechatServer,
} from '../support/wechat-server.ts';

/** A merchant notify endpoint: verifies each delivery with the client and keeps what it accepted. */
interface NotifyReceiver {
  url: string;
  accepted: WechatPayNotification[];
  refused: string[];
  close(): Promise<void>;
}

async function startNotifyReceiver(client: () => WechatPayClient): Promise<NotifyReceiver> {
  const accepted: WechatPayNotification[] = [];
  const refused: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const headers: IncomingHttpHeaders = req.headers;
        accepted.push(
          client().verifyAndDecryptNotification({
            headers,
            rawBody: Buffer.concat(chunks),
            nowMs: Date.now(),
          }),
        );
        res.writeHead(204).end();
      } catch (err) {
        const code = err instanceof WechatPayError ? err.code : 'UNEXPECTED';
        refused.push(code);
        res
          .writeHead(400, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ code: 'FAIL', message: code }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/payments/wechat/notify`,
    accepted,
    refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function rejection(promise: Promise<unknown>): Promise<WechatPayError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof WechatPayError, `expected WechatPayError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

function thrown(fn: () => unknown): WechatPayError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof WechatPayError, `expected WechatPayError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a throw');
}

let seq = 0;
function tradeNo(): string {
  seq += 1;
  return `ord_${process.pid}_${Date.now()}_${seq}`;
}

describe('WeChat Pay v3 client against the local WeChat Pay', () => {
  let keys: WechatPayTestKeys;
  let server: WechatServer;
  let receiver: NotifyReceiver;
  let config: WechatPayConfig;
  let client: WechatPayClient;

  before(async () => {
    keys = generateWechatPayTestKeys();
    server = await startWechatServer({ appId: keys.appId, appSecret: 'unused', pay: keys });
    config = {
      mchId: keys.mchId,
      appId: keys.appId,
      merchantSerialNo: keys.merchantSerialNo,
      merchantPrivateKeyPem: keys.merchantPrivateKeyPem,
      apiV3Key: keys.apiV3Key,
      platformPublicKeyPem: keys.platformPublicKeyPem,
      platformPublicKeyId: keys.platformPublicKeyId,
      apiBase: server.url,
    };
    client = createWechatPayClient(config);
    receiver = await startNotifyReceiver(() => client);
  });
  after(async () => {
    await receiver.close();
    await server.close();
  });

  async function prepay(outTradeNo: string, amountFen = 100): Promise<string> {
    return client.createJsapiPrepay({
      outTradeNo,
      description: '团秒-测试商品',
      amountFen,
      payerOpenid: 'o_payer',
      notifyUrl: receiver.url,
      timeExpire: new Date(Date.now() + 15 * 60_000),
    });
  }

  test('a JSAPI prepay is signed, accepted, stored, and its signed answer gives the prepay_id', async () => {
    const outTradeNo = tradeNo();
    const prepayId = await prepay(outTradeNo, 1999);
    const order = server.orders.get(outTradeNo);
    assert.ok(order);
    assert.equal(order.prepay_id, prepayId);
    assert.equal(order.total, 1999);
    assert.equal(order.openid, 'o_payer');
    assert.equal(order.notify_url, receiver.url);
    assert.match(order.time_expire, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    const last = server.payRequests.at(-1);
    assert.equal(last?.signatureValid, true);
    assert.equal(last?.url, '/v3/pay/transactions/jsapi');

    // Same out_trade_no, same order: the same prepay_id, not a second order.
    assert.equal(await prepay(outTradeNo, 1999), prepayId);
  });

  test('a request signed with the wrong merchant key is refused by WeChat Pay with SIGN_ERROR', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const forger = createWechatPayClient({ ...config, merchantPrivateKeyPem: String(stranger) });
    const outTradeNo = tradeNo();
    const err = await rejection(
      forger.createJsapiPrepay({
        outTradeNo,
        description: 'x',
        amountFen: 1,
        payerOpenid: 'o_payer',
        notifyUrl: receiver.url,
        timeExpire: new Date(Date.now() + 60_000),
      }),
    );
    assert.equal(err.code, 'SIGN_ERROR');
    assert.equal(err.httpStatus, 401);
    assert.equal(err.retryable, false);
    assert.equal(server.payRequests.at(-1)?.signatureValid, false);
    assert.equal(server.orders.has(outTradeNo), false);
  });

  test('an answer whose body was altered after signing is rejected', async () => {
    server.tamperNextPayResponse();
    const err = await rejection(prepay(tradeNo()));
    assert.equal(err.code, 'PAYMENT_SIGNATURE_INVALID');
    assert.equal(err.retryable, false);
  });

  test('an answer signed under another platform key id or by another key is rejected', async () => {
    const wrongId = createWechatPayClient({ ...config, platformPublicKeyId: 'PUB_KEY_ID_0000' });
    assert.equal((await rejection(wrongId.queryOrderByOutTradeNo('nonexistent01'))).httpStatus, 404);
    const outTradeNo = tradeNo();
    await prepay(outTradeNo);
    assert.equal(
      (await rejection(wrongId.queryOrderByOutTradeNo(outTradeNo))).code,
      'PAYMENT_SIGNATURE_INVALID',
    );

    const otherKey = generateWechatPayTestKeys();
    const wrongKey = createWechatPayClient({
      ...config,
      platformPublicKeyPem: otherKey.platformPublicKeyPem,
    });
    assert.equal(
      (await rejection(wrongKey.queryOrderByOutTradeNo(outTradeNo))).code,
      'PAYMENT_SIGNATURE_INVALID',
    );
  });

  test('requestPayment parameters carry a paySign the merchant public key verifies', async () => {
    const prepayId = await prepay(tradeNo());
    const params = client.buildRequestPaymentParams(prepayId);
    assert.equal(params.package, `prepay_id=${prepayId}`);
    assert.equal(params.signType, 'RSA');
    assert.match(params.timeStamp, /^\d{10}$/);
    assert.match(params.nonceStr, /^[A-Za-z0-9]{32}$/);
    const signed = `${keys.appId}\n${params.timeStamp}\n${params.nonceStr}\n${params.package}\n`;
    const merchantPublic = createPublicKey(keys.merchantPublicKeyPem);
    assert.equal(
      verify('sha256', Buffer.from(signed), merchantPublic, Buffer.from(params.paySign, 'base64')),
      true,
    );
    const otherAppSigned = `wxother\n${params.timeStamp}\n${params.nonceStr}\n${params.package}\n`;
    assert.equal(
      verify('sha256', Buffer.from(otherAppSigned), merchantPublic, Buffer.from(params.paySign, 'base64')),
      false,
    );
  });

  test('paying delivers a signed, encrypted TRANSACTION.SUCCESS the client verifies and decrypts', async () => {
    const outTradeNo = tradeNo();
    await prepay(outTradeNo, 2500);
    const before = receiver.accepted.length;
    const delivery = await server.pay(outTradeNo);
    assert.equal(delivery.status, 204);
    const notification = receiver.accepted[before];
    assert.ok(notification);
    assert.equal(notification.eventType, 'TRANSACTION.SUCCESS');
    assert.equal(notification.kind, 'transaction');
    if (notification.kind !== 'transaction') return;
    const tx = notification.transaction;
    const order = server.orders.get(outTradeNo);
    assert.equal(tx.out_trade_no, outTradeNo);
    assert.equal(tx.transaction_id, order?.transaction_id);
    assert.equal(tx.trade_state, 'SUCCESS');
    assert.equal(tx.amount?.total, 2500);
    assert.equal(tx.amount?.payer_total, 2500);
    assert.equal(tx.payer?.openid, 'o_payer');
    assert.equal(tx.success_time, order?.success_time);

    const queried = await client.queryOrderByOutTradeNo(outTradeNo);
    assert.equal(queried.trade_state, 'SUCCESS');
    assert.equal(queried.transaction_id, tx.transaction_id);
  });

  test('a redelivered notification verifies again with the same id (deduplication is the caller’s)', async () => {
    const outTradeNo = tradeNo();
    await prepay(outTradeNo);
    await server.pay(outTradeNo);
    const n = server.buildNotification({
      id: 'EV-replayed-1',
      eventType: 'TRANSACTION.SUCCESS',
      originalType: 'transaction',
      resource: server.transactionResource(outTradeNo),
    });
    const first = client.verifyAndDecryptNotification({
      headers: n.headers,
      rawBody: n.body,
      nowMs: Date.now(),
    });
    const second = client.verifyAndDecryptNotification({
      headers: n.headers,
      rawBody: n.body,
      nowMs: Date.now(),
    });
    assert.equal(first.id, 'EV-replayed-1');
    assert.deepEqual(second, first);
  });

  describe('refused notifications', () => {
    let outTradeNo: string;
    before(async () => {
      outTradeNo = tradeNo();
      await prepay(outTradeNo);
      await server.pay(outTradeNo);
    });

    function attempt(
      overrides: Partial<Parameters<WechatServer['buildNotification']>[0]>,
      change?: (n: { headers: Record<string, string>; body: string }) => void,
      nowMs = Date.now(),
    ): WechatPayError {
      const n = server.buildNotification({
        eventType: 'TRANSACTION.SUCCESS',
        originalType: 'transaction',
        resource: server.transactionResource(outTradeNo),
        ...overrides,
      });
      change?.(n);
      return thrown(() =>
        client.verifyAndDecryptNotification({ headers: n.headers, rawBody: n.body, nowMs }),
      );
    }

    test('signed by a key that is not the platform key: PAYMENT_SIGNATURE_INVALID', () => {
      const forged = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      });
      assert.equal(attempt({ signingKeyPem: String(forged) }).code, 'PAYMENT_SIGNATURE_INVALID');
    });

    test('a body altered after signing: PAYMENT_SIGNATURE_INVALID', () => {
      const err = attempt({}, (n) => {
        n.body = n.body.replace('TRANSACTION.SUCCESS', 'TRANSACTION.SUCCESS ');
      });
      assert.equal(err.code, 'PAYMENT_SIGNATURE_INVALID');
    });

    test('an unknown Wechatpay-Serial: PAYMENT_SIGNATURE_INVALID', () => {
      assert.equal(attempt({ serial: 'PUB_KEY_ID_UNKNOWN' }).code, 'PAYMENT_SIGNATURE_INVALID');
    });

    test('missing signature headers: PAYMENT_SIGNATURE_INVALID', () => {
      const err = attempt({}, (n) => {
        delete n.headers['Wechatpay-Signature'];
      });
      assert.equal(err.code, 'PAYMENT_SIGNATURE_INVALID');
    });

    test('a WECHATPAY/SIGNTEST/ probe: PAYMENT_SIGNATURE_INVALID', () => {
      const err = attempt({ signature: 'WECHATPAY/SIGNTEST/aGVsbG8gd29ybGQ=' });
      assert.equal(err.code, 'PAYMENT_SIGNATURE_INVALID');
    });

    test('signed more than 5 minutes ago or ahead: PAYMENT_TIMESTAMP_STALE', () => {
      const nowSec = Math.floor(Date.now() / 1000);
      assert.equal(attempt({ timestampSec: nowSec - 301 }).code, 'PAYMENT_TIMESTAMP_STALE');
      assert.equal(attempt({ timestampSec: nowSec + 301 }).code, 'PAYMENT_TIMESTAMP_STALE');
      // A genuine notification checked against a clock 6 minutes later is stale too.
      assert.equal(attempt({}, undefined, Date.now() + 6 * 60_000).code, 'PAYMENT_TIMESTAMP_STALE');
    });

    test('a correctly signed body whose ciphertext was tampered: PAYMENT_NOTIFICATION_MALFORMED', () => {
      assert.equal(attempt({ tamperCiphertext: true }).code, 'PAYMENT_NOTIFICATION_MALFORMED');
    });

    test('a signed body that is not a notification: PAYMENT_NOTIFICATION_MALFORMED', () => {
      const body = '{"hello":"world"}';
      const ts = String(Math.floor(Date.now() / 1000));
      const nonce = 'n0nce';
      const signature = sign('sha256', Buffer.from(`${ts}\n${nonce}\n${body}\n`), keys.platformPrivateKeyPem);
      const headers = {
        'wechatpay-timestamp': ts,
        'wechatpay-nonce': nonce,
        'wechatpay-serial': keys.platformPublicKeyId,
        'wechatpay-signature': signature.toString('base64'),
      };
      const err = thrown(() =>
        client.verifyAndDecryptNotification({ headers, rawBody: body, nowMs: Date.now() }),
      );
      assert.equal(err.code, 'PAYMENT_NOTIFICATION_MALFORMED');
    });

    test('the notify endpoint refuses a forged delivery and accepts nothing from it', async () => {
      const before = receiver.accepted.length;
      const n = server.buildNotification({
        eventType: 'TRANSACTION.SUCCESS',
        originalType: 'transaction',
        resource: server.transactionResource(outTradeNo),
        serial: 'PUB_KEY_ID_UNKNOWN',
      });
      const res = await fetch(receiver.url, { method: 'POST', headers: n.headers, body: n.body });
      await res.text();
      assert.equal(res.status, 400);
      assert.equal(receiver.refused.at(-1), 'PAYMENT_SIGNATURE_INVALID');
      assert.equal(receiver.accepted.length, before);
    });
  });

  test('closing an unpaid order: 204, recorded, queried CLOSED, prepay refused after', async () => {
    const outTradeNo = tradeNo();
    await prepay(outTradeNo);
    await client.closeOrder(outTradeNo);
    assert.deepEqual(server.closes.at(-1), outTradeNo);
    assert.equal((await client.queryOrderByOutTradeNo(outTradeNo)).trade_state, 'CLOSED');
    const err = await rejection(prepay(outTradeNo));
    assert.equal(err.code, 'ORDER_CLOSED');
    assert.equal(err.retryable, false);
  });

  test('querying an unknown order keeps WeChat Pay’s ORDER_NOT_EXIST', async () => {
    const err = await rejection(client.queryOrderByOutTradeNo('nonexistent02'));
    assert.equal(err.code, 'ORDER_NOT_EXIST');
    assert.equal(err.httpStatus, 404);
    assert.equal(err.retryable, false);
  });

  test('refunds: idempotent by out_refund_no, over-refund refused, queried, REFUND.SUCCESS notified', async () => {
    const outTradeNo = tradeNo();
    await prepay(outTradeNo, 100);
    await server.pay(outTradeNo);
    const input = {
      outTradeNo,
      outRefundNo: `rfd_${outTradeNo}_1`,
      refundFen: 30,
      totalFen: 100,
      reason: '拼团失败',
      notifyUrl: receiver.url,
    };
    const first = await client.createRefund(input);
    assert.equal(first.status, 'PROCESSING');
    assert.equal(first.amount.refund, 30);
    assert.equal(first.out_trade_no, outTradeNo);

    const again = await client.createRefund(input);
    assert.equal(again.refund_id, first.refund_id);
    const forOrder = [...server.refunds.values()].filter((r) => r.out_trade_no === outTradeNo);
    assert.equal(forOrder.length, 1);

    const over = await rejection(
      client.createRefund({ ...input, outRefundNo: `rfd_${outTradeNo}_2`, refundFen: 71 }),
    );
    assert.equal(over.code, 'INVALID_REQUEST');
    assert.equal(over.httpStatus, 400);
    assert.equal(over.retryable, false);
    assert.equal(server.refunds.has(`rfd_${outTradeNo}_2`), false);

    const rest = await client.createRefund({ ...input, outRefundNo: `rfd_${outTradeNo}_3`, refundFen: 70 });
    assert.equal(rest.amount.refund, 70);

    const before = receiver.accepted.length;
    assert.equal((await server.settleRefund(first.out_refund_no)).status, 204);
    const queried = await client.queryRefund(first.out_refund_no);
    assert.equal(queried.status, 'SUCCESS');
    assert.equal(queried.refund_id, first.refund_id);

    const notification = receiver.accepted[before];
    assert.ok(notification);
    assert.equal(notification.eventType, 'REFUND.SUCCESS');
    assert.equal(notification.kind, 'refund');
    if (notification.kind !== 'refund') return;
    assert.equal(notification.refund.out_refund_no, first.out_refund_no);
    assert.equal(notification.refund.refund_status, 'SUCCESS');
    assert.equal(notification.refund.amount.refund, 30);

    assert.equal((await rejection(client.queryRefund('rfd_unknown'))).code, 'RESOURCE_NOT_EXISTS');
  });

  test('a genuine notification for another merchant or another app is refused (item 10)', async () => {
    const outTradeNo = tradeNo();
    await prepay(outTradeNo, 100);
    await server.pay(outTradeNo, { notify: false });
    const genuine = server.transactionResource(outTradeNo);
    for (const resource of [
      { ...genuine, mchid: '1900000999' },
      { ...genuine, appid: 'wx_another_app' },
    ]) {
      const n = server.buildNotification({
        eventType: 'TRANSACTION.SUCCESS',
        originalType: 'transaction',
        resource,
      });
      const err = thrown(() =>
        client.verifyAndDecryptNotification({ headers: n.headers, rawBody: n.body, nowMs: Date.now() }),
      );
      assert.equal(err.code, 'PAYMENT_NOTIFICATION_MALFORMED');
    }
    // The same notification with our own ids is accepted.
    const ours = server.buildNotification({
      eventType: 'TRANSACTION.SUCCESS',
      originalType: 'transaction',
      resource: genuine,
    });
    const ok = client.verifyAndDecryptNotification({
      headers: ours.headers,
      rawBody: ours.body,
      nowMs: Date.now(),
    });
    assert.equal(ok.kind, 'transaction');
  });

  test('a refund still processing is queried on the next sweep, never requested again (item 10)', async () => {
    const provider = createWechatPayProvider(
      loadConfig({
        PAYMENT_PROVIDER: 'wechat',
        SERVICES: 'payments',
        WECHAT_APP_ID: keys.appId,
        WECHATPAY_API_BASE: server.url,
        WECHATPAY_MCH_ID: keys.mchId,
        WECHATPAY_MERCHANT_SERIAL_NO: keys.merchantSerialNo,
        WECHATPAY_MERCHANT_PRIVATE_KEY: keys.merchantPrivateKeyPem,
        WECHATPAY_API_V3_KEY: keys.apiV3Key,
        WECHATPAY_PLATFORM_PUBLIC_KEY: keys.platformPublicKeyPem,
        WECHATPAY_PLATFORM_PUBLIC_KEY_ID: keys.platformPublicKeyId,
        WECHATPAY_NOTIFY_URL: receiver.url,
      }),
    );
    const outTradeNo = tradeNo();
    await prepay(outTradeNo, 100);
    await server.pay(outTradeNo);
    const input = {
      orderId: outTradeNo,
      outRefundNo: `rfd_${outTradeNo}`,
      refundFen: 100,
      totalFen: 100,
      reason: 'r',
    };
    const requests = () =>
      server.payRequests
        .filter((r) => r.url.includes(input.outRefundNo) || r.body.includes(input.outRefundNo))
        .map((r) => `${r.method} ${r.url.includes(input.outRefundNo) ? 'query' : 'create'}`);
    assert.deepEqual(await provider.refund(input), { status: 'processing' });
    assert.deepEqual(await provider.refund(input, { requested: true }), { status: 'processing' });
    await server.settleRefund(input.outRefundNo);
    assert.deepEqual(await provider.refund(input, { requested: true }), { status: 'succeeded' });
    assert.deepEqual(requests(), ['POST create', 'GET query', 'GET query']);
  });

  test('WeChat Pay failing at payment is the documented 502 PAYMENT_PROVIDER_ERROR, not an internal error (item 7)', async () => {
    const provider = createWechatPayProvider(
      loadConfig({
        PAYMENT_PROVIDER: 'wechat',
        SERVICES: 'payments',
        WECHAT_APP_ID: keys.appId,
        WECHATPAY_API_BASE: server.url,
        WECHATPAY_MCH_ID: keys.mchId,
        WECHATPAY_MERCHANT_SERIAL_NO: keys.merchantSerialNo,
        WECHATPAY_MERCHANT_PRIVATE_KEY: keys.merchantPrivateKeyPem,
        WECHATPAY_API_V3_KEY: keys.apiV3Key,
        WECHATPAY_PLATFORM_PUBLIC_KEY: keys.platformPublicKeyPem,
        WECHATPAY_PLATFORM_PUBLIC_KEY_ID: keys.platformPublicKeyId,
        WECHATPAY_NOTIFY_URL: receiver.url,
      }),
    );
    server.failNextPayRequest(500, 'SYSTEM_ERROR');
    const failed = await provider
      .startPayment({
        orderId: tradeNo(),
        amountFen: 100,
        description: 'x',
        payerOpenid: 'o_payer',
        expiresAt: new Date(Date.now() + 600_000),
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    assert.ok(failed instanceof AppError, `got ${String(failed)}`);
    assert.deepEqual(toErrorBody(failed), {
      status: 502,
      body: {
        error: { code: 'PAYMENT_PROVIDER_ERROR', message: 'The payment provider failed', retryable: true },
      },
    });
  });

  test('WeChat Pay’s 5xx, SYSTEM_ERROR and FREQUENCY_LIMITED are retryable; PARAM_ERROR is not', async () => {
    server.failNextPayRequest(500, 'SYSTEM_ERROR');
    const system = await rejection(prepay(tradeNo()));
    assert.deepEqual([system.code, system.httpStatus, system.retryable], ['SYSTEM_ERROR', 500, true]);

    server.failNextPayRequest(429, 'FREQUENCY_LIMITED');
    const limited = await rejection(prepay(tradeNo()));
    assert.deepEqual([limited.code, limited.httpStatus, limited.retryable], ['FREQUENCY_LIMITED', 429, true]);

    server.failNextPayRequest(400, 'PARAM_ERROR');
    const param = await rejection(prepay(tradeNo()));
    assert.deepEqual([param.code, param.retryable], ['PARAM_ERROR', false]);
  });

  test('an unreachable WeChat Pay is PAYMENT_PROVIDER_UNAVAILABLE and retryable', async () => {
    const gone = await startWechatServer({ appId: keys.appId, appSecret: 'unused', pay: keys });
    await gone.close();
    const offline = createWechatPayClient({ ...config, apiBase: gone.url });
    const err = await rejection(offline.queryOrderByOutTradeNo('nonexistent03'));
    assert.equal(err.code, 'PAYMENT_PROVIDER_UNAVAILABLE');
    assert.equal(err.retryable, true);
  });

  test('a client refuses an APIv3 key that is not 32 bytes', () => {
    assert.throws(() => createWechatPayClient({ ...config, apiV3Key: 'short' }), RangeError);
  });
});
