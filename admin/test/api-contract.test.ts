/**
 * Every route the console's API client calls exists, with that method, in the OpenAPI document of a started
 * platform (`GET /docs/json`), so a renamed or removed gateway route fails here and not in an operator's hands.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiClient, ApiError, endpoints } from '../src/api/client.ts';
import { type Platform, startPlatform } from './support/platform.ts';

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

/** Fastify's `:id` as OpenAPI's `{id}`. */
function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

describe('admin API client against the gateway OpenAPI document', () => {
  let platform: Platform;
  let doc: OpenApiDocument;

  before(async () => {
    platform = await startPlatform();
    const res = await fetch(`${platform.baseUrl}/docs/json`);
    assert.equal(res.status, 200);
    doc = (await res.json()) as OpenApiDocument;
  });

  after(async () => {
    await platform?.stop();
  });

  test('every path and method the client uses is documented', () => {
    const missing = Object.entries(endpoints)
      .filter(([, ep]) => doc.paths[toOpenApiPath(ep.path)]?.[ep.method.toLowerCase()] === undefined)
      .map(([name, ep]) => `${name}: ${ep.method} ${ep.path}`);
    assert.deepEqual(missing, []);
  });

  test('the client signs in and reads its own admin with the typed shapes', async () => {
    const anonymous = new ApiClient({ baseUrl: platform.baseUrl });
    const login = await anonymous.login({
      username: platform.adminUsername,
      password: platform.adminPassword,
    });
    assert.equal(typeof login.token, 'string');
    assert.equal(login.admin.username, platform.adminUsername);
    assert.equal(login.admin.role, 'owner');
    const signedIn = new ApiClient({ baseUrl: platform.baseUrl, getToken: () => login.token });
    assert.deepEqual(await signedIn.me(), login.admin);
  });

  test('a failed call carries the gateway error code and status, and a 401 reaches onUnauthorized', async () => {
    let unauthorized = 0;
    const client = new ApiClient({
      baseUrl: platform.baseUrl,
      getToken: () => 'not-a-token',
      onUnauthorized: () => {
        unauthorized++;
      },
    });
    await assert.rejects(client.listProducts(), { name: 'ApiError', code: 'UNAUTHORIZED', status: 401 });
    assert.equal(unauthorized, 1);
    const anonymous = new ApiClient({ baseUrl: platform.baseUrl });
    await assert.rejects(
      anonymous.login({ username: platform.adminUsername, password: 'wrong-password' }),
      (err: unknown) =>
        err instanceof ApiError && /^[A-Z][A-Z_]+$/.test(err.code) && err.status >= 400 && err.status < 500,
    );
    assert.equal(unauthorized, 1);
  });
});
