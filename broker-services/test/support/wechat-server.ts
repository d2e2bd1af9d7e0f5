/**
 * A local stand-in for WeChat's login API, its 发货信息录入 (`stable_token`, `upload_shipping_info`) and WeChat
 * Pay API v3, speaking their real wire protocols on 127.0.0.1 (port 0). It verifies every merchant request signature with the merchant public key, signs every
 * answer and notification with the platform private key, and encrypts notification resources with the
 * APIv3 key. Its crypto is written here on node:crypto on purpose, independently of the client under test,
 * so that a mistake in the client's message layout cannot be mirrored and hidden.
 */
import {
  createCipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  verify,
} from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Merchant and platform key material of one test run; nothing here is ever a real key. */
export interface WechatPayTestKeys {
  mchId: string;
  appId: string;
  merchantSerialNo: string;
  merchantPrivateKeyPem: string;
  merchantPublicKeyPem: string;
  platformPublicKeyId: string;
  platformPrivateKeyPem: string;
  platformPublicKeyPem: string;
  /** 32 ASCII characters, used as 32 key bytes. */
  apiV3Key: string;
}

function rsaPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** Fresh RSA-2048 merchant and platform key pairs, their serial/id, and a random APIv3 key. */
export function generateWechatPayTestKeys(): WechatPayTestKeys {
  const merchant = rsaPair();
  const platform = rsaPair();
  return {
    mchId: '1900000109',
    appId: 'wx0000000000test',
    merchantSerialNo: randomBytes(20).toString('hex').toUpperCase(),
    merchantPrivateKeyPem: merchant.privateKeyPem,
    merchantPublicKeyPem: merchant.publicKeyPem,
    platformPublicKeyId: `PUB_KEY_ID_${randomBytes(16).toString('hex').toUpperCase()}`,
    platformPrivateKeyPem: platform.privateKeyPem,
    platformPublicKeyPem: platform.publicKeyPem,
    apiV3Key: randomBytes(24).toString('base64url'),
  };
}

export interface WechatServerOptions {
  /** The mini-program's app id and secret `code2session` accepts. */
  appId: string;
  appSecret: string;
  pay: WechatPayTestKeys;
}

/** An order as the fake WeChat Pay holds it. */
export interface FakeOrder {
  appid: string;
  mchid: string;
  description: string;
  out_trade_no: string;
  time_expire: string;
  notify_url: string;
  total: number;
  openid: string;
  prepay_id: string;
  trade_state: 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';
  transaction_id?: string;
  success_time?: string;
}

/** A refund as the fake WeChat Pay holds it. */
export interface FakeRefund {
  refund_id: string;
  out_refund_no: string;
  out_trade_no: string;
  transaction_id: string;
  reason: string;
  notify_url: string;
  refund: number;
  total: number;
  status: 'PROCESSING' | 'SUCCESS';
  create_time: string;
  success_time?: string;
}

/** One WeChat Pay request as received, and whether its merchant signature verified. */
export interface RecordedPayRequest {
  method: string;
  url: string;
  body: string;
  signatureValid: boolean;
}

export interface NotificationOptions {
  eventType: string;
  originalType: 'transaction' | 'refund';
  /** The plaintext resource; it is encrypted with the APIv3 key. */
  resource: Record<string, unknown>;
  id?: string;
  /** Seconds; default now. */
  timestampSec?: number;
  nonce?: string;
  /** Default the platform public key id. */
  serial?: string;
  /** Default the platform private key. */
  signingKeyPem?: string;
  /** Replaces the computed signature outright. */
  signature?: string;
  /** Flips a byte of the ciphertext before the body is signed. */
  tamperCiphertext?: boolean;
}

export type LoginFault = 'rate-limited' | 'busy' | 'http-503' | 'hang' | null;

/** How one `upload_shipping_info` call is made to fail: an HTTP status, or a WeChat errcode with HTTP 200. */
export type ShippingFault = { status: number } | { errcode: number; errmsg?: string };

/** One `stable_token` request as received. */
export interface RecordedTokenRequest {
  forceRefresh: boolean;
  /** The token it was answered with; undefined when refused. */
  token: string | undefined;
}

