/**
 * WeChat's 发货信息录入 on the fast layer (every service in this process, real PostgreSQL and Redis, a clock the
 * test moves), against the local WeChat server speaking `stable_token` and `upload_shipping_info`: each shipment
 * is recorded at WeChat exactly once, retried with back-off after WeChat fails (HTTP 500, then errcode -1), with
 * its access token cached across sends and renewed on 40001/42001, and a refusal marked failed with WeChat's
 * errcode on the admin's order until the operator sends it again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { call } from '../../src/broker/bus.ts';
import {
  createWechatShippingClient,
  WechatShippingError,
} from '../../src/integrations/wechat/shipping-client.ts';
import createFulfilmentService from '../../src/modules/fulfilment/fulfilment.service.ts';
import { createBroker } from '../../src/runtime/broker.ts';
import { assertError } from '../gateway/support.ts';
import { addAddress, adminLogin, request } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';
import { generateWechatPayTestKeys, startWechatServer, type WechatServer } from '../support/wechat-server.ts';

const appId = 'wx0000000000test';
const appSecret = 'test-app-secret';

interface ShippingRecord {
  state: 'pending' | 'sent' | 'failed' | 'not_applicable';
  attempts: number;
  lastErrorCode?: string;
  lastErrcode?: number;
  lastError?: string;
  nextAttemptAt?: string;
  sentAt?: string;
}
interface AdminOrder {
  id: string;
  status: string;
  shippingRecord?: ShippingRecord;
}

describe('WeChat shipping records (upload_shipping_info)', () => {
  let wechat: WechatServer;
  let p: InProcessPlatform;
  let admin: string;
  let shopper: string;
  let addressId: string;
  let skuId: string;
  const run = randomUUID().slice(0, 8);
  const openid = `o_ship_${run}`;
  let n = 0;

  before(async () => {
    const keys = generateWechatPayTestKeys();
    wechat = await startWechatServer({ appId, appSecret, pay: keys });
    p = await startInProcess({
      env: {
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
        // The sweeper's own timer never fires during the test: each sweep is called and its outcome asserted.
        SWEEP_INTERVAL_MS: '3600000',
      },
    });
    admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
    const product = await p.api<{ skus: { id: string }[] }>('POST', '/api/admin/products', {
      token: admin,
      body: { title: `西湖龙井 明前特级 ${run}`, skus: [{ name: '250g', priceFen: 1000, stock: 100 }] },
    });
    assert.equal(product.status, 201, JSON.stringify(product.body));
    skuId = product.body.skus[0]!.id;
    const login = await p.api<{ token: string }>('POST', '/api/auth/wechat', {
      body: { code: wechat.issueCode(openid) },
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    shopper = login.body.token;
    addressId = await addAddress(p.gateway, shopper);
  });
  after(async () => {
    await p?.stop();
    await wechat?.close();
  });

  /** A regular order paid through WeChat Pay (the notification delivered as WeChat Pay sends it). */
  async function paidOrder(): Promise<{ id: string; transactionId: string }> {
    const placed = await p.api<{ order: { id: string } }>('POST', '/api/orders', {
      token: shopper,
      body: { items: [{ skuId, quantity: 1 }], addressId, requestId: `ship-${run}-${++n}` },
    });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const id = placed.body.order.id;
    const start = await p.api('POST', `/api/orders/${id}/payment`, { token: shopper, body: {} });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    await wechat.pay(id, { notify: false });
    const note = wechat.buildNotification({
      eventType: 'TRANSACTION.SUCCESS',
      originalType: 'transaction',
      resource: wechat.transactionResource(id),
      // Signed at the platform's time: the test moves its clock ahead of the wall clock.
      timestampSec: Math.floor(p.clock.now() / 1000),
    });
    const notified = await p.api('POST', '/api/payments/wechat/notify', {
      headers: Object.fromEntries(Object.entries(note.headers).map(([k, v]) => [k.toLowerCase(), v])),
      body: note.body,
    });
    assert.equal(notified.status, 204, JSON.stringify(notified.body));
    return { id, transactionId: wechat.orders.get(id)!.transaction_id! };
  }

  const ship = (id: string, body: object) =>
    p.api<AdminOrder>('POST', `/api/admin/orders/${id}/ship`, { token: admin, body });
  const adminOrder = async (id: string) =>
    (await p.api<AdminOrder>('GET', `/api/admin/orders/${id}`, { token: admin })).body;
  const sweep = () => call(p.broker, 'fulfilment.sendShippingRecords', {});
  /** Uploads WeChat answered for this payment, in order: [HTTP status, errcode]. */
  const uploadsOf = (transactionId: string) =>
    wechat.shippingRequests
      .filter(
        (r) =>
          (r.body.order_key as { transaction_id?: string } | undefined)?.transaction_id === transactionId,
      )
      .map((r) => [r.httpStatus, r.errcode]);

  test('one package: pending in the ship transaction, sent once, the token fetched once and cached', async () => {
    const order = await paidOrder();
    const shipped = await ship(order.id, { carrier: 'SF', trackingNo: `SF${run}01` });
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
    assert.deepEqual(shipped.body.shippingRecord, {
      state: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(p.clock.now()).toISOString(),
    });

    assert.deepEqual(await sweep(), { sent: 1, retry: 0, failed: 0 });
    const record = wechat.shippingRecords.get(order.transactionId);
    assert.ok(record, 'WeChat holds the shipping record');
    assert.deepEqual(
      { ...record, upload_time: undefined },
      {
        order_key: { order_number_type: 2, transaction_id: order.transactionId },
        logistics_type: 1,
        delivery_mode: 1,
        shipping_list: [
          {
            tracking_no: `SF${run}01`,
            express_company: 'SF',
            item_desc: `西湖龙井 明前特级 ${run}`,
            contact: { receiver_contact: '138****8000' },
          },
        ],
        payer: { openid },
        upload_time: undefined,
      },
    );
    assert.match(String(record.upload_time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    assert.deepEqual((await adminOrder(order.id)).shippingRecord, {
      state: 'sent',
      attempts: 1,
      sentAt: new Date(p.clock.now()).toISOString(),
    });

    // More sweeps, and a later shipment, send nothing again for it; the token is reused, not fetched again.
    p.clock.advance(3600_000);
    assert.deepEqual(await sweep(), { sent: 0, retry: 0, failed: 0 });
    const second = await paidOrder();
    assert.equal((await ship(second.id, { carrier: 'YTO', trackingNo: `YT${run}01` })).status, 200);
    assert.deepEqual(await sweep(), { sent: 1, retry: 0, failed: 0 });
    assert.deepEqual(uploadsOf(order.transactionId), [[200, 0]]);
    assert.deepEqual(uploadsOf(second.transactionId), [[200, 0]]);
    assert.deepEqual(
      wechat.tokenRequests.map((t) => t.forceRefresh),
      [false],
      'one stable_token call for both shipments',
    );
  });

  test('a split shipment is SPLIT_DELIVERY with every package and is_all_delivered', async () => {
    const order = await paidOrder();
    const shipped = await ship(order.id, {
      carrier: 'ZTO',
      trackingNo: `ZT${run}01`,
      morePackages: [{ carrier: 'YTO', trackingNo: `YT${run}02` }],
    });
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
    assert.deepEqual(await sweep(), { sent: 1, retry: 0, failed: 0 });
    const record = wechat.shippingRecords.get(order.transactionId)!;
    assert.equal(record.delivery_mode, 2);
    assert.equal(record.is_all_delivered, true);
    assert.deepEqual(
      (record.shipping_list as { tracking_no: string; express_company: string }[]).map((s) => [
        s.express_company,
        s.tracking_no,
      ]),
      [
        ['ZTO', `ZT${run}01`],
        ['YTO', `YT${run}02`],
      ],
    );
    assert.deepEqual(uploadsOf(order.transactionId), [[200, 0]]);
  });

  test('WeChat failing (HTTP 500, then errcode -1) is retried with back-off until it takes the record', async () => {
    const order = await paidOrder();
    assert.equal((await ship(order.id, { carrier: 'SF', trackingNo: `SF${run}03` })).status, 200);
    wechat.failNextShipping({ status: 500 }, { errcode: -1, errmsg: 'system error' });

    const t0 = p.clock.now();
    assert.deepEqual(await sweep(), { sent: 0, retry: 1, failed: 0 });
    let view = (await adminOrder(order.id)).shippingRecord!;
    assert.equal(view.state, 'pending');
    assert.equal(view.attempts, 1);
    assert.equal(view.lastErrorCode, 'WECHAT_SHIPPING_UNAVAILABLE');
    assert.equal(view.lastErrcode, undefined);
    assert.equal(view.nextAttemptAt, new Date(t0 + 15_000).toISOString());

    // Not due yet: nothing is sent.
    p.clock.advance(14_000);
    assert.deepEqual(await sweep(), { sent: 0, retry: 0, failed: 0 });
    p.clock.advance(1_000);
    assert.deepEqual(await sweep(), { sent: 0, retry: 1, failed: 0 });
    view = (await adminOrder(order.id)).shippingRecord!;
    assert.deepEqual(
      [view.state, view.attempts, view.lastErrorCode, view.lastErrcode],
      ['pending', 2, 'WECHAT_SHIPPING_UNAVAILABLE', -1],
    );
    assert.equal(view.nextAttemptAt, new Date(p.clock.now() + 30_000).toISOString());

    p.clock.advance(30_000);
    assert.deepEqual(await sweep(), { sent: 1, retry: 0, failed: 0 });
    view = (await adminOrder(order.id)).shippingRecord!;
    assert.equal(view.state, 'sent');
    assert.equal(view.attempts, 3);
    assert.deepEqual(uploadsOf(order.transactionId), [
      [500, 0],
      [200, -1],
      [200, 0],
    ]);
  });

  test('an access token WeChat no longer takes (40001, 42001) is renewed with force_refresh and the upload sent again', async () => {
    for (const [fault, errcode] of [
      [() => wechat.revokeAccessTokens(), 40001],
      [() => wechat.expireAccessTokens(), 42001],
    ] as const) {
      const order = await paidOrder();
      assert.equal((await ship(order.id, { carrier: 'JD', trackingNo: `JD${run}${errcode}` })).status, 200);
      fault();
      const tokensBefore = wechat.tokenRequests.length;
      assert.deepEqual(await sweep(), { sent: 1, retry: 0, failed: 0 });
      assert.deepEqual(uploadsOf(order.transactionId), [
        [200, errcode],
        [200, 0],
      ]);
      assert.deepEqual(
        wechat.tokenRequests.slice(tokensBefore).map((t) => t.forceRefresh),
        [true],
      );
      assert.equal((await adminOrder(order.id)).shippingRecord?.state, 'sent');
    }
  });

  test('a refusal (errcode 43101) is failed with its code on the order, never resent, until the operator retries it', async () => {
    const order = await paidOrder();
    assert.equal((await ship(order.id, { carrier: 'SF', trackingNo: `SF${run}04` })).status, 200);
    wechat.failNextShipping({ errcode: 43101, errmsg: 'user refuse to accept the msg' });
    assert.deepEqual(await sweep(), { sent: 0, retry: 0, failed: 1 });
    const failed = (await adminOrder(order.id)).shippingRecord!;
    assert.deepEqual(
      { ...failed, lastError: undefined },
      {
        state: 'failed',
        attempts: 1,
        lastErrorCode: 'WECHAT_SHIPPING_REFUSED',
        lastErrcode: 43101,
        lastError: undefined,
      },
    );
    assert.match(failed.lastError ?? '', /43101/);
    const listed = await p.api<{ items: AdminOrder[] }>('GET', '/api/admin/orders?status=shipped', {
      token: admin,
    });
    assert.equal(listed.body.items.find((o) => o.id === order.id)?.shippingRecord?.lastErrcode, 43101);

    p.clock.advance(24 * 3600_000);
    assert.deepEqual(await sweep(), { sent: 0, retry: 0, failed: 0 });
    assert.deepEqual(uploadsOf(order.transactionId), [[200, 43101]]);

    const retry = () =>
      p.api<ShippingRecord>('POST', `/api/admin/orders/${order.id}/shipping-record/retry`, { token: admin });
    const back = await retry();
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.state, 'pending');
    assertError(
      await retry(),
      409,
      'INVALID_TRANSITION',
      'A shipping record that is pending cannot be retried',
    );
    assert.deepEqual(await sweep(), { sent: 1, retry: 0, failed: 0 });
    assert.equal((await adminOrder(order.id)).shippingRecord?.state, 'sent');
    assertError(await retry(), 409, 'INVALID_TRANSITION', 'A shipping record that is sent cannot be retried');
    const audit = await p.deployment.sql.query(
      `select count(*)::int as n from audit_log where action = 'order.shipping_record.retry' and object_id = $1`,
      [order.id],
    );
    assert.equal(audit.rows[0].n, 1);
  });

  test('two processes sweeping at once send each record once (claimed with SKIP LOCKED)', async () => {
    // A second fulfilment service on a broker of its own, as a second process would run it, on the same database.
    const other = createBroker(p.rt.config, `second-${run}`);
    other.createService(createFulfilmentService(p.rt));
    await other.start();
    try {
      const orders = [];
      for (let i = 0; i < 6; i++) {
        const order = await paidOrder();
        assert.equal((await ship(order.id, { carrier: 'ZTO', trackingNo: `ZT${run}1${i}` })).status, 200);
        orders.push(order);
      }
      const both = await Promise.all([sweep(), call(other, 'fulfilment.sendShippingRecords', {})]);
      assert.equal(both[0].sent + both[1].sent, 6);
      for (const o of orders) {
        assert.deepEqual(uploadsOf(o.transactionId), [[200, 0]]);
        assert.equal((await adminOrder(o.id)).shippingRecord?.attempts, 1);
      }
    } finally {
      await other.stop();
    }
  });

  test('the gauges count the records by state', async () => {
    await sweep();
    const { text } = await request(p.gateway, 'GET', '/metrics');
    const counts = await p.deployment.sql.query<{ state: string; n: number }>(
      'select state, count(*)::int as n from shipping_records group by state',
    );
    assert.ok(counts.rows.length > 0);
    for (const { state, n: count } of counts.rows) {
      assert.ok(text.includes(`tm_wechat_shipping_records{state="${state}"} ${count}`), `${state} ${count}`);
    }
    assert.ok(text.includes('tm_wechat_shipping_oldest_pending_seconds 0'));
  });

  test('concurrent uploads share one stable_token request; an upload WeChat already holds counts as recorded', async () => {
    // A fresh client (a new process): its first uploads, all at once, fetch one token between them.
    const client = createWechatShippingClient({ apiBase: wechat.url, appId, appSecret });
    const held = [...wechat.shippingRecords.entries()].slice(0, 3);
    assert.equal(held.length, 3);
    const infos = held.map(([, body]) => {
      const { upload_time: _at, ...info } = body;
      return info as unknown as Parameters<typeof client.uploadShippingInfo>[0];
    });
    const tokensBefore = wechat.tokenRequests.length;
    // Each payment's second upload is WeChat's one re-upload (重新发货); the third is answered 10060003.
    await Promise.all(infos.map((info) => client.uploadShippingInfo(info, new Date())));
    assert.equal(wechat.tokenRequests.length - tokensBefore, 1, 'one stable_token call for three uploads');
    await client.uploadShippingInfo(infos[0]!, new Date());
    assert.equal(wechat.shippingRequests.at(-1)?.errcode, 10060003);
    assert.equal(wechat.tokenRequests.length - tokensBefore, 1);
  });

  test('a wrong app secret is WECHAT_TOKEN_REFUSED, which retrying will not mend', async () => {
    const client = createWechatShippingClient({ apiBase: wechat.url, appId, appSecret: 'not-the-secret' });
    const err = await client
      .uploadShippingInfo(
        {
          order_key: { order_number_type: 2, transaction_id: '4200000000' },
          logistics_type: 1,
          delivery_mode: 1,
          shipping_list: [{ tracking_no: 'SF0001', express_company: 'SF', item_desc: '茶' }],
          payer: { openid },
        },
        new Date(),
      )
      .then(
        () => assert.fail('resolved'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof WechatShippingError);
    assert.deepEqual([err.code, err.errcode, err.retryable], ['WECHAT_TOKEN_REFUSED', 40125, false]);
  });
});
