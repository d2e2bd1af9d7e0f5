/**
 * WeChat Pay API v3 for JSAPI (mini-program) payments, in "platform public key" mode: every request is
 * signed with the merchant key, every answer and notification is checked against the platform public key
 * (`Wechatpay-Serial: PUB_KEY_ID_…`) before anything in it is believed.
 */
import type { KeyObject } from 'node:crypto';
import Value from 'typebox/value';
import { WechatPayError } from './errors.ts';
import {
  ErrorAnswer,
  NotificationEnvelope,
  PrepayAnswer,
  Refund,
  RefundNotice,
  Transaction,
} from './schemas.ts';
import {
  buildAuthorization,
  buildMessage,
  createNonce,
  decryptAes256Gcm,
  loadPrivateKey,
  loadPublicKey,
  SIGNTEST_PREFIX,
  signSha256Rsa,
  verifySha256Rsa,
} from './signing.ts';

export type { Refund, RefundNotice, RefundStatus, TradeState, Transaction } from './schemas.ts';

/** How far a signed timestamp may be from our clock, either way (WeChat Pay's own rule). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface WechatPayConfig {
  mchId: string;
  appId: string;
  /** Serial number of the merchant API certificate whose private key signs our requests. */
  merchantSerialNo: string;
  merchantPrivateKeyPem: string;
  /** The 32-byte APIv3 key set in the merchant platform; decrypts notification resources. */
  apiV3Key: string;
  platformPublicKeyPem: string;
  /** `PUB_KEY_ID_…`: the `Wechatpay-Serial` every genuine answer and notification carries. */
  platformPublicKeyId: string;
  /** Default `https://api.mch.weixin.qq.com`. */
  apiBase?: string;
  /** Whole-request deadline; default 10000 ms. */
  timeoutMs?: number;
}

export interface JsapiPrepayInput {
  outTradeNo: string;
  description: string;
  amountFen: number;
  payerOpenid: string;
  notifyUrl: string;
  /** After this instant WeChat Pay refuses to take the payment. */
  timeExpire: Date | string;
}

