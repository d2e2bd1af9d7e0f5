/**
 * A local stand-in for WeChat's login API and WeChat Pay API v3, speaking their real wire protocols on
 * 127.0.0.1 (port 0). It verifies every merchant request signature with the merchant public key, signs every
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

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req);
      if (req.method === 'GET' && url.pathname === '/sns/jscode2session') return handleLogin(url, res);
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
