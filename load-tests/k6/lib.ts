/** Shared setup and accounting of the k6 scenarios (k6 runs TypeScript directly: `k6 run seckill-spike.ts`). */
import { check, fail, sleep } from 'k6';
import exec from 'k6/execution';
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { Rate } from 'k6/metrics';

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:3000').replace(/\/$/, '');

/** Share of answers that are neither a success nor an expected refusal; the thresholds keep it under 0.1%. */
export const unexpectedErrors = new Rate('unexpected_errors');

/** 1 for each correctness check of teardown that held; a threshold demands every one did. */
export const correctness = new Rate('correctness');

export const SECKILL_EXPECTED = ['SOLD_OUT', 'LIMIT_EXCEEDED', 'RATE_LIMITED'];
export const GROUP_EXPECTED = [...SECKILL_EXPECTED, 'GROUP_FULL', 'GROUP_CLOSED', 'ALREADY_MEMBER'];

// Refusals (409, 429) are answers, not failed requests, for k6's own http_req_failed.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 409, 429));

export function envInt(name: string, fallback: number): number {
  const v = Number(__ENV[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

export function jsonParams(token?: string, tags?: Record<string, string>) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  return { headers, tags: tags ?? {} };
}

type Res = RefinedResponse<ResponseType | undefined>;

export function errorCode(res: Res): string | undefined {
  try {
    const code = res.json('error.code');
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Counts an answer into unexpected_errors: 2xx and expected refusal codes are fine, anything else is not. */
export function account(res: Res, expected: readonly string[]): boolean {
  const ok = res.status >= 200 && res.status < 300;
  const code = ok ? undefined : errorCode(res);
  const refused = res.status >= 400 && res.status < 500 && code !== undefined && expected.includes(code);
  unexpectedErrors.add(!ok && !refused);
  return ok;
}

/** A fresh client request id per iteration (8–64 chars): a retry would reuse it, a new attempt never does. */
export function requestId(): string {
  return `k6-${exec.vu.idInTest}-${exec.scenario.iterationInTest}-${Date.now().toString(36)}`;
}

function mustJson(res: Res, what: string): Record<string, unknown> {
  if (res.status < 200 || res.status >= 300) fail(`${what}: ${res.status} ${res.body}`);
  return res.json() as Record<string, unknown>;
}

export function adminLogin(): string {
  const res = http.post(
    `${BASE_URL}/api/admin/auth/login`,
    JSON.stringify({ username: __ENV.ADMIN_USERNAME || 'admin', password: __ENV.ADMIN_PASSWORD || '' }),
    jsonParams(),
  );
  return String(mustJson(res, 'admin login (set ADMIN_USERNAME / ADMIN_PASSWORD)').token);
}

export interface CampaignSpec {
  type: 'seckill' | 'groupbuy';
  stockTotal: number;
  perUserLimit: number;
  groupSize?: number;
  groupTtlSeconds?: number;
}

/** Creates a product and a campaign starting in 2 s; waits for the start and returns the campaign id. */
export function createCampaign(adminToken: string, spec: CampaignSpec): string {
  const title = `k6 ${spec.type} ${Date.now()}`;
  const product = mustJson(
    http.post(
      `${BASE_URL}/api/admin/products`,
      JSON.stringify({ title, skus: [{ name: 'default', priceFen: 9900 }] }),
      jsonParams(adminToken),
    ),
    'create product',
  );
  const skus = product.skus as { id: string }[];
  const startsAt = new Date(Date.now() + 2000);
  const campaign = mustJson(
    http.post(
      `${BASE_URL}/api/admin/campaigns`,
      JSON.stringify({
        ...spec,
        // A dry run unless LIVE_CAMPAIGN=1: test orders, off the dashboard and shoppers' list.
        dryRun: __ENV.LIVE_CAMPAIGN !== '1',
        // STOCK_BUCKETS=N (seckill): the stock split over N Redis shards (库存分桶), 1–16.
        ...(spec.type === 'seckill' && envInt('STOCK_BUCKETS', 1) > 1
          ? { stockBuckets: envInt('STOCK_BUCKETS', 1) }
          : {}),
        title,
        skuId: skus[0]?.id,
        priceFen: 100,
        startsAt: startsAt.toISOString(),
        endsAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
      }),
      jsonParams(adminToken),
    ),
    'create campaign',
  );
  sleep(Math.max(0, (startsAt.getTime() - Date.now()) / 1000 + 0.5));
  return String(campaign.id);
}

/** Logs `count` shoppers in through dev login, 50 at a time, and returns their tokens. */
export function loginShoppers(count: number): string[] {
  const tokens: string[] = [];
  const run = Date.now().toString(36);
  for (let start = 0; start < count; start += 50) {
    const batch = [];
    for (let i = start; i < Math.min(start + 50, count); i++) {
      batch.push({
        method: 'POST',
        url: `${BASE_URL}/api/auth/dev`,
        body: JSON.stringify({ openid: `k6_${run}_${i}` }),
        params: jsonParams(),
      });
    }
    for (const res of http.batch(batch)) tokens.push(String(mustJson(res, 'dev login').token));
  }
  return tokens;
}

export function pickToken(tokens: readonly string[]): string {
  return tokens[Math.floor(Math.random() * tokens.length)] ?? '';
}

interface Live {
  stockTotal: number;
  stockLeft: number;
  reserved: number;
  ordersPending: number;
  ordersPaid: number;
  ordersCancelled: number;
}

/** Teardown: waits for settlement, then checks stock conservation and no oversell through the admin API. */
export function checkStockAfterSettlement(adminToken: string, campaignId: string): void {
  let live: Live | undefined;
  for (let i = 0; i < 60; i++) {
    live = mustJson(
      http.get(`${BASE_URL}/api/admin/campaigns/${campaignId}/live`, jsonParams(adminToken)),
      'campaign live',
    ) as unknown as Live;
    if (live.reserved === live.ordersPending) break;
    sleep(0.5);
  }
  if (!live) return;
  const l = live;
  const results = check(l, {
    'settled: reserved == ordersPending': (v) => v.reserved === v.ordersPending,
    'stock conserved: stockLeft + reserved + sold == stockTotal': (v) =>
      v.stockLeft + v.reserved + v.ordersPaid === v.stockTotal,
    'no oversell': (v) => v.stockLeft >= 0 && v.ordersPending + v.ordersPaid <= v.stockTotal,
  });
  correctness.add(results);
}
