/**
 * Browse mix: the read traffic around a sale (campaign list, detail, server time, my orders).
 * k6 run -e BASE_URL=http://127.0.0.1:3000 -e ADMIN_PASSWORD=… load-tests/k6/browse-mix.ts
 */
import http from 'k6/http';
import type { Options } from 'k6/options';
import {
  account,
  adminLogin,
  BASE_URL,
  createCampaign,
  envInt,
  jsonParams,
  loginShoppers,
  pickToken,
} from './lib.ts';

export const options: Options = {
  setupTimeout: '120s',
  scenarios: {
    browse: {
      executor: 'constant-arrival-rate',
      rate: envInt('RATE', 300),
      timeUnit: '1s',
      duration: __ENV.DURATION || '30s',
      preAllocatedVUs: 100,
      maxVUs: 500,
    },
  },
  thresholds: {
    'http_req_duration{scenario:browse}': ['p(99)<200'],
    unexpected_errors: ['rate<0.001'],
  },
};

interface Setup {
  campaignId: string;
  tokens: string[];
}

export function setup(): Setup {
  const campaignId = createCampaign(adminLogin(), { type: 'seckill', stockTotal: 100, perUserLimit: 1 });
  return { campaignId, tokens: loginShoppers(envInt('USERS', 200)) };
}

export function browse(data: Setup): void {
  const roll = Math.random();
  const expected = ['RATE_LIMITED'];
  if (roll < 0.4)
    account(http.get(`${BASE_URL}/api/campaigns`, jsonParams(undefined, { name: 'campaigns' })), expected);
  else if (roll < 0.75)
    account(
      http.get(`${BASE_URL}/api/campaigns/${data.campaignId}`, jsonParams(undefined, { name: 'campaign' })),
      expected,
    );
  else if (roll < 0.85)
    account(http.get(`${BASE_URL}/api/time`, jsonParams(undefined, { name: 'time' })), expected);
  else
    account(
      http.get(`${BASE_URL}/api/orders`, jsonParams(pickToken(data.tokens), { name: 'orders' })),
      expected,
    );
}

export default function (data: Setup): void {
  browse(data);
}
