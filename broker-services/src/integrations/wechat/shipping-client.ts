/**
 * WeChat's 发货信息录入 for mini-program payments: `upload_shipping_info`, authorised by an `access_token` from
 * `stable_token`. WeChat freezes the funds of a mini-program payment until its shipping is recorded, so this is
 * the call that releases them. Only this file talks to `/cgi-bin/stable_token` and `/wxa/sec/order/*`.
 */

/** Stable codes of a failed upload (also in the error registry, so the admin shows a sentence for each). */
export type WechatShippingErrorCode =
  | 'WECHAT_SHIPPING_UNAVAILABLE'
  | 'WECHAT_SHIPPING_REFUSED'
  | 'WECHAT_TOKEN_REFUSED';

/** A refused or failed exchange; `errcode` is WeChat's own number when WeChat answered with one. */
export class WechatShippingError extends Error {
  override readonly name = 'WechatShippingError';
  readonly code: WechatShippingErrorCode;
  readonly retryable: boolean;
  readonly errcode: number | undefined;

  constructor(
    code: WechatShippingErrorCode,
    message: string,
    opts: { errcode?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = code === 'WECHAT_SHIPPING_UNAVAILABLE';
    this.errcode = opts.errcode;
  }
}

/** One package as `shipping_list` carries it. */
export interface ShippingPackage {
  tracking_no: string;
  /** WeChat's delivery company id (`SF`, `YTO`, `ZTO`, …). */
  express_company: string;
  item_desc: string;
  /** Required by WeChat for SF Express; masked, the last four digits in clear (`138****8000`). */
  contact?: { consignor_contact?: string; receiver_contact?: string };
}

/** The body of `upload_shipping_info` without `upload_time`, which is set when it is sent. */
export interface ShippingInfo {
  order_key:
    | { order_number_type: 2; transaction_id: string }
    | { order_number_type: 1; mchid: string; out_trade_no: string };
  /** 1: express delivery (物流配送). */
  logistics_type: 1;
  /** 1: UNIFIED_DELIVERY (one package); 2: SPLIT_DELIVERY. */
  delivery_mode: 1 | 2;
  /** Split delivery only: whether these packages are all of the order. */
  is_all_delivered?: boolean;
  shipping_list: ShippingPackage[];
  payer: { openid: string };
}

export interface WechatShippingClientOptions {
  /** `https://api.weixin.qq.com` in production; a local server in tests. */
  apiBase: string;
  appId: string;
  appSecret: string;
  /** Whole-request deadline; default 5000 ms. */
  timeoutMs?: number;
  /** Milliseconds since the epoch (token expiry); default Date.now. */
  now?: () => number;
}

export interface WechatShippingClient {
  /** Records the shipping of one paid order at WeChat; resolves once WeChat answered errcode 0. */
  uploadShippingInfo(info: ShippingInfo, uploadedAt: Date): Promise<void>;
}

/** errcodes of an access_token that expired or was replaced: fetch a fresh one and send again. */
const TOKEN_ERRCODES = new Set([40001, 40014, 42001]);
/** errcodes worth a later retry: busy, system errors, quotas. Anything else is WeChat saying no. */
const RETRYABLE_ERRCODES = new Set([-1, 45009, 45011, 10060012, 10060019]);
/**
 * 10060002 (支付单已完成发货) and 10060003 (已使用重新发货机会): WeChat already holds a shipping record for the
 * payment, which happens when an earlier attempt was accepted but its answer was lost. The record exists, which
 * is all this call is for.
 */
const ALREADY_RECORDED_ERRCODES = new Set([10060002, 10060003]);
/** Renew this long before WeChat's `expires_in` ends, so no request carries a token that expires in flight. */
const TOKEN_MARGIN_MS = 300_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `2026-12-01T10:00:00+08:00`: RFC 3339 in Beijing time, as WeChat's examples write it. */
export function beijingRfc3339(at: Date): string {
  return `${new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

/** Builds the client; the access token is cached in the process and shared by every upload. */
export function createWechatShippingClient(options: WechatShippingClientOptions): WechatShippingClient {
  const timeoutMs = options.timeoutMs ?? 5000;
  const now = options.now ?? Date.now;
  let cached: { token: string; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  /** POSTs JSON and returns WeChat's answer object; network trouble and 5xx are retryable. */
  async function post(
    path: string,
    query: URLSearchParams | null,
    body: object,
  ): Promise<Record<string, unknown>> {
    const url = new URL(path, options.apiBase);
    if (query) url.search = query.toString();
    let status: number;
    let text: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      // The message never carries the URL: it holds the access token.
      const reason = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'unreachable';
      throw new WechatShippingError('WECHAT_SHIPPING_UNAVAILABLE', `${path} ${reason}`, { cause: err });
    }
    if (status >= 500)
      throw new WechatShippingError('WECHAT_SHIPPING_UNAVAILABLE', `${path} answered HTTP ${status}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new WechatShippingError(
        'WECHAT_SHIPPING_UNAVAILABLE',
        `${path} answered HTTP ${status} without JSON`,
      );
    }
    if (!isRecord(parsed))
      throw new WechatShippingError('WECHAT_SHIPPING_UNAVAILABLE', `${path} answered a non-object`);
    return parsed;
  }

  async function fetchToken(forceRefresh: boolean): Promise<string> {
    const body = await post('/cgi-bin/stable_token', null, {
      grant_type: 'client_credential',
      appid: options.appId,
      secret: options.appSecret,
      force_refresh: forceRefresh,
    });
    const errcode = typeof body.errcode === 'number' ? body.errcode : 0;
    if (errcode !== 0) {
      const errmsg = typeof body.errmsg === 'string' ? body.errmsg : '';
      // A wrong appid or secret (40013, 40125) will not mend itself; busy and quota answers may.
      throw new WechatShippingError(
        RETRYABLE_ERRCODES.has(errcode) ? 'WECHAT_SHIPPING_UNAVAILABLE' : 'WECHAT_TOKEN_REFUSED',
        `stable_token errcode ${errcode}: ${errmsg}`,
        { errcode },
      );
    }
    const { access_token: token, expires_in: expiresIn } = body;
    if (typeof token !== 'string' || token.length === 0 || typeof expiresIn !== 'number') {
      throw new WechatShippingError('WECHAT_SHIPPING_UNAVAILABLE', 'stable_token answer lacks access_token');
    }
    cached = { token, expiresAt: now() + expiresIn * 1000 - TOKEN_MARGIN_MS };
    return token;
  }

  /** The cached token while it is fresh; concurrent callers share one `stable_token` request. */
  function accessToken(forceRefresh: boolean): Promise<string> {
    if (!forceRefresh && cached && cached.expiresAt > now()) return Promise.resolve(cached.token);
    if (!inFlight) {
      inFlight = fetchToken(forceRefresh).finally(() => {
        inFlight = undefined;
      });
    }
    return inFlight;
  }

  async function uploadOnce(
    info: ShippingInfo,
    uploadedAt: Date,
    token: string,
  ): Promise<{ errcode: number; errmsg: string }> {
    const body = await post(
      '/wxa/sec/order/upload_shipping_info',
      new URLSearchParams({ access_token: token }),
      {
        ...info,
        upload_time: beijingRfc3339(uploadedAt),
      },
    );
    return {
      errcode: typeof body.errcode === 'number' ? body.errcode : 0,
      errmsg: typeof body.errmsg === 'string' ? body.errmsg : '',
    };
  }

  async function uploadShippingInfo(info: ShippingInfo, uploadedAt: Date): Promise<void> {
    const used = await accessToken(false);
    let answer = await uploadOnce(info, uploadedAt, used);
    if (TOKEN_ERRCODES.has(answer.errcode)) {
      // The token expired early or another process forced a new one: one fresh token, one more try. A token
      // another upload renewed meanwhile is fresh already; only the one that failed is forced out.
      const fresh = cached && cached.token !== used ? cached.token : await accessToken(true);
      answer = await uploadOnce(info, uploadedAt, fresh);
    }
    const { errcode, errmsg } = answer;
    if (errcode === 0 || ALREADY_RECORDED_ERRCODES.has(errcode)) return;
    const retryable = RETRYABLE_ERRCODES.has(errcode) || TOKEN_ERRCODES.has(errcode);
    throw new WechatShippingError(
      retryable ? 'WECHAT_SHIPPING_UNAVAILABLE' : 'WECHAT_SHIPPING_REFUSED',
      `upload_shipping_info errcode ${errcode}: ${errmsg}`,
      { errcode },
    );
  }

  return { uploadShippingInfo };
}
