import type { RunOptions, ScenarioName } from './args.ts';
import { field, type GatewayClient, toSample } from './client.ts';
import type { CheckResult } from './correctness.ts';
import type { Sample } from './stats.ts';
import type { ThresholdSpec } from './thresholds.ts';

/** What a scenario's setup hands to its iterations and to its final check. */
export interface ScenarioContext {
  client: GatewayClient;
  options: RunOptions;
  runId: string;
  adminToken: string;
  campaignId: string;
  tokens: string[];
  samples: Sample[];
  /** 201 answers per shopper index. */
  createdPerUser: number[];
  soldOutSeen: boolean;
  /** Group ids seen in 201 answers (group buy). */
  groupIds: Set<string>;
}

export interface Scenario {
  name: ScenarioName;
  description: string;
  campaign: {
    type: 'seckill' | 'groupbuy';
    perUserLimit: number;
    groupSize?: number;
    groupTtlSeconds?: number;
  };
  thresholds: ThresholdSpec;
  /** Whether the run ends with the stock/order correctness check through the admin API. */
  checkStock: boolean;
  iteration: (ctx: ScenarioContext, index: number) => Promise<void>;
  /** Checks of its own after the stock check (groups never over-filled). */
  extraChecks?: (ctx: ScenarioContext) => Promise<CheckResult[]>;
}

const seckillExpected = ['SOLD_OUT', 'LIMIT_EXCEEDED', 'RATE_LIMITED'] as const;
const groupExpected = [...seckillExpected, 'GROUP_FULL', 'GROUP_CLOSED', 'ALREADY_MEMBER'] as const;

function pickUser(ctx: ScenarioContext): number {
  return Math.floor(Math.random() * ctx.tokens.length);
}

function requestId(ctx: ScenarioContext, index: number, suffix = ''): string {
  return `lt-${ctx.runId}-${index}${suffix}`;
}

function record(
  ctx: ScenarioContext,
  user: number,
  tag: string,
  answer: Awaited<ReturnType<GatewayClient['send']>>,
) {
  ctx.samples.push(toSample(tag, answer));
  if (answer.status === 201) ctx.createdPerUser[user] = (ctx.createdPerUser[user] ?? 0) + 1;
  if (answer.code === 'SOLD_OUT') ctx.soldOutSeen = true;
}

async function reserveSeckill(ctx: ScenarioContext, index: number): Promise<void> {
  const user = pickUser(ctx);
  const answer = await ctx.client.send({
    method: 'POST',
    path: `/api/seckill/${ctx.campaignId}/reservations`,
    token: ctx.tokens[user],
    body: { quantity: 1, requestId: requestId(ctx, index) },
  });
  record(ctx, user, 'reserve', answer);
}

interface GroupView {
  id: string;
  size: number;
  slotsTaken: number;
  status: string;
  members?: unknown[];
}

function groupsOf(body: unknown): GroupView[] {
  if (typeof body !== 'object' || body === null || !('items' in body)) return [];
  const items = (body as { items: unknown }).items;
  return Array.isArray(items) ? (items as GroupView[]) : [];
}

function rememberGroup(ctx: ScenarioContext, body: unknown): void {
  try {
    ctx.groupIds.add(field(body, 'group.id'));
  } catch {
    // A 201 without a group id is caught by the count checks.
  }
}

async function joinOrOpenGroup(ctx: ScenarioContext, index: number): Promise<void> {
  const user = pickUser(ctx);
  const token = ctx.tokens[user];
  const list = await ctx.client.send({
    method: 'GET',
    path: `/api/groupbuy/${ctx.campaignId}/groups`,
    token,
  });
  ctx.samples.push(toSample('list-groups', list));
  const target = groupsOf(list.body).find((g) => g.status === 'forming' && g.slotsTaken < g.size);
  if (target) {
    const join = await ctx.client.send({
      method: 'POST',
      path: `/api/groupbuy/groups/${target.id}/members`,
      token,
      body: { requestId: requestId(ctx, index) },
    });
    record(ctx, user, 'join', join);
    if (join.status === 201) rememberGroup(ctx, join.body);
    // Lost the race for the last slot: open a group instead, as a shopper would.
    if (join.code !== 'GROUP_FULL' && join.code !== 'GROUP_CLOSED') return;
  }
  const open = await ctx.client.send({
    method: 'POST',
    path: `/api/groupbuy/${ctx.campaignId}/groups`,
    token,
    body: { requestId: requestId(ctx, index, 'o') },
  });
  record(ctx, user, 'open', open);
  if (open.status === 201) rememberGroup(ctx, open.body);
}

