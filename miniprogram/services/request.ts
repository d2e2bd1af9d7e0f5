/**
 * The mini-program's one request layer over `wx.request`: base URL from config/env, the shopper's token in
 * storage, one re-login on 401 then the same request again, at most 10 requests in flight (WeChat's own
 * limit; past it wx.request fails, so the rest wait here in order), and every failure turned into an
 * `ApiError` whose `message` is the sentence a shopper reads.
 */
import { apiBaseUrl, MAX_REQUESTS_IN_FLIGHT, REQUEST_TIMEOUT_MS } from '../config/env';
import type { Session } from './api-types';
import { isRetryableCode, shopperMessageFor } from './error-messages';

/** wx.request has no PATCH; address edits go through the gateway's PUT alias. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RequestOptions {
  method?: HttpMethod;
  /** Path under the base URL, starting with `/`. */
  path: string;
  query?: Record<string, string | number | null | undefined>;
  data?: Record<string, unknown>;
  /** Send the shopper's token and re-login on 401 (default). `false` for login itself. */
  auth?: boolean;
  timeoutMs?: number;
}

interface RawResponse {
  status: number;
  data: unknown;
  header: Record<string, unknown>;
}

export interface ApiErrorInit {
  code: string;
  status: number;
  serverMessage?: string;
  details?: unknown;
  retryAfterSeconds?: number | null;
}

/** A refused or failed request. `message` is for the shopper; `serverMessage` is for logs. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly serverMessage: string;
  readonly details: unknown;
  readonly retryAfterSeconds: number | null;
  /** Whether the same request (same requestId) may be sent again. */
  readonly retryable: boolean;

  constructor(init: ApiErrorInit) {
    super(shopperMessageFor(init.code, init.status));
    this.name = 'ApiError';
    this.code = init.code;
    this.status = init.status;
    this.serverMessage = init.serverMessage ?? '';
    this.details = init.details;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
    this.retryable = isRetryableCode(init.code, init.status);
  }
}

/** Turns any thrown value into an ApiError, so pages show one kind of message. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError({ code: 'UNKNOWN', status: 0, serverMessage: String(err) });
}

export type LoginHandler = (client: RequestClient) => Promise<Session>;

export interface RequestClientOptions {
  baseUrl?: () => string;
  maxInFlight?: number;
  timeoutMs?: number;
  sessionStorageKey?: string;
  login?: LoginHandler;
}

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  429: 'RATE_LIMITED',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function headerValue(header: Record<string, unknown>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(header)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return undefined;
}

function errorFromResponse(res: RawResponse): ApiError {
  const body = isRecord(res.data) && isRecord(res.data.error) ? res.data.error : null;
  const code =
    body && typeof body.code === 'string'
      ? body.code
      : (CODE_BY_STATUS[res.status] ?? (res.status >= 500 ? 'INTERNAL' : 'UNKNOWN'));
  const retryAfter = Number(headerValue(res.header, 'retry-after'));
  return new ApiError({
    code,
    status: res.status,
    serverMessage: body && typeof body.message === 'string' ? body.message : '',
    details: body ? body.details : undefined,
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null,
  });
}

function buildQuery(query: RequestOptions['query']): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** Logs in with `wx.login` and the gateway's code2session route. */
export const wechatCodeLogin: LoginHandler = async (client) => {
  let code: string;
  try {
    code = (await wx.login({ timeout: REQUEST_TIMEOUT_MS })).code;
  } catch (err) {
    throw new ApiError({ code: 'UNAUTHORIZED', status: 0, serverMessage: `wx.login failed: ${String(err)}` });
  }
  return client.request<Session>({ method: 'POST', path: '/api/auth/wechat', data: { code }, auth: false });
};

/** A typed `wx.request` client; the app uses the one `api` below, tests may make their own. */
export class RequestClient {
  #baseUrl: () => string;
  #maxInFlight: number;
  #timeoutMs: number;
  #sessionKey: string;
  #login: LoginHandler;
  #inFlight = 0;
  #waiting: Array<() => void> = [];
  #pendingLogin: Promise<Session> | null = null;

  constructor(options: RequestClientOptions = {}) {
    this.#baseUrl = options.baseUrl ?? apiBaseUrl;
    this.#maxInFlight = options.maxInFlight ?? MAX_REQUESTS_IN_FLIGHT;
    this.#timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    this.#sessionKey = options.sessionStorageKey ?? 'tm.session';
    this.#login = options.login ?? wechatCodeLogin;
  }

  /** Sends one request and resolves with its JSON body, or rejects with an ApiError. */
  async request<T>(options: RequestOptions): Promise<T> {
    const useAuth = options.auth !== false;
    const tokenSent = useAuth ? this.token() : null;
    const first = await this.#send(options, tokenSent);
    if (first.status !== 401 || !useAuth) return this.#settle<T>(first);

    // Once only: a second 401 means the new token is refused too, and looping would hammer login.
    if (this.token() === tokenSent) await this.login();
    const second = await this.#send(options, this.token());
    return this.#settle<T>(second);
  }

  /** Runs the login handler (one at a time however many requests got a 401) and keeps the session. */
  login(): Promise<Session> {
    if (!this.#pendingLogin) {
      this.#pendingLogin = this.#login(this)
        .then((session) => {
          this.setSession(session);
          return session;
        })
        .finally(() => {
          this.#pendingLogin = null;
        });
    }
    return this.#pendingLogin;
  }

  setLoginHandler(login: LoginHandler): void {
    this.#login = login;
  }

  session(): Session | null {
    const stored: unknown = wx.getStorageSync(this.#sessionKey);
    if (isRecord(stored) && typeof stored.token === 'string' && isRecord(stored.user)) {
      return stored as unknown as Session;
    }
    return null;
  }

  token(): string | null {
    return this.session()?.token ?? null;
  }

  setSession(session: Session): void {
    wx.setStorageSync(this.#sessionKey, session);
  }

  clearSession(): void {
    wx.removeStorageSync(this.#sessionKey);
  }

  /** Requests now inside wx.request. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.#waiting.length;
  }

  async #acquire(): Promise<void> {
    if (this.#inFlight < this.#maxInFlight) {
      this.#inFlight++;
      return;
    }
    // The releasing request hands its slot over directly, so #inFlight never passes the cap.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#inFlight--;
  }

  async #send(options: RequestOptions, token: string | null): Promise<RawResponse> {
    await this.#acquire();
    try {
      return await new Promise<RawResponse>((resolve, reject) => {
        const header: Record<string, string> = { 'content-type': 'application/json' };
        if (token) header.authorization = `Bearer ${token}`;
        wx.request({
          url: `${this.#baseUrl()}${options.path}${buildQuery(options.query)}`,
          method: options.method ?? 'GET',
          data: options.data ?? {},
          header,
          timeout: options.timeoutMs ?? this.#timeoutMs,
          dataType: 'json',
          success: (res) => resolve({ status: res.statusCode, data: res.data, header: res.header ?? {} }),
          fail: (err) => {
            const timedOut = /timeout/i.test(err.errMsg);
            reject(
              new ApiError({
                code: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
                status: 0,
                serverMessage: err.errMsg,
              }),
            );
          },
        });
      });
    } finally {
      this.#release();
    }
  }

  #settle<T>(res: RawResponse): T {
    if (res.status >= 200 && res.status < 300) return res.data as T;
    throw errorFromResponse(res);
  }
}

/** The app's client: every service goes through it. */
export const api = new RequestClient();
