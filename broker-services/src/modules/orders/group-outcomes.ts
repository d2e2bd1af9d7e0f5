/**
 * What the orders module does when a group ends (the groups module's `group.succeeded` and `group.failed`,
 * version 1). A succeeded group's paid orders are ready to ship: they are logged by group and counted. A failed
 * group's orders are settled at once: each paid one refunded, each unpaid one cancelled, through the same guarded
 * transitions as `orders.refundForSystem` and `orders.cancelForSystem`. Events are at most once, so the groups
 * sweeper settles a failed group's orders too (after a lost event or a crash); whichever of the two wins an
 * order's guarded transition does it, and the other finds nothing to do: one refund per order, never two.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { groupOutcomeOrdersTotal } from '@tuanmiao/observability';
import type { Logger } from 'pino';
import type { EventPayload } from '../../broker/bus.ts';

export interface GroupOutcomeDeps {
  em: () => EntityManager;
  log: Logger;
  /** Refunds a paid order for a reason of the system; true when this call moved it to refunding. */
  refund(orderId: string, reason: string): Promise<boolean>;
  /** Cancels an unpaid order for a reason of the system, its stock back; true when this call cancelled it. */
  cancel(orderId: string, reason: string): Promise<boolean>;
}

/** The group's paid orders are ready to ship; answers their ids. */
export async function onGroupSucceeded(
  deps: GroupOutcomeDeps,
  event: EventPayload<'group.succeeded'>,
): Promise<string[]> {
  const rows = await deps
    .em()
    .execute<{ id: string }[]>(`select id from orders where group_id = ? and status = 'paid' order by id`, [
      event.groupId,
    ]);
  const orderIds = rows.map((r) => r.id);
  groupOutcomeOrdersTotal.inc({ outcome: 'succeeded', action: 'ready_to_ship' }, orderIds.length);
  deps.log.info(
    { groupId: event.groupId, campaignId: event.campaignId, robotFilled: event.robotFilled, orderIds },
    'group succeeded: orders ready to ship',
  );
  return orderIds;
}

/** Refunds the failed group's paid orders and cancels its unpaid ones; answers what this call did. */
export async function onGroupFailed(
  deps: GroupOutcomeDeps,
  event: EventPayload<'group.failed'>,
): Promise<{ refunded: string[]; cancelled: string[] }> {
  const rows = await deps
    .em()
    .execute<{ id: string; status: 'paid' | 'pending_payment' }[]>(
      `select id, status from orders where group_id = ? and status in ('paid', 'pending_payment') order by id`,
      [event.groupId],
    );
  const refunded: string[] = [];
  const cancelled: string[] = [];
  for (const o of rows) {
    if (o.status === 'paid') {
      if (await deps.refund(o.id, 'group_failed')) refunded.push(o.id);
    } else if (await deps.cancel(o.id, 'group_failed')) cancelled.push(o.id);
  }
  groupOutcomeOrdersTotal.inc({ outcome: 'failed', action: 'refunded' }, refunded.length);
  groupOutcomeOrdersTotal.inc({ outcome: 'failed', action: 'cancelled' }, cancelled.length);
  deps.log.info(
    { groupId: event.groupId, campaignId: event.campaignId, refunded, cancelled },
    'group failed: orders refunded and cancelled',
  );
  return { refunded, cancelled };
}
