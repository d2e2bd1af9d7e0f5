/**
 * Flash-sale spike: shoppers hit one seckill campaign at a ramping arrival rate. Refusals SOLD_OUT,
 * LIMIT_EXCEEDED and RATE_LIMITED are correct answers; anything else counts as an unexpected error.
 * k6 run -e BASE_URL=http://127.0.0.1:3000 -e ADMIN_PASSWORD=… -e RATE=400 load-tests/k6/seckill-spike.ts
 */
import http from 'k6/http';
import type { Options } from 'k6/options';
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

const RATE = envInt('RATE', 400);

export const options: Options = {
  setupTimeout: '180s',
  teardownTimeout: '60s',
  scenarios: {
    spike: {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      preAllocatedVUs: 200,
      maxVUs: 1000,
      stages: [
        { duration: '5s', target: RATE },
        { duration: __ENV.DURATION || '20s', target: RATE },
        { duration: '5s', target: 0 },
      ],
    },
  },
  thresholds: {
    'http_req_duration{scenario:spike}': ['p(99)<200'],
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
    stockTotal: envInt('STOCK', 500),
    perUserLimit: 1,
  });
  return { adminToken, campaignId, tokens: loginShoppers(envInt('USERS', 2000)) };
}

export default function (data: Setup): void {
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