/** One `upload_shipping_info` request as received, and what it was answered. */
export interface RecordedShippingRequest {
  accessToken: string;
  body: Record<string, unknown>;
  errcode: number;
  httpStatus: number;
}

export interface WechatServer {
  /** `http://127.0.0.1:<port>`: both `apiBase`s point here. */
  url: string;
  /** Registers a fresh one-time login code for this openid. */
  issueCode(openid: string, unionid?: string): string;
  /** Makes every `code2session` answer with this fault until set back to null. */
  setLoginFault(fault: LoginFault): void;
  /** The next WeChat Pay request is answered with this error (after its signature is checked). */
  failNextPayRequest(status: number, code: string, message?: string): void;
  /** The next WeChat Pay answer's body is altered after it was signed. */
  tamperNextPayResponse(): void;
  readonly orders: ReadonlyMap<string, FakeOrder>;
  readonly refunds: ReadonlyMap<string, FakeRefund>;
  /** out_trade_no of each accepted close, in order. */
  readonly closes: readonly string[];
  readonly payRequests: readonly RecordedPayRequest[];
  /** Every `stable_token` request, in order. */
  readonly tokenRequests: readonly RecordedTokenRequest[];
  /** Every `upload_shipping_info` request, in order, failed ones too. */
  readonly shippingRequests: readonly RecordedShippingRequest[];
  /** The accepted shipping record of each payment, by transaction_id (WeChat keeps the latest upload). */
  readonly shippingRecords: ReadonlyMap<string, Record<string, unknown>>;
  /** The next `upload_shipping_info` calls are answered with these faults, one each, in order. */
  failNextShipping(...faults: ShippingFault[]): void;
  /** Every access token issued so far answers 42001 (expired) from now on. */
  expireAccessTokens(): void;
  /** Every access token issued so far answers 40001 (invalid credential) from now on. */
  revokeAccessTokens(): void;
  /**
   * The shopper pays: the order becomes SUCCESS and a signed `TRANSACTION.SUCCESS` is POSTed to notify_url;
   * with `notify: false` the notification is lost on the way (answered as `{ status: 0, body: '' }`).
   */
  pay(outTradeNo: string, opts?: { notify?: boolean }): Promise<{ status: number; body: string }>;
  /** The refund completes: it becomes SUCCESS and a signed `REFUND.SUCCESS` is POSTed to its notify_url. */
  settleRefund(outRefundNo: string): Promise<{ status: number; body: string }>;
  /** The plaintext transaction resource WeChat Pay would notify for this order now. */
  transactionResource(outTradeNo: string): Record<string, unknown>;
  /** The plaintext refund resource WeChat Pay would notify for this refund now. */
  refundResource(outRefundNo: string): Record<string, unknown>;
  /** A notification as WeChat Pay sends it, for tests to deliver, forge, age or replay. */
  buildNotification(opts: NotificationOptions): { headers: Record<string, string>; body: string };
  close(): Promise<void>;
}

class PayError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(obj: Record<string, unknown>, key: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new PayError(400, 'PARAM_ERROR', `${key} is required and must be a string`);
  }
  return value;
}

function int(obj: Record<string, unknown>, key: string): number {
  const value = obj[key];
  if (!Number.isSafeInteger(value) || typeof value !== 'number' || value <= 0) {
    throw new PayError(400, 'PARAM_ERROR', `${key} must be a positive integer`);
  }
  return value;
}

function obj(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = parent[key];
  if (!isRecord(value)) throw new PayError(400, 'PARAM_ERROR', `${key} is required`);
  return value;
}

