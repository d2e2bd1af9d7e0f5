/**
 * Soak: a long steady mix (70% browse, 30% reservations on a large campaign) to find leaks, drift and slow
 * degradation. Watch the Runtime dashboard while it runs.
 * k6 run -e BASE_URL=http://127.0.0.1:3000 -e ADMIN_PASSWORD=… -e DURATION=30m load-tests/k6/soak.ts
 */
import http from 'k6/http';
import type { Options } from 'k6/options';
import { browse } from './browse-mix.ts';
import {
  account,
  adminLogin,
  BASE_URL,
  checkStockAfterSettlement,
  createCampaign,
  envInt,
  jsonParams,
  loginShoppers,
  pickToken,
  requestId,
  SECKILL_EXPECTED,
} from './lib.ts';

export const options: Options = {
  setupTimeout: '120s',
  teardownTimeout: '60s',
  scenarios: {
    soak: {
      executor: 'constant-arrival-rate',
      rate: envInt('RATE', 50),
      timeUnit: '1s',
      duration: __ENV.DURATION || '30m',
      preAllocatedVUs: 50,
      maxVUs: 300,
    },
  },
  thresholds: {
    'http_req_duration{scenario:soak}': ['p(99)<200'],
    unexpected_errors: ['rate<0.001'],
    correctness: ['rate==1'],
  },
};

interface Setup {
  adminToken: string;
  campaignId: string;
  tokens: string[];
}

export function setup(): Setup {
  const adminToken = adminLogin();
  const campaignId = createCampaign(adminToken, {
    type: 'seckill',
    stockTotal: envInt('STOCK', 1_000_000),
    perUserLimit: 100, // the schema's maximum
  });
  return { adminToken, campaignId, tokens: loginShoppers(envInt('USERS', 300)) };
}

export default function (data: Setup): void {
  if (Math.random() < 0.7) {
    browse(data);
    return;
  }
  const res = http.post(
    `${BASE_URL}/api/seckill/${data.campaignId}/reservations`,
    JSON.stringify({ quantity: 1, requestId: requestId() }),
    jsonParams(pickToken(data.tokens), { name: 'reserve' }),
  );
  account(res, SECKILL_EXPECTED);
}

export function teardown(data: Setup): void {
  checkStockAfterSettlement(data.adminToken, data.campaignId);
}
