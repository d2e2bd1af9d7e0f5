/** Shared pieces of the gateway route tests: exact error bodies, tokens, admin-made campaigns. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERRORS, type ErrorCode } from '@tuanmiao/contract';
import { api, type GatewayTarget, type JsonResponse } from '../support/http.ts';

export interface ErrorBodyShape {
  error: { code: string; message: string; retryable: boolean; details?: Record<string, unknown> };
}

/**
 * Asserts the status and the exact error body `{"error":{"code","message","retryable"}}` (no details);
 * `retryable` is the registry's for the code (`@tuanmiao/contract`), which every error body carries.
 */
export function assertError(
  res: JsonResponse,
  status: number,
  code: ErrorCode,
  message: string,
  what = '',
): void {
  assert.deepEqual(
    { status: res.status, body: res.body },
    { status, body: { error: { code, message, retryable: ERRORS[code].retryable } } },
    what,
  );
}

/** A 400 VALIDATION_FAILED whose message names the part that failed, with the validator's problems. */
export function assertValidation(res: JsonResponse, what = ''): void {
  assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
  const body = res.body as ErrorBodyShape;
  assert.deepEqual(Object.keys(body), ['error'], what);
  assert.equal(body.error.code, 'VALIDATION_FAILED', what);
  assert.equal(typeof body.error.message, 'string', what);
  assert.ok(body.error.message.length > 0, what);
  assert.equal(body.error.retryable, false, what);
  for (const key of Object.keys(body.error)) {
    assert.ok(['code', 'message', 'retryable', 'details'].includes(key), `${what}: unexpected key ${key}`);
  }
}

/** A well-formed id of `prefix` that no record has. */
export const unknownId = (prefix: string): string => `${prefix}_${'0'.repeat(26)}`;

/** An HS256 JWT signed with the platform's secret (its data directory's `jwt-secret`), e.g. already expired. */
export function signToken(dataDir: string, claims: Record<string, unknown>): string {
  return signTokenWith(readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8').trim(), claims);
}

/** An HS256 JWT signed with `secret`. */
export function signTokenWith(secret: string, claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

export interface CampaignInput {
  type: 'seckill' | 'groupbuy';
  startsInMs: number;
  lastsMs: number;
  stockTotal: number;
  perUserLimit: number;
  groupSize?: number;
}

/** Creates a campaign through the admin API on the first SKU of the catalog; returns its id. */
export async function createCampaign(
  baseUrl: GatewayTarget,
  adminToken: string,
  c: CampaignInput,
): Promise<string> {
  const products = await api<{ items: { skus: { id: string }[] }[] }>(baseUrl, 'GET', '/api/admin/products', {
    token: adminToken,
  });
  const skuId = products.body.items[0]!.skus[0]!.id;
  const time = await api<{ now: string }>(baseUrl, 'GET', '/api/time');
  const now = Date.parse(time.body.now);
  const res = await api<{ id: string }>(baseUrl, 'POST', '/api/admin/campaigns', {
    token: adminToken,
    body: {
      type: c.type,
      title: `${c.type} test`,
      skuId,
      priceFen: 990,
      startsAt: new Date(now + c.startsInMs).toISOString(),
      endsAt: new Date(now + c.startsInMs + c.lastsMs).toISOString(),
      stockTotal: c.stockTotal,
      perUserLimit: c.perUserLimit,
      ...(c.type === 'groupbuy' ? { groupSize: c.groupSize ?? 2, groupTtlSeconds: 3600 } : {}),
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id;
}
