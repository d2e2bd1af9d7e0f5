/** A small JSON client for tests against a running gateway. */
export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function api<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined
      ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }
      : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
}

export async function devLogin(baseUrl: string, openid: string): Promise<{ token: string; userId: string }> {
  const res = await api<{ token: string; user: { id: string } }>(baseUrl, 'POST', '/api/auth/dev', {
    body: { openid },
  });
  if (res.status !== 200) throw new Error(`dev login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.token, userId: res.body.user.id };
}

export async function adminLogin(baseUrl: string, username: string, password: string): Promise<string> {
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
export async function addAddress(baseUrl: string, token: string): Promise<string> {
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