/** The arguments of `wx.requestPayment`, as the mini-program passes them. */
export interface RequestPaymentParams {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

export interface RefundInput {
  outTradeNo: string;
  outRefundNo: string;
  refundFen: number;
  totalFen: number;
  reason: string;
  notifyUrl: string;
}

/** Header values as node and Fastify hand them over; names are matched case-insensitively. */
export type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>;

interface NotificationBase {
  /** WeChat Pay's notification id: the same for every redelivery of one event. */
  id: string;
  createTime: string;
  /** `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`, … */
  eventType: string;
  summary: string | undefined;
}

/** A verified, decrypted notification: a transaction or a refund. */
export type WechatPayNotification =
  | (NotificationBase & { kind: 'transaction'; transaction: Transaction })
  | (NotificationBase & { kind: 'refund'; refund: RefundNotice });

export interface WechatPayClient {
  /** Places a JSAPI order; answers the `prepay_id` (idempotent by `outTradeNo` while the order is unpaid). */
  createJsapiPrepay(input: JsapiPrepayInput): Promise<string>;
  /** Signs the `wx.requestPayment` parameters for a prepay id. */
  buildRequestPaymentParams(prepayId: string): RequestPaymentParams;
  /** Verifies a notification's signature over the raw body, checks its age, decrypts and validates it. */
  verifyAndDecryptNotification(input: {
    headers: IncomingHeaders;
    rawBody: Buffer | string;
    nowMs: number;
  }): WechatPayNotification;
  /** The transaction as WeChat Pay knows it now. */
  queryOrderByOutTradeNo(outTradeNo: string): Promise<Transaction>;
  /** Closes an unpaid order, so it can never be paid. */
  closeOrder(outTradeNo: string): Promise<void>;
  /** Requests a refund; idempotent by `outRefundNo`. */
  createRefund(input: RefundInput): Promise<Refund>;
  /** The refund as WeChat Pay knows it now. */
  queryRefund(outRefundNo: string): Promise<Refund>;
}

const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;

function header(headers: IncomingHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** WeChat Pay wants RFC 3339 without fractions; Beijing time is what its own documents show. */
function formatTimeExpire(value: Date | string): string {
  const ms = (typeof value === 'string' ? new Date(value) : value).getTime();
  if (Number.isNaN(ms)) throw new RangeError('timeExpire is not a valid time');
  return `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

function assertPositiveFen(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`${name} must be a positive integer fen`);
}

/** Builds a WeChat Pay v3 client; keys are parsed here, so a bad PEM fails at start-up. */
export function createWechatPayClient(config: WechatPayConfig): WechatPayClient {
  const apiBase = config.apiBase ?? 'https://api.mch.weixin.qq.com';
  const timeoutMs = config.timeoutMs ?? 10_000;
  const merchantKey: KeyObject = loadPrivateKey(config.merchantPrivateKeyPem);
  const platformKey: KeyObject = loadPublicKey(config.platformPublicKeyPem);
  const apiV3Key = Buffer.from(config.apiV3Key, 'utf8');
  if (apiV3Key.length !== 32) throw new RangeError('the APIv3 key must be 32 bytes');
  const signer = { mchId: config.mchId, serialNo: config.merchantSerialNo, privateKey: merchantKey };

  /** Checks the platform signature headers over `timestamp\nnonce\nbody\n`; throws on any doubt. */
  function verifyPlatformSignature(
    get: (name: string) => string | undefined,
    rawBody: Buffer,
    nowMs: number,
    what: string,
  ): void {
    const signature = get('Wechatpay-Signature');
    const timestamp = get('Wechatpay-Timestamp');
    const nonce = get('Wechatpay-Nonce');
    const serial = get('Wechatpay-Serial');
    if (!signature || !timestamp || !nonce || !serial) {
      throw new WechatPayError('PAYMENT_SIGNATURE_INVALID', `${what} lacks its signature headers`);
    }
    // WeChat Pay probes merchants with deliberately bad signatures; they must be refused like any other.
    if (signature.startsWith(SIGNTEST_PREFIX)) {
      throw new WechatPayError('PAYMENT_SIGNATURE_INVALID', `${what} carries a signature-test probe`);
    }
    if (serial !== config.platformPublicKeyId) {
      throw new WechatPayError('PAYMENT_SIGNATURE_INVALID', `${what} is signed by unknown key ${serial}`);
    }
    if (!/^\d{1,12}$/.test(timestamp)) {
      throw new WechatPayError('PAYMENT_SIGNATURE_INVALID', `${what} has a malformed timestamp`);
    }
    if (Math.abs(nowMs - Number(timestamp) * 1000) > MAX_CLOCK_SKEW_MS) {
      throw new WechatPayError('PAYMENT_TIMESTAMP_STALE', `${what} timestamp is more than 5 minutes off`);
    }
    if (!verifySha256Rsa(platformKey, buildMessage([timestamp, nonce, rawBody]), signature)) {
      throw new WechatPayError('PAYMENT_SIGNATURE_INVALID', `${what} signature does not verify`);
    }
  }

  /** One signed call; answers the parsed JSON of a verified 2xx answer (undefined for an empty one). */
  async function call(method: 'GET' | 'POST', path: string, payload?: object): Promise<unknown> {
    const url = new URL(path, apiBase);
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const authorization = buildAuthorization(signer, {
      method,
      pathWithQuery: url.pathname + url.search,
      body,
      timestamp: Math.floor(Date.now() / 1000),
      nonce: createNonce(),
    });
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: authorization,
      'User-Agent': 'tuanmiao-wechatpay/1',
      'Wechatpay-Serial': config.platformPublicKeyId,
    };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';

    let res: Response;
    let raw: Buffer;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(payload === undefined ? {} : { body }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      raw = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      const reason = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'unreachable';
      throw new WechatPayError('PAYMENT_PROVIDER_UNAVAILABLE', `${method} ${url.pathname} ${reason}`, {
        cause: err,
      });
    }

    if (res.status < 200 || res.status >= 300) {
      // Error answers are not trusted for anything but the refusal itself, so their signature is not required.
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      const code = Value.Check(ErrorAnswer, parsed) ? parsed.code : `HTTP_${res.status}`;
      const message = Value.Check(ErrorAnswer, parsed) ? (parsed.message ?? code) : `HTTP ${res.status}`;
      throw new WechatPayError(code, `${method} ${url.pathname}: ${message}`, { httpStatus: res.status });
    }

    verifyPlatformSignature((name) => res.headers.get(name) ?? undefined, raw, Date.now(), 'answer');
    if (raw.length === 0) return undefined;
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new WechatPayError('PAYMENT_RESPONSE_MALFORMED', `${method} ${url.pathname} answered non-JSON`, {
        httpStatus: res.status,
        cause: err,
      });
    }
  }

  function expectShape<T>(check: (value: unknown) => value is T, value: unknown, what: string): T {
    if (!check(value))
      throw new WechatPayError('PAYMENT_RESPONSE_MALFORMED', `${what} has an unexpected shape`);
    return value;
  }

  async function createJsapiPrepay(input: JsapiPrepayInput): Promise<string> {
    if (!OUT_TRADE_NO.test(input.outTradeNo)) throw new RangeError('outTradeNo is not a valid out_trade_no');
    assertPositiveFen('amountFen', input.amountFen);
    const answer = await call('POST', '/v3/pay/transactions/jsapi', {
      appid: config.appId,
      mchid: config.mchId,
      description: input.description,
      out_trade_no: input.outTradeNo,
      time_expire: formatTimeExpire(input.timeExpire),
      notify_url: input.notifyUrl,
      amount: { total: input.amountFen, currency: 'CNY' },
      payer: { openid: input.payerOpenid },
    });
    return expectShape((v) => Value.Check(PrepayAnswer, v), answer, 'prepay answer').prepay_id;
  }

  function buildRequestPaymentParams(prepayId: string): RequestPaymentParams {
    const timeStamp = String(Math.floor(Date.now() / 1000));
    const nonceStr = createNonce();
    const pkg = `prepay_id=${prepayId}`;
    const paySign = signSha256Rsa(merchantKey, buildMessage([config.appId, timeStamp, nonceStr, pkg]));
    return { timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign };
  }

  function verifyAndDecryptNotification(input: {
    headers: IncomingHeaders;
    rawBody: Buffer | string;
    nowMs: number;
  }): WechatPayNotification {
    const raw = typeof input.rawBody === 'string' ? Buffer.from(input.rawBody, 'utf8') : input.rawBody;
    verifyPlatformSignature((name) => header(input.headers, name), raw, input.nowMs, 'notification');

    let envelope: unknown;
    try {
      envelope = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new WechatPayError('PAYMENT_NOTIFICATION_MALFORMED', 'notification body is not JSON', {
        cause: err,
      });
    }
    if (!Value.Check(NotificationEnvelope, envelope)) {
      throw new WechatPayError('PAYMENT_NOTIFICATION_MALFORMED', 'notification body has an unexpected shape');
    }
    const { resource } = envelope;
    if (resource.algorithm !== 'AEAD_AES_256_GCM') {
      throw new WechatPayError('PAYMENT_NOTIFICATION_MALFORMED', `unknown algorithm ${resource.algorithm}`);
    }

    let plain: unknown;
    try {
      plain = JSON.parse(
        decryptAes256Gcm(apiV3Key, {
          ciphertext: resource.ciphertext,
          nonce: resource.nonce,
          associatedData: resource.associated_data ?? '',
        }),
      );
    } catch (err) {
      throw new WechatPayError('PAYMENT_NOTIFICATION_MALFORMED', 'notification resource does not decrypt', {
        cause: err,
      });
    }

    const base: NotificationBase = {
      id: envelope.id,
      createTime: envelope.create_time,
      eventType: envelope.event_type,
      summary: envelope.summary,
    };
    // A genuine notification about another merchant's or another app's payment is not ours to act on.
    if (resource.original_type === 'transaction' && Value.Check(Transaction, plain)) {
      if (plain.mchid !== config.mchId || plain.appid !== config.appId) {
        throw new WechatPayError(
          'PAYMENT_NOTIFICATION_MALFORMED',
          'notification is for another merchant or app',
        );
      }
      return { ...base, kind: 'transaction', transaction: plain };
    }
    if (resource.original_type === 'refund' && Value.Check(RefundNotice, plain)) {
      if (plain.mchid !== config.mchId) {
        throw new WechatPayError('PAYMENT_NOTIFICATION_MALFORMED', 'notification is for another merchant');
      }
      return { ...base, kind: 'refund', refund: plain };
    }
    throw new WechatPayError(
      'PAYMENT_NOTIFICATION_MALFORMED',
      `notification resource of type ${resource.original_type} has an unexpected shape`,
    );
  }

  async function queryOrderByOutTradeNo(outTradeNo: string): Promise<Transaction> {
    if (!OUT_TRADE_NO.test(outTradeNo)) throw new RangeError('outTradeNo is not a valid out_trade_no');
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${encodeURIComponent(config.mchId)}`;
    const answer = await call('GET', path);
    return expectShape((v) => Value.Check(Transaction, v), answer, 'transaction');
  }

  async function closeOrder(outTradeNo: string): Promise<void> {
    if (!OUT_TRADE_NO.test(outTradeNo)) throw new RangeError('outTradeNo is not a valid out_trade_no');
    await call('POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`, {
      mchid: config.mchId,
    });
  }

