/**
 * A small JSON client for tests: against a running gateway (its base URL, over a socket) or against a gateway
 * app in the test's own process (`inject()`, no socket; `in-process.ts`). Both answer the same way.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A gateway app in this process: anything with Fastify's `inject()`. */
export interface InjectTarget {
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
}

/** Where requests go: a base URL (`http://127.0.0.1:port`) or an in-process gateway. */
export type GatewayTarget = string | InjectTarget;

export interface RequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One request; the answer's body as text. */
export async function request(
  target: GatewayTarget,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const headers: Record<string, string> = {
    ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    ...opts.headers,
  };
  const payload =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string'
        ? opts.body
        : JSON.stringify(opts.body);
  if (typeof target !== 'string') {
    const res = await target.inject({
      method: method as InjectOptions['method'] & string,
      url: path,
      headers,
      ...(payload !== undefined ? { payload } : {}),
    });
    const answerHeaders = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) answerHeaders.append(name, String(v));
    }
    return { status: res.statusCode, headers: answerHeaders, text: res.body };
  }
  const res = await fetch(`${target}${path}`, {
    method,
    headers,
    ...(payload !== undefined ? { body: payload } : {}),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export async function api<T = unknown>(
  target: GatewayTarget,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<JsonResponse<T>> {
  const res = await request(target, method, path, opts);
  return { status: res.status, headers: res.headers, body: (res.text ? JSON.parse(res.text) : null) as T };
}

export async function devLogin(
  baseUrl: GatewayTarget,
  openid: string,
): Promise<{ token: string; userId: string }> {
  const res = await api<{ token: string; user: { id: string } }>(baseUrl, 'POST', '/api/auth/dev', {
    body: { openid },
  });
  if (res.status !== 200) throw new Error(`dev login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.token, userId: res.body.user.id };
}

export async function adminLogin(
  baseUrl: GatewayTarget,
  username: string,
  password: string,
): Promise<string> {
  const res = await api<{ token: string }>(baseUrl, 'POST', '/api/admin/auth/login', {
    body: { username, password },
  });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Adds a delivery address to the shopper's address book; returns its id (orders need one before payment). */
export async function addAddress(baseUrl: GatewayTarget, token: string): Promise<string> {
  const res = await api<{ id: string }>(baseUrl, 'POST', '/api/addresses', {
    token,
    body: {
      name: '张三',
      phone: '13812348000',
      region: ['330000', '330100', '330106'],
      detail: '龙井路 1 号',
    },
  });
  if (res.status !== 201) throw new Error(`address failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}
