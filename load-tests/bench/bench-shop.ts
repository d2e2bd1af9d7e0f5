/**
 * What every bench section that drives a started platform needs first: a JSON caller on its base URL, the
 * admin's token, and one product with one SKU to put campaigns on.
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
