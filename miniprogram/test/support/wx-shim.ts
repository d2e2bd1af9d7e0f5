/**
 * The part of WeChat's `wx` global that the mini-program's services use, for Node: `wx.request` over fetch
 * (same options, same success/fail shapes, same "at most 10 in flight" refusal), storage in memory, `wx.login`
 * handing out codes, and `wx.requestPayment` recording what it was asked to pay.
 */

type Callbacks<S> = {
  success?: (res: S) => void;
  fail?: (err: { errMsg: string }) => void;
  complete?: () => void;
};

interface ShimRequestOption extends Callbacks<ShimRequestSuccess> {
  url: string;
  method?: string;
  data?: unknown;
  header?: Record<string, string>;
  timeout?: number;
  dataType?: string;
}

interface ShimRequestSuccess {
  statusCode: number;
  data: unknown;
  header: Record<string, string>;
  cookies: string[];
  errMsg: string;
}

export interface WxShimOptions {
  /** The code `wx.login` hands out (default: `code-1`, `code-2`, …). */
  loginCode?: () => string;
  /** What `wx.requestPayment` does with its parameters (default: succeeds). */
  requestPayment?: (params: Record<string, unknown>) => Promise<void>;
}

export interface WxShim {
  storage: Map<string, unknown>;
  payments: Array<Record<string, unknown>>;
  loginCalls: number;
  /** Requests inside the shim's wx.request right now, and the most ever at once. */
  inFlight: number;
  maxInFlight: number;
  uninstall(): void;
}

/** WeChat refuses an 11th concurrent wx.request (errMsg "request:fail exceed max task count"). */
const WX_MAX_REQUESTS = 10;

function settle<S>(options: Callbacks<S>, work: Promise<S>): Promise<S> | undefined {
  const hasCallbacks = Boolean(options.success || options.fail || options.complete);
  const done = work.then(
    (res) => {
      options.success?.(res);
      options.complete?.();
      return res;
    },
    (err: unknown) => {
      const errMsg =
        typeof err === 'object' && err !== null && 'errMsg' in err ? String(err.errMsg) : String(err);
      options.fail?.({ errMsg });
      options.complete?.();
      throw { errMsg };
    },
  );
  if (hasCallbacks) {
    done.catch(() => {});
    return undefined;
  }
  return done;
}

function toQuery(data: unknown): string {
  if (typeof data !== 'object' || data === null) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(data)) {
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? text : '';
}

/** Installs the shim as `globalThis.wx`; `uninstall()` puts back what was there. */
export function installWxShim(options: WxShimOptions = {}): WxShim {
  const holder = globalThis as { wx?: unknown };
  const previous = holder.wx;
  let codes = 0;
  const shim: WxShim = {
    storage: new Map(),
    payments: [],
    loginCalls: 0,
    inFlight: 0,
    maxInFlight: 0,
    uninstall() {
      holder.wx = previous;
    },
  };

  async function doRequest(option: ShimRequestOption): Promise<ShimRequestSuccess> {
    if (shim.inFlight >= WX_MAX_REQUESTS) throw { errMsg: 'request:fail exceed max task count' };
    shim.inFlight++;
    shim.maxInFlight = Math.max(shim.maxInFlight, shim.inFlight);
    try {
      const method = (option.method ?? 'GET').toUpperCase();
      let url = option.url;
      let body: string | undefined;
      // As wx.request does: only GET turns data into a query string; every other method sends it as the body.
      if (method === 'GET') {
        const query = toQuery(option.data);
        if (query) url += (url.includes('?') ? '&' : '?') + query;
      } else if (option.data !== undefined) {
        body = typeof option.data === 'string' ? option.data : JSON.stringify(option.data);
      }
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: option.header ?? {},
          body,
          signal: AbortSignal.timeout(option.timeout ?? 60_000),
        });
      } catch (err) {
        const name = err instanceof Error ? err.name : '';
        throw { errMsg: name === 'TimeoutError' ? 'request:fail timeout' : `request:fail ${String(err)}` };
      }
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        throw { errMsg: `request:fail ${String(err)}` };
      }
      let data: unknown = text;
      if (option.dataType !== 'text') {
        try {
          data = JSON.parse(text);
        } catch {
          data = text;
        }
      }
      const header: Record<string, string> = {};
      res.headers.forEach((value, key) => {
        header[key] = value;
      });
      return { statusCode: res.status, data, header, cookies: [], errMsg: 'request:ok' };
    } finally {
      shim.inFlight--;
    }
  }

  const wx = {
    request(option: ShimRequestOption) {
      settle(option, doRequest(option));
      return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} };
    },
    login(option: Callbacks<{ code: string; errMsg: string }> = {}) {
      shim.loginCalls++;
      codes++;
      const code = options.loginCode ? options.loginCode() : `code-${codes}`;
      return settle(option, Promise.resolve({ code, errMsg: 'login:ok' }));
    },
    requestPayment(option: Record<string, unknown> & Callbacks<{ errMsg: string }>) {
      const { success, fail, complete, ...params } = option;
      shim.payments.push(params);
      const pay = options.requestPayment ? options.requestPayment(params) : Promise.resolve();
      return settle(
        { success, fail, complete },
        pay.then(() => ({ errMsg: 'requestPayment:ok' })),
      );
    },
    getStorageSync(key: string): unknown {
      return shim.storage.has(key) ? structuredClone(shim.storage.get(key)) : '';
    },
    setStorageSync(key: string, value: unknown): void {
      shim.storage.set(key, structuredClone(value));
    },
    removeStorageSync(key: string): void {
      shim.storage.delete(key);
    },
    getAccountInfoSync() {
      return { miniProgram: { appId: 'wx-test', envVersion: 'develop', version: '' } };
    },
  };
  holder.wx = wx;
  return shim;
}