function beijingTime(ms: number): string {
  return `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

function message(lines: ReadonlyArray<string | Buffer>): Buffer {
  return Buffer.concat(lines.flatMap((l) => [typeof l === 'string' ? Buffer.from(l) : l, Buffer.from('\n')]));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts the fake on 127.0.0.1 with an ephemeral port. */
export async function startWechatServer(opts: WechatServerOptions): Promise<WechatServer> {
  const keys = opts.pay;
  const merchantPublicKey = createPublicKey(keys.merchantPublicKeyPem);
  const platformPrivateKey = createPrivateKey(keys.platformPrivateKeyPem);
  const codes = new Map<string, { openid: string; unionid: string | undefined }>();
  const usedCodes = new Set<string>();
  const orders = new Map<string, FakeOrder>();
  const refunds = new Map<string, FakeRefund>();
  const closes: string[] = [];
  const payRequests: RecordedPayRequest[] = [];
  let loginFault: LoginFault = null;
  let nextFailure: { status: number; code: string; message: string } | undefined;
  let tamperNext = false;
  const tokenRequests: RecordedTokenRequest[] = [];
  const shippingRequests: RecordedShippingRequest[] = [];
  const shippingRecords = new Map<string, Record<string, unknown>>();
  /** Uploads per transaction_id: WeChat takes one upload and one re-upload (重新发货) of each payment. */
  const shippingUploads = new Map<string, number>();
  const shippingFaults: ShippingFault[] = [];
  /** Access tokens and their end; `stable_token` answers the current one until it ends or is forced out. */
  const tokens = new Map<string, { expiresAt: number; state: 'live' | 'expired' | 'revoked' }>();
  let currentToken: string | undefined;

  function nonce(): string {
    return randomBytes(16).toString('hex');
  }

  function signedHeaders(body: string, timestampSec: number, nonceStr: string): Record<string, string> {
    const signature = sign('sha256', message([String(timestampSec), nonceStr, body]), platformPrivateKey);
    return {
      'Wechatpay-Timestamp': String(timestampSec),
      'Wechatpay-Nonce': nonceStr,
      'Wechatpay-Serial': keys.platformPublicKeyId,
      'Wechatpay-Signature': signature.toString('base64'),
    };
  }

  function sendPay(res: ServerResponse, status: number, payload: object | undefined): void {
    let body = payload === undefined ? '' : JSON.stringify(payload);
    const headers: Record<string, string> = {
      ...signedHeaders(body, Math.floor(Date.now() / 1000), nonce()),
      'Request-ID': randomUUID(),
    };
    if (tamperNext) {
      tamperNext = false;
      body = body.length > 0 ? body.replace(/"(\w+)":"/, '"$1":"X') : '{}';
    }
    if (body.length > 0) headers['Content-Type'] = 'application/json';
    res.writeHead(status, headers).end(body);
  }

  /** Verifies `Authorization: WECHATPAY2-SHA256-RSA2048 …` over `METHOD\nURL\ntimestamp\nnonce\nbody\n`. */
  function merchantSignatureValid(req: IncomingMessage, body: Buffer): boolean {
    const auth = req.headers.authorization;
    if (auth === undefined || !auth.startsWith('WECHATPAY2-SHA256-RSA2048 ')) return false;
    const fields = new Map<string, string>();
    for (const m of auth.slice('WECHATPAY2-SHA256-RSA2048 '.length).matchAll(/(\w+)="([^"]*)"/g)) {
      fields.set(m[1]!, m[2]!);
    }
    const { mchid, serial_no, timestamp, nonce_str, signature } = Object.fromEntries(fields);
    if (mchid !== keys.mchId || serial_no !== keys.merchantSerialNo) return false;
    if (!timestamp || !nonce_str || !signature || !/^\d+$/.test(timestamp)) return false;
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
    const signed = message([req.method ?? '', req.url ?? '', timestamp, nonce_str, body]);
    return verify('sha256', signed, merchantPublicKey, Buffer.from(signature, 'base64'));
  }

  function transactionView(order: FakeOrder): Record<string, unknown> {
    const view: Record<string, unknown> = {
      appid: order.appid,
      mchid: order.mchid,
      out_trade_no: order.out_trade_no,
      trade_state: order.trade_state,
      trade_state_desc: order.trade_state === 'NOTPAY' ? '订单未支付' : order.trade_state,
      amount: { total: order.total, currency: 'CNY' },
    };
    if (order.transaction_id !== undefined) {
      Object.assign(view, {
        transaction_id: order.transaction_id,
        trade_type: 'JSAPI',
        bank_type: 'OTHERS',
        attach: '',
        success_time: order.success_time,
        payer: { openid: order.openid },
        amount: { total: order.total, payer_total: order.total, currency: 'CNY', payer_currency: 'CNY' },
      });
    }
    return view;
  }

  function refundView(refund: FakeRefund): Record<string, unknown> {
    return {
      refund_id: refund.refund_id,
      out_refund_no: refund.out_refund_no,
      transaction_id: refund.transaction_id,
      out_trade_no: refund.out_trade_no,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      create_time: refund.create_time,
      ...(refund.success_time === undefined ? {} : { success_time: refund.success_time }),
      status: refund.status,
      funds_account: 'AVAILABLE',
      amount: {
        total: refund.total,
        refund: refund.refund,
        payer_total: refund.total,
        payer_refund: refund.refund,
        settlement_refund: refund.refund,
        settlement_total: refund.total,
        discount_refund: 0,
        currency: 'CNY',
      },
    };
  }

  function parseJson(body: Buffer): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new PayError(400, 'PARAM_ERROR', 'body is not JSON');
    }
    if (!isRecord(parsed)) throw new PayError(400, 'PARAM_ERROR', 'body is not an object');
    return parsed;
  }

  /** Routes one verified WeChat Pay request; answers [status, payload]. */
  function handlePay(method: string, url: URL, body: Buffer): [number, object | undefined] {
    const path = url.pathname;
    if (method === 'POST' && path === '/v3/pay/transactions/jsapi') {
      const input = parseJson(body);
      if (str(input, 'mchid') !== keys.mchId) throw new PayError(400, 'MCH_NOT_EXISTS', 'unknown mchid');
      if (str(input, 'appid') !== keys.appId) throw new PayError(400, 'APPID_MCHID_NOT_MATCH', 'appid');
      const outTradeNo = str(input, 'out_trade_no');
      const timeExpire = str(input, 'time_expire');
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/.test(timeExpire)) {
        throw new PayError(400, 'PARAM_ERROR', 'time_expire is not RFC 3339');
      }
      const amount = obj(input, 'amount');
      const total = int(amount, 'total');
      const openid = str(obj(input, 'payer'), 'openid');
      const existing = orders.get(outTradeNo);
      if (existing !== undefined) {
        if (existing.trade_state === 'CLOSED') throw new PayError(400, 'ORDER_CLOSED', '订单已关闭');
        if (existing.trade_state !== 'NOTPAY' || existing.total !== total || existing.openid !== openid) {
          throw new PayError(403, 'OUT_TRADE_NO_USED', '商户订单号重复');
        }
        return [200, { prepay_id: existing.prepay_id }];
      }
      const order: FakeOrder = {
        appid: keys.appId,
        mchid: keys.mchId,
        description: str(input, 'description'),
        out_trade_no: outTradeNo,
        time_expire: timeExpire,
        notify_url: str(input, 'notify_url'),
        total,
        openid,
        prepay_id: `wx${Date.now()}${randomBytes(8).toString('hex')}`,
        trade_state: 'NOTPAY',
      };
      orders.set(outTradeNo, order);
      return [200, { prepay_id: order.prepay_id }];
    }

    const byTradeNo = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)(\/close)?$/.exec(path);
    if (byTradeNo !== null) {
      const outTradeNo = decodeURIComponent(byTradeNo[1]!);
      const order = orders.get(outTradeNo);
      if (method === 'GET' && byTradeNo[2] === undefined) {
        if (url.searchParams.get('mchid') !== keys.mchId) throw new PayError(400, 'PARAM_ERROR', 'mchid');
        if (order === undefined) throw new PayError(404, 'ORDER_NOT_EXIST', '订单不存在');
        return [200, transactionView(order)];
      }
      if (method === 'POST' && byTradeNo[2] === '/close') {
        if (str(parseJson(body), 'mchid') !== keys.mchId) throw new PayError(400, 'PARAM_ERROR', 'mchid');
        if (order === undefined) throw new PayError(404, 'ORDER_NOT_EXIST', '订单不存在');
        if (order.trade_state === 'SUCCESS' || order.trade_state === 'REFUND') {
          throw new PayError(400, 'ORDERPAID', '订单已支付');
        }
        order.trade_state = 'CLOSED';
        closes.push(outTradeNo);
        return [204, undefined];
      }
    }

    if (method === 'POST' && path === '/v3/refund/domestic/refunds') {
      const input = parseJson(body);
      const outTradeNo = str(input, 'out_trade_no');
      const outRefundNo = str(input, 'out_refund_no');
      const amount = obj(input, 'amount');
      const refundFen = int(amount, 'refund');
      const totalFen = int(amount, 'total');
      const order = orders.get(outTradeNo);
      if (order === undefined) throw new PayError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
      const existing = refunds.get(outRefundNo);
      if (existing !== undefined) {
        // Same out_refund_no, same request: the same refund, never a second one.
        if (existing.out_trade_no !== outTradeNo || existing.refund !== refundFen) {
          throw new PayError(400, 'INVALID_REQUEST', '退款单号已存在且参数不一致');
        }
        return [200, refundView(existing)];
      }
      if (order.trade_state !== 'SUCCESS' && order.trade_state !== 'REFUND') {
        throw new PayError(400, 'INVALID_REQUEST', '订单未支付');
      }
      if (totalFen !== order.total) throw new PayError(400, 'INVALID_REQUEST', '订单金额与原订单不一致');
      let refunded = 0;
      for (const r of refunds.values()) if (r.out_trade_no === outTradeNo) refunded += r.refund;
      if (refunded + refundFen > order.total) {
        throw new PayError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
      }
      const refund: FakeRefund = {
        refund_id: `50${Date.now()}${randomBytes(6).toString('hex')}`,
        out_refund_no: outRefundNo,
        out_trade_no: outTradeNo,
        transaction_id: order.transaction_id!,
        reason: typeof input.reason === 'string' ? input.reason : '',
        notify_url: typeof input.notify_url === 'string' ? input.notify_url : order.notify_url,
        refund: refundFen,
        total: totalFen,
        status: 'PROCESSING',
        create_time: beijingTime(Date.now()),
      };
      refunds.set(outRefundNo, refund);
      order.trade_state = 'REFUND';
      return [200, refundView(refund)];
    }

    const refundQuery = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(path);
    if (method === 'GET' && refundQuery !== null) {
      const refund = refunds.get(decodeURIComponent(refundQuery[1]!));
      if (refund === undefined) throw new PayError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
      return [200, refundView(refund)];
    }
    throw new PayError(404, 'NOT_FOUND', `no route ${method} ${path}`);
  }

  /** The JSON `code2session` answers for this query (WeChat sends errors as HTTP 200, text/plain). */
  function loginAnswer(q: URLSearchParams): object {
    if (loginFault === 'busy') return { errcode: -1, errmsg: 'system error' };
    if (loginFault === 'rate-limited') return { errcode: 45011, errmsg: 'api minute-quota reach limit' };
    if (q.get('appid') !== opts.appId) return { errcode: 40013, errmsg: 'invalid appid' };
    if (q.get('secret') !== opts.appSecret) return { errcode: 40125, errmsg: 'invalid appsecret' };
    if (q.get('grant_type') !== 'authorization_code') return { errcode: 40002, errmsg: 'invalid grant_type' };
    const code = q.get('js_code') ?? '';
    // A code works once; the real API answers a second use with 40163.
    if (usedCodes.has(code)) return { errcode: 40163, errmsg: 'code been used' };
    const session = codes.get(code);
    if (session === undefined) return { errcode: 40029, errmsg: 'invalid code' };
    codes.delete(code);
    usedCodes.add(code);
    return {
      openid: session.openid,
      session_key: randomBytes(16).toString('base64'),
      ...(session.unionid === undefined ? {} : { unionid: session.unionid }),
    };
  }

  function handleLogin(url: URL, res: ServerResponse): void {
    if (loginFault === 'hang') return;
    if (loginFault === 'http-503') {
      res.writeHead(503).end('Service Unavailable');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(JSON.stringify(loginAnswer(url.searchParams)));
  }

  function sendJson(res: ServerResponse, status: number, payload: object): void {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(payload));
  }

  function jsonBody(body: Buffer): Record<string, unknown> | undefined {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      return isRecord(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  /** `POST /cgi-bin/stable_token`: the current token while it lives; `force_refresh` issues a new one. */
  function stableTokenAnswer(body: Buffer): object {
    const input = jsonBody(body) ?? {};
    const forceRefresh = input.force_refresh === true;
    const refusal =
      input.grant_type !== 'client_credential'
        ? { errcode: 40002, errmsg: 'invalid grant_type' }
        : input.appid !== opts.appId
          ? { errcode: 40013, errmsg: 'invalid appid' }
          : input.secret !== opts.appSecret
            ? { errcode: 40125, errmsg: 'invalid appsecret' }
            : undefined;
    if (refusal) {
      tokenRequests.push({ forceRefresh, token: undefined });
      return refusal;
    }
    const live = currentToken === undefined ? undefined : tokens.get(currentToken);
    if (forceRefresh || live === undefined || live.state !== 'live' || live.expiresAt <= Date.now()) {
      currentToken = randomBytes(24).toString('base64url');
      tokens.set(currentToken, { expiresAt: Date.now() + 7200_000, state: 'live' });
    }
    const token = currentToken!;
    tokenRequests.push({ forceRefresh, token });
    return {
      access_token: token,
      expires_in: Math.floor((tokens.get(token)!.expiresAt - Date.now()) / 1000),
    };
  }

  /** Checks one `upload_shipping_info` body as WeChat documents it; answers [errcode, errmsg] (0: accepted). */
  function checkShipping(input: Record<string, unknown>): [number, string] {
    const key = input.order_key;
    if (!isRecord(key)) return [10060014, 'order_key is required'];
    let transactionId: string | undefined;
    if (key.order_number_type === 2 && typeof key.transaction_id === 'string') {
      transactionId = key.transaction_id;
    } else if (
      key.order_number_type === 1 &&
      key.mchid === keys.mchId &&
      typeof key.out_trade_no === 'string'
    ) {
      transactionId = orders.get(key.out_trade_no)?.transaction_id;
    } else {
      return [10060014, 'order_key is not valid'];
    }
    const paid = [...orders.values()].find(
      (o) => o.transaction_id !== undefined && o.transaction_id === transactionId,
    );
    if (transactionId === undefined || paid === undefined) return [10060001, '支付单不存在'];
    if (paid.trade_state !== 'SUCCESS') return [10060004, '支付单处于不可发货的状态'];
    if (input.logistics_type !== 1) return [10060005, '物流类型有误'];
    const list = input.shipping_list;
    if (!Array.isArray(list) || list.length === 0 || list.length > 15) return [10060014, 'shipping_list'];
    if (input.delivery_mode === 1) {
      if (list.length !== 1) return [10060014, '统一发货模式下只能填写一个物流信息'];
    } else if (input.delivery_mode === 2) {
      if (typeof input.is_all_delivered !== 'boolean')
        return [10060007, '分拆发货模式下必须填写is_all_delivered字段'];
    } else {
      return [10060014, 'delivery_mode is not valid'];
    }
    for (const p of list) {
      if (!isRecord(p) || typeof p.tracking_no !== 'string' || p.tracking_no.length === 0) {
        return [10060014, 'tracking_no is required'];
      }
      if (typeof p.express_company !== 'string' || p.express_company.length === 0) {
        return [10060014, 'express_company is required'];
      }
      if (typeof p.item_desc !== 'string' || p.item_desc.length === 0)
        return [10060008, '商品描述item_desc字段不能为空'];
      if (p.item_desc.length > 120) return [10060009, '商品描述字段item_desc过长'];
      const contact = isRecord(p.contact) ? p.contact : {};
      const masked = [contact.consignor_contact, contact.receiver_contact].filter((c) => c !== undefined);
      if (masked.some((c) => typeof c !== 'string' || !/^\d{3}\*{4}\d{4}$/.test(c))) {
        return [10060014, 'contact must be masked with its last four digits in clear'];
      }
      if (p.express_company === 'SF' && masked.length === 0) return [10060014, '顺丰快递必须填写联系方式'];
    }
    const uploadTime = input.upload_time;
    if (
      typeof uploadTime !== 'string' ||
      !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(uploadTime)
    ) {
      return [10060014, 'upload_time is not RFC 3339'];
    }
    const payer = input.payer;
    if (!isRecord(payer) || payer.openid !== paid.openid) return [10060014, 'payer openid does not match'];
    const uploads = shippingUploads.get(transactionId) ?? 0;
    if (uploads >= 2) return [10060003, '支付单已使用重新发货机会'];
    shippingUploads.set(transactionId, uploads + 1);
    shippingRecords.set(transactionId, input);
    return [0, 'ok'];
  }

  /** `POST /wxa/sec/order/upload_shipping_info?access_token=…`: [HTTP status, errcode, errmsg], recorded. */
  function uploadShippingAnswer(url: URL, body: Buffer): [number, number, string] {
    const accessToken = url.searchParams.get('access_token') ?? '';
    const input = jsonBody(body) ?? {};
    const token = tokens.get(accessToken);
    const fault =
      token?.state === 'live' && token.expiresAt > Date.now() ? shippingFaults.shift() : undefined;
    const [httpStatus, errcode, errmsg]: [number, number, string] =
      token === undefined || token.state === 'revoked'
        ? [200, 40001, 'invalid credential']
        : token.state === 'expired' || token.expiresAt <= Date.now()
          ? [200, 42001, 'access_token expired']
          : fault !== undefined
            ? 'status' in fault
              ? [fault.status, 0, '']
              : [200, fault.errcode, fault.errmsg ?? 'fault']
            : [200, ...checkShipping(input)];
    shippingRequests.push({ accessToken, body: input, errcode, httpStatus });
    return [httpStatus, errcode, errmsg];
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req);
      if (req.method === 'GET' && url.pathname === '/sns/jscode2session') return handleLogin(url, res);
      if (req.method === 'POST' && url.pathname === '/cgi-bin/stable_token') {
        return sendJson(res, 200, stableTokenAnswer(body));
      }
      if (req.method === 'POST' && url.pathname === '/wxa/sec/order/upload_shipping_info') {
        const [status, errcode, errmsg] = uploadShippingAnswer(url, body);
        if (status !== 200) return void res.writeHead(status).end('Internal Server Error');
        return sendJson(res, 200, { errcode, errmsg });
      }
      if (!url.pathname.startsWith('/v3/')) {
        res.writeHead(404).end();
        return;
      }
      const signatureValid = merchantSignatureValid(req, body);
      payRequests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body: body.toString('utf8'),
        signatureValid,
      });
      if (!signatureValid) {
        return sendPay(res, 401, { code: 'SIGN_ERROR', message: '签名错误' });
      }
      if (nextFailure !== undefined) {
        const failure = nextFailure;
        nextFailure = undefined;
        return sendPay(res, failure.status, { code: failure.code, message: failure.message });
      }
      try {
        const [status, payload] = handlePay(req.method ?? '', url, body);
        sendPay(res, status, payload);
      } catch (err) {
        if (!(err instanceof PayError)) throw err;
        sendPay(res, err.status, { code: err.code, message: err.message });
      }
    })().catch((err: unknown) => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: 'SYSTEM_ERROR', message: String(err) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function buildNotification(n: NotificationOptions): { headers: Record<string, string>; body: string } {
    const gcmNonce = randomBytes(6).toString('hex');
    const associatedData = n.originalType;
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(keys.apiV3Key, 'utf8'), Buffer.from(gcmNonce));
    cipher.setAAD(Buffer.from(associatedData));
    const sealed = Buffer.concat([
      cipher.update(JSON.stringify(n.resource), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    if (n.tamperCiphertext === true) sealed[0] = sealed[0]! ^ 0xff;
    const body = JSON.stringify({
      id: n.id ?? randomUUID(),
      create_time: beijingTime(Date.now()),
      resource_type: 'encrypt-resource',
      event_type: n.eventType,
      summary: n.originalType === 'transaction' ? '支付成功' : '退款状态变更',
      resource: {
        original_type: n.originalType,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: sealed.toString('base64'),
        associated_data: associatedData,
        nonce: gcmNonce,
      },
    });
    const timestampSec = n.timestampSec ?? Math.floor(Date.now() / 1000);
    const nonceStr = n.nonce ?? nonce();
    const key = n.signingKeyPem === undefined ? platformPrivateKey : createPrivateKey(n.signingKeyPem);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Wechatpay-Timestamp': String(timestampSec),
      'Wechatpay-Nonce': nonceStr,
      'Wechatpay-Serial': n.serial ?? keys.platformPublicKeyId,
      'Wechatpay-Signature':
        n.signature ??
        sign('sha256', message([String(timestampSec), nonceStr, body]), key).toString('base64'),
    };
    return { headers, body };
  }

  async function deliver(
    notifyUrl: string,
    n: NotificationOptions,
  ): Promise<{ status: number; body: string }> {
    const { headers, body } = buildNotification(n);
    const res = await fetch(notifyUrl, { method: 'POST', headers, body });
    return { status: res.status, body: await res.text() };
  }

  function orderOf(outTradeNo: string): FakeOrder {
    const order = orders.get(outTradeNo);
    if (order === undefined) throw new Error(`fake WeChat Pay has no order ${outTradeNo}`);
    return order;
  }

  function refundOf(outRefundNo: string): FakeRefund {
    const refund = refunds.get(outRefundNo);
    if (refund === undefined) throw new Error(`fake WeChat Pay has no refund ${outRefundNo}`);
    return refund;
  }

  function refundResource(outRefundNo: string): Record<string, unknown> {
    const refund = refundOf(outRefundNo);
    return {
      mchid: keys.mchId,
      out_trade_no: refund.out_trade_no,
      transaction_id: refund.transaction_id,
      out_refund_no: refund.out_refund_no,
      refund_id: refund.refund_id,
      refund_status: refund.status,
      ...(refund.success_time === undefined ? {} : { success_time: refund.success_time }),
      user_received_account: '支付用户零钱',
      amount: {
        total: refund.total,
        refund: refund.refund,
        payer_total: refund.total,
        payer_refund: refund.refund,
      },
    };
  }

  return {
    url: `http://127.0.0.1:${port}`,
    issueCode(openid, unionid) {
      const code = `code_${randomBytes(12).toString('hex')}`;
      codes.set(code, { openid, unionid });
      return code;
    },
    setLoginFault(fault) {
      loginFault = fault;
    },
    failNextPayRequest(status, code, msg) {
      nextFailure = { status, code, message: msg ?? code };
    },
    tamperNextPayResponse() {
      tamperNext = true;
    },
    orders,
    refunds,
    closes,
    payRequests,
    tokenRequests,
    shippingRequests,
    shippingRecords,
    failNextShipping(...faults) {
      shippingFaults.push(...faults);
    },
    expireAccessTokens() {
      for (const t of tokens.values()) if (t.state === 'live') t.state = 'expired';
    },
    revokeAccessTokens() {
      for (const t of tokens.values()) t.state = 'revoked';
    },
    async pay(outTradeNo, payOpts = {}) {
      const order = orderOf(outTradeNo);
      if (order.trade_state !== 'NOTPAY') throw new Error(`order ${outTradeNo} is ${order.trade_state}`);
      order.trade_state = 'SUCCESS';
      order.transaction_id = `42000${Date.now()}${randomBytes(4).toString('hex')}`;
      order.success_time = beijingTime(Date.now());
      if (payOpts.notify === false) return { status: 0, body: '' };
      return deliver(order.notify_url, {
        eventType: 'TRANSACTION.SUCCESS',
        originalType: 'transaction',
        resource: transactionView(order),
      });
    },
    async settleRefund(outRefundNo) {
      const refund = refundOf(outRefundNo);
      refund.status = 'SUCCESS';
      refund.success_time = beijingTime(Date.now());
      return deliver(refund.notify_url, {
        eventType: 'REFUND.SUCCESS',
        originalType: 'refund',
        resource: refundResource(outRefundNo),
      });
    },
    transactionResource(outTradeNo) {
      return transactionView(orderOf(outTradeNo));
    },
    refundResource,
    buildNotification,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
