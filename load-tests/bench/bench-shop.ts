/**
 * What every bench section that drives a started platform needs first: a JSON caller on its base URL, the
 * admin's token, one product with one SKU to put campaigns on, and signed-in shoppers.
 */

/** The body of a 2xx answer, parsed; throws with the status and body otherwise. */
export async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** A request to the platform with an optional bearer token and JSON body. */
export type BenchCall = (
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
) => Promise<Response>;

export interface BenchShop {
  call: BenchCall;
  adminToken: string;
  /** The one SKU of the product created for this run. */
  skuId: string;
}

/** Signs in as `admin` and creates the product `Bench <tag>` with one SKU at ¥99. */
export async function openBenchShop(base: string, adminPassword: string, tag: string): Promise<BenchShop> {
  const call: BenchCall = (method, path, token, body) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const { token: adminToken } = await json<{ token: string }>(
    await call('POST', '/api/admin/auth/login', undefined, { username: 'admin', password: adminPassword }),
    'admin login',
  );
  const product = await json<{ skus: { id: string }[] }>(
    await call('POST', '/api/admin/products', adminToken, {
      title: `Bench ${tag}`,
      skus: [{ name: 'default', priceFen: 9900 }],
    }),
    'create product',
  );
  return { call, adminToken, skuId: product.skus[0]?.id ?? '' };
}

/** A shopper signed in for a bench: the token, the Authorization header that sends it, and the shopper's id. */
export interface BenchShopper {
  token: string;
  auth: string;
  id: string;
}

/** Signs in `count` shoppers (`bench-<tag>-<i>`, dev login), 16 at a time, in order. */
export async function loginShoppers(base: string, tag: string, count: number): Promise<BenchShopper[]> {
  const shoppers: BenchShopper[] = [];
  for (let i = 0; i < count; i += 16) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(16, count - i) }, async (_, k) =>
        json<{ token: string; user: { id: string } }>(
          await fetch(`${base}/api/auth/dev`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ openid: `bench-${tag}-${i + k}` }),
          }),
          'dev login',
        ),
      ),
    );
    for (const u of batch) shoppers.push({ token: u.token, auth: `Bearer ${u.token}`, id: u.user.id });
  }
  return shoppers;
}
