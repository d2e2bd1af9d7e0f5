/**
 * groups: the group-buy state machine (forming → succeeded | failed), one guarded transition per group so that
 * whichever process or timer gets there first owns the side effects: on success the group's orders are ready
 * to ship and `group.succeeded` is emitted once; on failure paid members are refunded and unpaid ones
 * cancelled (their slots and stock go back). A failed group whose members are not all resolved is picked up
 * again by the next sweep, so a crash mid-way is finished later, and each order's own guard makes it once.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { groupTransitionsTotal, robotFillTotal } from '@tuanmiao/observability';
import type { ServiceSchema } from 'moleculer';
import { type BusEndpoint, call, defineService, emit } from '../../broker/bus.ts';
import { sweeperMixin } from '../../broker/sweeper.mixin.ts';
import { AppError } from '../../errors.ts';
import { campaignOfId } from '../../ids.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { type AuditInput, recordAudit } from '../admin/audit.ts';
import { groupsContract } from './contract.ts';
import { type GroupView, sharePath } from './schemas.ts';

interface GroupRow {
  id: string;
  campaign_id: string;
  leader_id: string;
  size: number;
  status: 'forming' | 'succeeded' | 'failed';
  expires_at: Date;
  robot_filled: number;
}
interface MemberRow {
  user_id: string;
  order_id: string;
  order_status: string;
}

const PAID = new Set(['paid', 'shipped', 'completed']);

export default function createGroupsService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();

  async function members(groupId: string): Promise<MemberRow[]> {
    return em().execute<MemberRow[]>(
      `select m.user_id, m.order_id, o.status as order_status
       from group_members m join orders o on o.id = m.order_id
       where m.group_id = ? and m.left_at is null order by m.slot`,
      [groupId],
    );
  }

  /** Guarded status change with its transition row; null when another caller changed it first. */
  async function transition(
    groupId: string,
    to: 'succeeded' | 'failed',
    reason: string,
    robotFilled = 0,
    audit?: AuditInput,
  ): Promise<GroupRow | null> {
    const row = await em().transactional(async (tx) => {
      const rows = await tx.execute<GroupRow[]>(
        `update groups set status = ?, robot_filled = ?, ${to === 'succeeded' ? 'succeeded_at' : 'failed_at'} = now()
         where id = ? and status = 'forming' returning *`,
        [to, robotFilled, groupId],
      );
      if (!rows[0]) return null;
      await tx.execute(
        'insert into group_transitions (group_id, from_status, to_status, reason) values (?, ?, ?, ?)',
        [groupId, 'forming', to, reason],
      );
      // A policy's move (robot fill) commits with its audit entry: both or neither.
      if (audit) await recordAudit(tx, 'system', audit);
      return rows[0];
    });
    if (row) {
      groupTransitionsTotal.inc({ from: 'forming', to, reason });
      rt.log.info({ groupId, from: 'forming', to, reason }, 'group transition');
      await rt.store.closeGroup(row.campaign_id, groupId, to);
    }
    return row;
  }

  /** The all-paid success: every slot taken by a member whose order is paid; the guarded transition emits once. */
  async function succeedIfAllPaid(g: GroupRow, ms: MemberRow[], ctx: BusEndpoint): Promise<boolean> {
    if (ms.length < g.size || !ms.every((m) => PAID.has(m.order_status))) return false;
    const done = await transition(g.id, 'succeeded', 'all_paid');
    if (!done) return false;
    void emit(ctx, 'group.succeeded', {
      version: 1,
      groupId: g.id,
      campaignId: g.campaign_id,
      robotFilled: 0,
    });
    return true;
  }

  async function view(g: GroupRow): Promise<GroupView> {
    const ms = await members(g.id);
    const paid = new Set(ms.filter((m) => PAID.has(m.order_status)).map((m) => m.user_id));
    // While a group forms, the hot path holds its slots first (a join is settled a moment later): show those.
    const hot = g.status === 'forming' ? await rt.store.getGroup(g.campaign_id, g.id) : null;
    const memberIds = hot ? hot.members.map((m) => m.userId) : ms.map((m) => m.user_id);
    return {
      id: g.id,
      campaignId: g.campaign_id,
      leaderId: g.leader_id,
      size: g.size,
      slotsTaken: Math.min(g.size, (hot ? hot.slotsTaken : ms.length) + g.robot_filled),
      members: memberIds.map((userId) => ({ userId, paid: paid.has(userId) })),
      status: g.status,
      expiresAt: new Date(g.expires_at).toISOString(),
      sharePath: sharePath(g.id),
    };
  }

  return defineService(groupsContract, {
    mixins: [
      sweeperMixin({ action: 'groups.expireDue', intervalMs: rt.config.sweepIntervalMs, log: rt.log }),
    ],
    actions: {
      /**
       * A group with its members; before settlement it is read from the hot path, under the campaign its id
       * names (a group id from before ids carried their campaign is found once settled).
       */
      get: async (ctx) => {
        const [g] = await em().execute<GroupRow[]>('select * from groups where id = ?', [ctx.params.id]);
        if (g) return view(g);
        const campaignId = campaignOfId(ctx.params.id);
        const hot = campaignId ? await rt.store.getGroup(campaignId, ctx.params.id) : null;
        if (!campaignId || !hot) throw new AppError('NOT_FOUND', 'No such group');
        return {
          id: hot.id,
          campaignId,
          leaderId: hot.leaderId,
          size: hot.size,
          slotsTaken: hot.slotsTaken,
          members: hot.members.map((m) => ({ userId: m.userId, paid: false })),
          status: hot.status,
          expiresAt: new Date(hot.expiresAtMs).toISOString(),
          sharePath: sharePath(hot.id),
        } satisfies GroupView;
      },

      /** The members of a failed group who still held their slot when it failed (those who left earlier did not). */
      failedMembers: async (ctx) => {
        const rows = await em().execute<{ user_id: string }[]>(
          `select distinct m.user_id from group_members m join groups g on g.id = m.group_id
           where g.id = ? and g.status = 'failed'
             and (m.left_at is null or m.left_at >= (select max(t.at) from group_transitions t
                                                      where t.group_id = g.id and t.to_status = 'failed'))`,
          [ctx.params.id],
        );
        return { userIds: rows.map((r) => r.user_id) };
      },

      /** Forming groups of a campaign that a stranger can join, closest to full first (of the soonest to close). */
      listJoinable: async (ctx) => {
        // An unknown campaign is NOT_FOUND, not an empty list: the hot path alone cannot tell them apart.
        await call(ctx, 'campaigns.get', { id: ctx.params.id });
        const hot = await rt.store.listFormingGroups(ctx.params.id, rt.now(), 20);
        return {
          items: hot.map(
            (h): GroupView => ({
              id: h.id,
              campaignId: ctx.params.id,
              leaderId: h.leaderId,
              size: h.size,
              slotsTaken: h.slotsTaken,
              members: h.members.map((m) => ({ userId: m.userId, paid: false })),
              status: h.status,
              expiresAt: new Date(h.expiresAtMs).toISOString(),
              sharePath: sharePath(h.id),
            }),
          ),
        };
      },

      /** Succeeds the group when every slot is taken by a paid member; emits group.succeeded once. */
      checkSuccess: async (ctx) => {
        const [g] = await em().execute<GroupRow[]>('select * from groups where id = ?', [ctx.params.id]);
        if (g?.status !== 'forming') return { succeeded: false };
        return { succeeded: await succeedIfAllPaid(g, await members(g.id), ctx) };
      },

      /** Ends every expired forming group (success by robot fill where the policy allows, else failure). */
      expireDue: async (ctx) => {
        const due = await em().execute<GroupRow[]>(
          `select * from groups where status = 'forming' and expires_at <= ? order by expires_at limit 100`,
          [new Date(rt.now())],
        );
        // The robot-fill policy is the campaign's: asked of its owner, once per campaign among the due groups.
        const policies = new Map(
          due.length === 0
            ? []
            : (
                await call(ctx, 'campaigns.robotFillPolicies', {
                  ids: [...new Set(due.map((g) => g.campaign_id))],
                })
              ).items.map((p) => [p.id, p]),
        );
        // `order.paid` is at-most-once: a group whose every slot is paid succeeds here even when its event was
        // lost, before (and instead of) failing at expiry.
        let succeeded = 0;
        const fullyPaid = await em().execute<GroupRow[]>(
          `select g.* from groups g
           join group_members m on m.group_id = g.id and m.left_at is null
           join orders o on o.id = m.order_id
           where g.status = 'forming'
           group by g.id
           having count(*) filter (where o.status in ('paid', 'shipped', 'completed')) >= g.size
           limit 100`,
        );
        for (const g of fullyPaid) if (await succeedIfAllPaid(g, await members(g.id), ctx)) succeeded++;
        let failed = 0;
        let robotFilled = 0;
        for (const g of due) {
          const ms = await members(g.id);
          if (await succeedIfAllPaid(g, ms, ctx)) {
            succeeded++;
            continue;
          }
          const paid = ms.filter((m) => PAID.has(m.order_status));
          const missing = g.size - paid.length;
          const policy = policies.get(g.campaign_id);
          if (policy?.enabled && paid.length > 0 && missing <= policy.maxMissing) {
            const done = await transition(g.id, 'succeeded', 'robot_fill', missing, {
              action: 'group.robot_fill',
              objectType: 'group',
              objectId: g.id,
              detail: { campaignId: g.campaign_id, missing, paidMembers: paid.length },
            });
            if (done) {
              robotFilled++;
              robotFillTotal.inc({ campaign_id: g.campaign_id }, missing);
              for (const m of ms.filter((x) => x.order_status === 'pending_payment')) {
                await call(ctx, 'orders.cancelForSystem', { id: m.order_id, reason: 'group_robot_filled' });
              }
              void emit(ctx, 'group.succeeded', {
                version: 1,
                groupId: g.id,
                campaignId: g.campaign_id,
                robotFilled: missing,
              });
            }
            continue;
          }
          if (await transition(g.id, 'failed', 'expired')) {
            failed++;
            void emit(ctx, 'group.failed', { version: 1, groupId: g.id, campaignId: g.campaign_id });
          }
        }
        // Resolve the members of failed groups: refunds for the paid, cancellation for the unpaid. Each order's
        // own guard makes this exactly once, even when a crash interrupted an earlier sweep.
        const unresolved = await em().execute<{ order_id: string; status: string }[]>(
          `select o.id as order_id, o.status from groups g
           join group_members m on m.group_id = g.id
           join orders o on o.id = m.order_id
           where g.status = 'failed' and o.status in ('pending_payment', 'paid') limit 500`,
        );
        for (const o of unresolved) {
          if (o.status === 'paid')
            await call(ctx, 'orders.refundForSystem', { id: o.order_id, reason: 'group_failed' });
          else await call(ctx, 'orders.cancelForSystem', { id: o.order_id, reason: 'group_failed' });
        }
        return { succeeded, failed, robotFilled, resolved: unresolved.length };
      },
    },
    events: {
      /** A member paid: the group may be full of paid members now. */
      'order.paid': async (ctx) => {
        if (ctx.params.groupId) await call(ctx, 'groups.checkSuccess', { id: ctx.params.groupId });
      },
    },
  });
}
