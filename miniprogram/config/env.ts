/**
 * The one place that says which gateway the mini-program talks to. WeChat DevTools' "不校验合法域名" lets a
 * `develop` build reach a LAN address; trial and release builds must name an HTTPS domain that is listed as a
 * request domain (request 合法域名) in the mini-program's admin console.
 */
const API_BASE_URLS: Record<'develop' | 'trial' | 'release', string> = {
  develop: 'http://127.0.0.1:3000',
  trial: 'https://api-trial.tuanmiao.example',
  release: 'https://api.tuanmiao.example',
};

/** wx.request accepts at most 10 requests in flight; the request layer queues the rest. */
export const MAX_REQUESTS_IN_FLIGHT = 10;

/** Per-request timeout, below app.json's networkTimeout.request so our own timeout is the one that fires. */
export const REQUEST_TIMEOUT_MS = 10_000;

let overrideBaseUrl: string | null = null;

function envVersion(): 'develop' | 'trial' | 'release' {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion;
  } catch {
    return 'develop';
  }
}

/** The gateway's base URL, without a trailing slash. */
export function apiBaseUrl(): string {
  return overrideBaseUrl ?? API_BASE_URLS[envVersion()];
}

/** Points the mini-program at another gateway (tests, a developer's LAN server); `null` restores the table. */
export function setApiBaseUrl(url: string | null): void {
  overrideBaseUrl = url === null ? null : url.replace(/\/+$/, '');
}
