/**
 * WeChat mini-program login: exchanges a `wx.login` code for the shopper's openid through `code2session`.
 * Only this file talks to `/sns/jscode2session`; callers see `WechatAuthError` with a stable code.
 */

/** Stable codes of a failed login; the gateway maps them onto API errors. */
export type WechatAuthErrorCode =
  | 'WECHAT_CODE_INVALID'
  | 'WECHAT_RATE_LIMITED'
  | 'WECHAT_UNAVAILABLE'
  | 'WECHAT_LOGIN_FAILED';

/** A refused or failed `code2session`; `errcode` is WeChat's own number when WeChat answered. */
export class WechatAuthError extends Error {
  override readonly name = 'WechatAuthError';
  readonly code: WechatAuthErrorCode;
  readonly retryable: boolean;
  readonly errcode: number | undefined;

  constructor(code: WechatAuthErrorCode, message: string, opts: { errcode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = code === 'WECHAT_RATE_LIMITED' || code === 'WECHAT_UNAVAILABLE';
    this.errcode = opts.errcode;
  }
}

export interface WechatAuthClientOptions {
  /** `https://api.weixin.qq.com` in production; a local server in tests. */
  apiBase: string;
  appId: string;
  appSecret: string;
  /** Whole-request deadline; default 5000 ms. */
  timeoutMs?: number;
}

export interface WechatSession {
  openid: string;
  unionid?: string;
  /** Never sent to the mini-program: it decrypts the shopper's encrypted data. */
  sessionKey: string;
}

export interface WechatAuthClient {
  /** Exchanges a one-time `wx.login` code for the shopper's session. */
  code2Session(code: string): Promise<WechatSession>;
}

/** Maps a WeChat errcode to our code; 40163 is "code already used", which is as invalid as a bad one. */
function codeForErrcode(errcode: number): WechatAuthErrorCode {
  switch (errcode) {
    case 40029:
    case 40163:
      return 'WECHAT_CODE_INVALID';
    case 45011:
      return 'WECHAT_RATE_LIMITED';
    case -1:
      return 'WECHAT_UNAVAILABLE';
    default:
      return 'WECHAT_LOGIN_FAILED';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Builds a `code2session` client; the app secret only ever travels in the query string WeChat requires. */
export function createWechatAuthClient(options: WechatAuthClientOptions): WechatAuthClient {
  const timeoutMs = options.timeoutMs ?? 5000;
  const endpoint = new URL('/sns/jscode2session', options.apiBase);

  async function code2Session(code: string): Promise<WechatSession> {
    if (code.length === 0) throw new WechatAuthError('WECHAT_CODE_INVALID', 'empty login code');
    const url = new URL(endpoint);
    url.searchParams.set('appid', options.appId);
    url.searchParams.set('secret', options.appSecret);
    url.searchParams.set('js_code', code);
    url.searchParams.set('grant_type', 'authorization_code');

    let status: number;
    let text: string;
    try {
      const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
      status = res.status;
      text = await res.text();
    } catch (err) {
      // The message never carries the URL: it holds the app secret.
      const reason = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'unreachable';
      throw new WechatAuthError('WECHAT_UNAVAILABLE', `code2session ${reason}`, { cause: err });
    }
    if (status >= 500)
      throw new WechatAuthError('WECHAT_UNAVAILABLE', `code2session answered HTTP ${status}`);

    // WeChat answers errors with HTTP 200 and an errcode, sometimes as text/plain, so parse the text.
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new WechatAuthError('WECHAT_LOGIN_FAILED', `code2session answered HTTP ${status} without JSON`);
    }
    if (!isRecord(body))
      throw new WechatAuthError('WECHAT_LOGIN_FAILED', 'code2session answered a non-object');

    const errcode = body.errcode;
    if (typeof errcode === 'number' && errcode !== 0) {
      const errmsg = typeof body.errmsg === 'string' ? body.errmsg : '';
      throw new WechatAuthError(codeForErrcode(errcode), `code2session errcode ${errcode}: ${errmsg}`, {
        errcode,
      });
    }
    if (status !== 200)
      throw new WechatAuthError('WECHAT_LOGIN_FAILED', `code2session answered HTTP ${status}`);

    const { openid, session_key: sessionKey, unionid } = body;
    if (typeof openid !== 'string' || openid.length === 0 || typeof sessionKey !== 'string') {
      throw new WechatAuthError('WECHAT_LOGIN_FAILED', 'code2session answer lacks openid or session_key');
    }
    return typeof unionid === 'string' && unionid.length > 0
      ? { openid, unionid, sessionKey }
      : { openid, sessionKey };
  }

  return { code2Session };
}