async function browse(ctx: ScenarioContext): Promise<void> {
  const user = pickUser(ctx);
  const roll = Math.random();
  if (roll < 0.4) {
    ctx.samples.push(toSample('campaigns', await ctx.client.send({ method: 'GET', path: '/api/campaigns' })));
  } else if (roll < 0.75) {
    const answer = await ctx.client.send({ method: 'GET', path: `/api/campaigns/${ctx.campaignId}` });
    ctx.samples.push(toSample('campaign', answer));
  } else if (roll < 0.85) {
    ctx.samples.push(toSample('time', await ctx.client.send({ method: 'GET', path: '/api/time' })));
  } else {
    const answer = await ctx.client.send({ method: 'GET', path: '/api/orders', token: ctx.tokens[user] });
    ctx.samples.push(toSample('orders', answer));
  }
}

/** Groups the run touched never hold more members than their size, and count their members right. */
async function checkGroups(ctx: ScenarioContext): Promise<CheckResult[]> {
  const ids = [...ctx.groupIds].slice(0, 50);
  const bad: string[] = [];
  let read = 0;
  for (const id of ids) {
    const answer = await ctx.client.send({
      method: 'GET',
      path: `/api/groupbuy/groups/${id}`,
      token: ctx.tokens[0],
    });
    if (answer.status !== 200) {
      bad.push(`${id}: ${answer.status}`);
      continue;
    }
    read++;
    const g = answer.body as GroupView;
    const members = Array.isArray(g.members) ? g.members.length : -1;
    if (g.slotsTaken > g.size || members !== g.slotsTaken) {
      bad.push(`${id}: ${g.slotsTaken}/${g.size}, ${members} members`);
    }
  }
  return [
    {
      name: 'no group over-filled: slotsTaken <= size == members',
      pass: bad.length === 0,
      detail: bad.length === 0 ? `${read} groups read` : bad.slice(0, 5).join('; '),
    },
  ];
}

export const scenarios: Record<ScenarioName, Scenario> = {
  'seckill-spike': {
    name: 'seckill-spike',
    description: 'Many shoppers hit one flash sale at once: ramp to the target rate of reservations.',
    campaign: { type: 'seckill', perUserLimit: 1 },
    thresholds: {
      latencyTag: 'reserve',
      p99Ms: 200,
      maxUnexpectedRate: 0.001,
      expectedCodes: seckillExpected,
    },
    checkStock: true,
    iteration: reserveSeckill,
  },
  'groupbuy-join-storm': {
    name: 'groupbuy-join-storm',
    description:
      'Shoppers list the groups closest to full and race to join them, opening a group when none is left.',
    campaign: { type: 'groupbuy', perUserLimit: 1, groupSize: 3, groupTtlSeconds: 600 },
    thresholds: { latencyTag: 'join', p99Ms: 200, maxUnexpectedRate: 0.001, expectedCodes: groupExpected },
    checkStock: true,
    iteration: joinOrOpenGroup,
    extraChecks: checkGroups,
  },
  'browse-mix': {
    name: 'browse-mix',
    description: 'Read traffic around a sale: campaign list, campaign detail, server time, my orders.',
    campaign: { type: 'seckill', perUserLimit: 1 },
    thresholds: { latencyTag: '*', p99Ms: 200, maxUnexpectedRate: 0.001, expectedCodes: ['RATE_LIMITED'] },
    checkStock: false,
    iteration: (ctx) => browse(ctx),
  },
  soak: {
    name: 'soak',
    description:
      'A long steady mix (70% browse, 30% reservations on a large campaign) to find leaks and drift.',
    // The schema's maximum: with the default 300 shoppers a 2-minute soak at 50/s takes about 6 units each.
    campaign: { type: 'seckill', perUserLimit: 100 },
    thresholds: { latencyTag: '*', p99Ms: 200, maxUnexpectedRate: 0.001, expectedCodes: seckillExpected },
    checkStock: true,
    iteration: (ctx, index) => (Math.random() < 0.7 ? browse(ctx) : reserveSeckill(ctx, index)),
  },
};