  async function createRefund(input: RefundInput): Promise<Refund> {
    if (!OUT_TRADE_NO.test(input.outTradeNo)) throw new RangeError('outTradeNo is not a valid out_trade_no');
    if (!OUT_REFUND_NO.test(input.outRefundNo))
      throw new RangeError('outRefundNo is not a valid out_refund_no');
    assertPositiveFen('refundFen', input.refundFen);
    assertPositiveFen('totalFen', input.totalFen);
    const answer = await call('POST', '/v3/refund/domestic/refunds', {
      out_trade_no: input.outTradeNo,
      out_refund_no: input.outRefundNo,
      reason: input.reason,
      notify_url: input.notifyUrl,
      amount: { refund: input.refundFen, total: input.totalFen, currency: 'CNY' },
    });
    return expectShape((v) => Value.Check(Refund, v), answer, 'refund');
  }

  async function queryRefund(outRefundNo: string): Promise<Refund> {
    if (!OUT_REFUND_NO.test(outRefundNo)) throw new RangeError('outRefundNo is not a valid out_refund_no');
    const answer = await call('GET', `/v3/refund/domestic/refunds/${encodeURIComponent(outRefundNo)}`);
    return expectShape((v) => Value.Check(Refund, v), answer, 'refund');
  }

  return {
    createJsapiPrepay,
    buildRequestPaymentParams,
    verifyAndDecryptNotification,
    queryOrderByOutTradeNo,
    closeOrder,
    createRefund,
    queryRefund,
  };
}
