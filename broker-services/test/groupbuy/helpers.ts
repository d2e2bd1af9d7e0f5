/**
 * Shared steps of the group-buy and operator tests: a fresh PostgreSQL database and environment for the real
 * services, a campaign on a new product, shoppers opening, joining and paying through the gateway, and
 * reading Prometheus counters. Everything goes through HTTP; SQL is used only to read what was stored.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { api, devLogin, eventually, type GatewayTarget, request } from '../support/http.ts';
import { createTestDeployment } from '../support/real-services.ts';

export interface RealServices {
  env: Record<string, string>;
  databaseUrl: GatewayTarget;
  /** Reads stored rows (assertions only). */
  sql: pg.Pool;
  drop(): Promise<void>;
}

/** A test deployment on the real services (fresh database, Redis key prefix, bus namespace) plus `extra` env. */
export async function realServices(extra: Record<string, string> = {}): Promise<RealServices> {
  const d = await createTestDeployment();
  return { env: { ...d.env, ...extra }, databaseUrl: d.databaseUrl, sql: d.sql, drop: () => d.dispose() };
}

export interface Shopper {
  token: string;
  userId: string;
}

export async function shoppers(baseUrl: GatewayTarget, prefix: string, n: number): Promise<Shopper[]> {
  return pool(
    Array.from({ length: n }, (_, i) => i),
    20,
    (i) => devLogin(baseUrl, `${prefix}_${i}`),
  );
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export function requestId(): string {
  return `req_${randomBytes(8).toString('hex')}`;
}

export interface CampaignOptions {
  type?: 'seckill' | 'groupbuy';
  stockTotal: number;
  perUserLimit?: number;
  groupSize?: number;
  groupTtlSeconds?: number;
  robotFill?: { enabled: boolean; maxMissing: number };
  /** Default a second ago (live). */
  startsAt?: string;
}

/** A campaign on a new product, live (started a second ago) unless `startsAt` says otherwise, ending in two hours. */
export async function createCampaign(
  baseUrl: GatewayTarget,
  adminToken: string,
  o: CampaignOptions,
): Promise<string> {
  const product = await api<{ skus: { id: string }[] }>(baseUrl, 'POST', '/api/admin/products', {
    token: adminToken,
    body: { title: `Test product ${requestId()}`, skus: [{ name: 'Default', priceFen: 9900 }] },
  });
  if (product.status !== 201) throw new Error(`product: ${product.status} ${JSON.stringify(product.body)}`);
  const type = o.type ?? 'groupbuy';
  // The window is set on the server's clock, which a test may have moved.
  const now = Date.parse((await api<{ now: string }>(baseUrl, 'GET', '/api/time')).body.now);
  const res = await api<{ id: string }>(baseUrl, 'POST', '/api/admin/campaigns', {
    token: adminToken,
    body: {
      type,
      title: `Test ${type} ${requestId()}`,
      skuId: product.body.skus[0]!.id,
      priceFen: 4900,
      startsAt: o.startsAt ?? new Date(now - 1000).toISOString(),
      endsAt: new Date(now + 7200_000).toISOString(),
      stockTotal: o.stockTotal,
      perUserLimit: o.perUserLimit ?? 1,
      ...(type === 'groupbuy'
        ? { groupSize: o.groupSize ?? 3, groupTtlSeconds: o.groupTtlSeconds ?? 600 }
        : {}),
      ...(o.robotFill ? { robotFill: o.robotFill } : {}),
    },
  });
  if (res.status !== 201) throw new Error(`campaign: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export interface GroupView {
  id: string;
  campaignId: string;
  leaderId: string;
  size: number;
  slotsTaken: number;
  members: { userId: string; paid: boolean }[];
  status: 'forming' | 'succeeded' | 'failed';
  expiresAt: string;
}
export interface GroupAnswer {
  group: GroupView;
  reservation: { id: string; status: string; orderId?: string };
}

export async function openGroup(
  baseUrl: GatewayTarget,
  s: Shopper,
  campaignId: string,
): Promise<GroupAnswer> {
  const res = await api<GroupAnswer>(baseUrl, 'POST', `/api/groupbuy/${campaignId}/groups`, {
    token: s.token,
    body: { requestId: requestId() },
  });
  if (res.status !== 201) throw new Error(`open: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function joinGroup(baseUrl: GatewayTarget, s: Shopper, groupId: string): Promise<GroupAnswer> {
  const res = await api<GroupAnswer>(baseUrl, 'POST', `/api/groupbuy/groups/${groupId}/members`, {
    token: s.token,
    body: { requestId: requestId() },
  });
  if (res.status !== 201) throw new Error(`join: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function getGroup(baseUrl: GatewayTarget, s: Shopper, groupId: string): Promise<GroupView> {
  const res = await api<GroupView>(baseUrl, 'GET', `/api/groupbuy/groups/${groupId}`, { token: s.token });
  if (res.status !== 200) throw new Error(`group: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The order a reservation settled into, once settlement has written it. */
export async function orderOf(baseUrl: GatewayTarget, s: Shopper, reservationId: string): Promise<string> {
  return eventually(
    async () => {
      const r = await api<{ orderId?: string }>(baseUrl, 'GET', `/api/reservations/${reservationId}`, {
        token: s.token,
      });
      return r.body.orderId;
    },
    20_000,
    `order of ${reservationId}`,
  );
}

export async function payDev(baseUrl: GatewayTarget, s: Shopper, orderId: string): Promise<void> {
  const res = await api(baseUrl, 'POST', `/api/payments/dev/${orderId}/confirm`, {
    token: s.token,
    body: {},
  });
  if (res.status !== 200) throw new Error(`pay: ${res.status} ${JSON.stringify(res.body)}`);
}

export interface AdminOrder {
  id: string;
  status: string;
  groupId?: string;
  transitions?: { from: string | null; to: string; reason: string; actor: string }[];
}

export async function adminOrder(
  baseUrl: GatewayTarget,
  adminToken: string,
  id: string,
): Promise<AdminOrder> {
  const res = await api<AdminOrder>(baseUrl, 'GET', `/api/admin/orders/${id}`, { token: adminToken });
  if (res.status !== 200) throw new Error(`admin order: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface CampaignLive {
  stockTotal: number;
  stockLeft: number;
  reserved: number;
  sold: number;
  unsettled: number;
  ordersPending: number;
  ordersPaid: number;
  ordersCancelled: number;
  ordersRefunded: number;
  groupsForming?: number;
  groupsSucceeded?: number;
  groupsFailed?: number;
}

export async function live(
  baseUrl: GatewayTarget,
  adminToken: string,
  campaignId: string,
): Promise<CampaignLive> {
  const res = await api<CampaignLive>(baseUrl, 'GET', `/api/admin/campaigns/${campaignId}/live`, {
    token: adminToken,
  });
  if (res.status !== 200) throw new Error(`live: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface AuditItem {
  action: string;
  objectType: string;
  objectId: string;
  adminUsername: string;
  detail: Record<string, unknown>;
}

export async function auditLog(baseUrl: GatewayTarget, adminToken: string): Promise<AuditItem[]> {
  const res = await api<{ items: AuditItem[] }>(baseUrl, 'GET', '/api/admin/audit-log?limit=100', {
    token: adminToken,
  });
  if (res.status !== 200) throw new Error(`audit: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items;
}

/** Sum of a Prometheus counter's samples whose labels include every pair of `labels`. */
export async function metric(
  baseUrl: GatewayTarget,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const { text } = await request(baseUrl, 'GET', '/metrics');
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
