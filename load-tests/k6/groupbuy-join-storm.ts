/**
 * Group-buy join storm: shoppers list the groups closest to full and race to join the first one, opening a
 * group when none is left or the race is lost. GROUP_FULL, GROUP_CLOSED and ALREADY_MEMBER are correct answers.
 * k6 run -e BASE_URL=http://127.0.0.1:3000 -e ADMIN_PASSWORD=… load-tests/k6/groupbuy-join-storm.ts
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
  errorCode,
  GROUP_EXPECTED,
  jsonParams,
  loginShoppers,
  pickToken,
  requestId,
} from './lib.ts';

const RATE = envInt('RATE', 150);

export const options: Options = {
  setupTimeout: '180s',
  teardownTimeout: '60s',
  scenarios: {
    storm: {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      preAllocatedVUs: 100,
      maxVUs: 600,
      stages: [
        { duration: '5s', target: RATE },
        { duration: __ENV.DURATION || '20s', target: RATE },
      ],
    },
  },
  thresholds: {
    'http_req_duration{scenario:storm,name:join}': ['p(99)<200'],
    'http_req_duration{scenario:storm}': ['p(99)<200'],
    unexpected_errors: ['rate<0.001'],
    correctness: ['rate==1'],
  },
};

interface Setup {
  adminToken: string;
  campaignId: string;
  tokens: string[];
}

interface Group {
  id: string;
  size: number;
  slotsTaken: number;
  status: string;
}

export function setup(): Setup {
  const adminToken = adminLogin();
  const campaignId = createCampaign(adminToken, {
    type: 'groupbuy',
    stockTotal: envInt('STOCK', 3000),
    perUserLimit: 1,
    groupSize: 3,
    groupTtlSeconds: 600,
  });
  return { adminToken, campaignId, tokens: loginShoppers(envInt('USERS', 1500)) };
}

export default function (data: Setup): void {
  const token = pickToken(data.tokens);
  const list = http.get(
    `${BASE_URL}/api/groupbuy/${data.campaignId}/groups`,
    jsonParams(token, { name: 'list' }),
  );
  account(list, GROUP_EXPECTED);
  let groups: Group[] = [];
  try {
    groups = (list.json('items') as unknown as Group[]) ?? [];
  } catch {
    groups = [];
  }
  const target = groups.find((g) => g.status === 'forming' && g.slotsTaken < g.size);
  if (target) {
    const join = http.post(
      `${BASE_URL}/api/groupbuy/groups/${target.id}/members`,
      JSON.stringify({ requestId: requestId() }),
      jsonParams(token, { name: 'join' }),
    );
    account(join, GROUP_EXPECTED);
    const code = errorCode(join);
    if (code !== 'GROUP_FULL' && code !== 'GROUP_CLOSED') return;
  }
  const open = http.post(
    `${BASE_URL}/api/groupbuy/${data.campaignId}/groups`,
    JSON.stringify({ requestId: requestId() }),
    jsonParams(token, { name: 'open' }),
  );
  account(open, GROUP_EXPECTED);
}

export function teardown(data: Setup): void {
  checkStockAfterSettlement(data.adminToken, data.campaignId);
}
