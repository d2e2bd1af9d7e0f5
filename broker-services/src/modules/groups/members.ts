/**
 * The groups module's set-wise writes that other owners run inside their own transaction (exported in
 * ./README.md): settlement opens groups and seats members in the batch's transaction, and the order machine
 * vacates a member's slot in the transaction that cancels or refunds the order. Also the reads reconciliation
 * makes of groups (through the orders module's settled records). Runs on a `pg`-style connection
 * (`$n` placeholders, arrays bound as arrays), so that it also runs in a settlement worker thread; keep this
 * file free of imports that would load more than it needs there.
 */

import type { FormingGroupRow } from '@tuanmiao/hot-path';

/** A connection inside an open transaction: `$n` placeholders, arrays bound as PostgreSQL arrays. */
export interface GroupSql {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

export interface OpenedGroup {
  id: string;
  campaignId: string;
  leaderId: string;
  size: number;
  createdAt: Date;
  expiresAt: Date;
}

export interface SeatedMember {
  groupId: string;
  userId: string;
  orderId: string;
  slot: number;
  joinedAt: Date;
  /** Set when the member's order is written already cancelled (its release overtook its reservation). */
  leftAt: Date | null;
}

/**
 * Opens the groups not yet known (`forming`, with their `null → forming` transition); idempotent per group id.
 * Returns how many it opened.
 */
export async function openGroups(sql: GroupSql, groups: readonly OpenedGroup[]): Promise<number> {
  if (groups.length === 0) return 0;
  const res = await sql.query<{ id: string; at: Date }>(
    `insert into groups (id, campaign_id, leader_id, size, status, created_at, expires_at)
     select id, campaign_id, leader_id, size, 'forming', created_at, expires_at
     from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[])
       as t(id, campaign_id, leader_id, size, created_at, expires_at)
     on conflict do nothing
     returning id, created_at as at`,
    [
      groups.map((g) => g.id),
      groups.map((g) => g.campaignId),
      groups.map((g) => g.leaderId),
      groups.map((g) => g.size),
      groups.map((g) => g.createdAt.toISOString()),
      groups.map((g) => g.expiresAt.toISOString()),
    ],
  );
  if (res.rows.length === 0) return 0;
  await sql.query(
    `insert into group_transitions (group_id, from_status, to_status, reason, at)
     select id, null, 'forming', 'opened', at from unnest($1::text[], $2::timestamptz[]) as t(id, at)`,
    [res.rows.map((r) => r.id), res.rows.map((r) => new Date(r.at).toISOString())],
  );
  return res.rows.length;
}

/** Seats members in their slots; idempotent per order (one membership per order). */
export async function seatMembers(sql: GroupSql, members: readonly SeatedMember[]): Promise<void> {
  if (members.length === 0) return;
  await sql.query(
    `insert into group_members (group_id, user_id, order_id, slot, joined_at, left_at)
     select group_id, user_id, order_id, slot, joined_at, left_at
     from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[])
       as t(group_id, user_id, order_id, slot, joined_at, left_at)
     on conflict do nothing`,
    [
      members.map((m) => m.groupId),
      members.map((m) => m.userId),
      members.map((m) => m.orderId),
      members.map((m) => m.slot),
      members.map((m) => m.joinedAt.toISOString()),
      members.map((m) => (m.leftAt ? m.leftAt.toISOString() : null)),
    ],
  );
}

/**
 * Ends the group membership of each order (its slot becomes free for the next joiner), at its instant or now;
 * a membership already ended keeps its time. Orders without a group change nothing.
 */
export async function vacateSlots(
  sql: GroupSql,
  orderIds: readonly string[],
  at?: readonly (Date | null)[],
): Promise<void> {
  if (orderIds.length === 0) return;
  await sql.query(
    `update group_members m set left_at = coalesce(t.at, now())
     from unnest($1::text[], $2::timestamptz[]) as t(id, at)
     where m.order_id = t.id and m.left_at is null`,
    [orderIds, orderIds.map((_id, i) => at?.[i]?.toISOString() ?? null)],
  );
}

/** A campaign's forming groups, once per active member (reconciliation rebuilds their slots from them). */
export async function formingGroupsOf(sql: GroupSql, campaignId: string): Promise<FormingGroupRow[]> {
  const res = await sql.query<FormingGroupRow>(
    `select g.id, g.leader_id, g.size, g.created_at, g.expires_at, m.user_id, m.slot, m.order_id
     from groups g left join group_members m on m.group_id = g.id and m.left_at is null
     where g.campaign_id = $1 and g.status = 'forming'`,
    [campaignId],
  );
  return res.rows;
}

/** Each group's leader (what tells an opener from a joiner when a reservation's request is rebuilt). */
export async function groupLeadersOf(
  sql: GroupSql,
  groupIds: readonly string[],
): Promise<Map<string, string>> {
  if (groupIds.length === 0) return new Map();
  const res = await sql.query<{ id: string; leader_id: string }>(
    'select id, leader_id from groups where id = any($1::text[])',
    [groupIds],
  );
  return new Map(res.rows.map((r) => [r.id, r.leader_id]));
}
