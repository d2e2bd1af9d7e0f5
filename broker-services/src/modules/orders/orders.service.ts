/**
 * orders: the order state machine after settlement. Shoppers list, read and cancel their orders; admins list,
 * ship and refund; payments are applied here atomically with their payment record; unpaid orders are
 * cancelled at `expiresAt` by a sweeper that any number of processes may run (the guarded transition
 * decides one winner per order). Stock goes back to the hot path exactly once, by the winner.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { orderTransitionsTotal } from '@tuanmiao/observability';
import type { ServiceSchema } from 'moleculer';
import Type, { type Static } from 'typebox';
import { defineAction } from '../../broker/action.ts';
import { sweeperMixin } from '../../broker/sweeper.mixin.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { Fen, IdParam, OrderId, ReservationId, withParams } from '../../schemas/common.ts';
import { recordAudit, requireAdmin, requireUser } from '../admin/audit.ts';
import type { ConfirmedPayment } from '../payments/provider.ts';
import { type OrderRow, requireTransition, transitionOrder } from './order-machine.ts';
import { toAdminOrderView, toOrderView } from './order-view.ts';
import { AdminOrderListQuery, OrderListQuery, RefundBody, ShipBody } from './schemas.ts';

const PAGE = 20;

const PaymentInput = Type.Object({
  orderId: OrderId,
  provider: Type.Union([Type.Literal('wechat'), Type.Literal('dev')]),
  providerTxnId: Type.String({ minLength: 1, maxLength: 64 }),
  amountFen: Fen,
  paidAt: Type.String({ format: 'date-time' }),
});
type PaymentInput = Static<typeof PaymentInput>;
type PaymentOutcome = 'applied' | 'duplicate' | 'late_refunded';
type Emit = (event: string, payload: object) => void;

export default function createOrdersService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();

  async function loadOrder(id: string, userId?: string): Promise<OrderRow> {
    const rows = await em().execute<OrderRow[]>(
      `select * from orders where id = ?${userId ? ' and user_id = ?' : ''}`,
      userId ? [id, userId] : [id],
    );
    if (!rows[0]) throw new AppError('NOT_FOUND', 'No such order');
    return rows[0];
  }

  /** Returns the order's units to the hot path; idempotent there, so a retry after a crash is harmless. */
  async function releaseStock(row: OrderRow): Promise<void> {
    await rt.store.releaseReservation({
      campaignId: row.campaign_id,
      reservationId: row.reservation_id,
      userId: row.user_id,
      quantity: row.quantity,
      ...(row.group_id ? { groupId: row.group_id } : {}),
    });
  }

  /**
   * Applies a confirmed payment. One transaction records the payment (unique per provider transaction, so a
   * replay is a no-op) and moves the order to paid; a payment that lands on an order already cancelled is
   * recorded as `late_refunded` with a pending refund, never reopening the order nor taking stock again.
   */
  async function applyPayment(p: PaymentInput, emit: Emit): Promise<PaymentOutcome> {
    const order = await loadOrder(p.orderId);
    if (p.amountFen !== order.total_fen) {
      throw new AppError('PAYMENT_AMOUNT_MISMATCH', 'Paid amount differs from the order total', {
        expectedFen: order.total_fen,
        paidFen: p.amountFen,
      });
    }
    const outcome = await em().transactional(async (tx) => {
      // The payment row first: a concurrent apply of the same transaction (the notification and the expiry
      // sweep, or two redeliveries) waits here on the unique key and then sees a duplicate, never a late one.
      const paymentId = newId('pay');
      const recorded = await tx.execute<{ id: string }[]>(
        `insert into payments (id, order_id, provider, provider_txn_id, amount_fen, outcome)
         values (?, ?, ?, ?, ?, 'applied') on conflict (provider, provider_txn_id) do nothing returning id`,
        [paymentId, p.orderId, p.provider, p.providerTxnId, p.amountFen],
      );
      if (!recorded[0]) return 'duplicate' as const;
      const paid = await tx.execute<OrderRow[]>(
        `update orders set status = 'paid', paid_at = ?, updated_at = now()
         where id = ? and status = 'pending_payment' returning *`,
        [new Date(p.paidAt), p.orderId],
      );
      if (paid.length === 1) {
        await tx.execute(
          'insert into order_transitions (order_id, from_status, to_status, reason, actor) values (?, ?, ?, ?, ?)',
          [p.orderId, 'pending_payment', 'paid', 'payment_confirmed', p.provider],
        );
        return 'applied' as const;
      }
      await tx.execute(`update payments set outcome = 'late_refunded' where id = ?`, [paymentId]);
      await tx.execute(
        `insert into refunds (id, order_id, out_refund_no, amount_fen, reason, status)
         values (?, ?, ?, ?, 'late_payment', 'pending')`,
        [newId('rfd'), p.orderId, `late_${p.providerTxnId}`.slice(0, 64), p.amountFen],
      );
      return 'late_refunded' as const;
    });
    if (outcome === 'applied') {
      rt.log.info({ orderId: p.orderId, from: 'pending_payment', to: 'paid' }, 'order transition');
      orderTransitionsTotal.inc({ from: 'pending_payment', to: 'paid', reason: 'payment_confirmed' });
      emit('order.paid', {
        version: 1,
        orderId: order.id,
        campaignId: order.campaign_id,
        groupId: order.group_id,
        userId: order.user_id,
      });
    } else if (outcome === 'late_refunded') {
      rt.log.warn({ orderId: p.orderId, status: order.status }, 'payment after cancellation: refunding');
      emit('refund.requested', { version: 1, orderId: order.id });
    }
    return outcome;
  }

  /**
   * Closes an expiring order at the payment channel so that it can no longer be paid, and answers the channel's
   * payment when it had been paid after all (its notification was lost, or is still on its way). A channel that
   * cannot be reached does not hold the stock hostage: the order is cancelled, WeChat Pay refuses payment after
   * the order's time_expire anyway, and a payment that still lands is refunded as late.
   */
  async function closeAtChannel(orderId: string): Promise<ConfirmedPayment | null> {
    try {
      await rt.payments.closePayment(orderId);
      return null;
    } catch (closeErr) {
      // ORDERPAID, or no answer: only the channel's own record of the payment tells which.
      try {
        return await rt.payments.queryPayment(orderId);
      } catch (queryErr) {
        rt.log.warn({ orderId, closeErr, queryErr }, 'payment channel unreachable at expiry; cancelling');
        return null;
      }
    }
  }

  /**
   * Cancels every unpaid order past its expiry, after closing it at the channel; an order the channel says was
   * paid is paid instead. Returns how many this call cancelled.
   */
  async function expireDue(emit: Emit, limit = 200): Promise<number> {
    const now = new Date(rt.now());
    const due = await em().execute<{ id: string }[]>(
      `select id from orders where status = 'pending_payment' and expires_at <= ? order by expires_at limit ?`,
      [now, limit],
    );
    let cancelled = 0;
    for (const { id } of due) {
      try {
        const paid = await closeAtChannel(id);
        if (paid) {
          rt.log.warn({ orderId: id }, 'payment found at the channel at expiry (notification missing)');
          await applyPayment(
            {
              orderId: id,
              provider: rt.payments.name,
              providerTxnId: paid.providerTxnId,
              amountFen: paid.amountFen,
              paidAt: paid.paidAt.toISOString(),
            },
            emit,
          );
          continue;
        }
        const done = await transitionOrder(em(), rt.log, {
          orderId: id,
          to: 'cancelled',
          reason: 'payment_timeout',
          actor: 'system',
          expiredBefore: now,
          effects: { cancelledAt: now, cancelReason: 'payment_timeout', stockReleasedAt: now },
        });
        if (done) {
          cancelled++;
          await releaseStock(done.row);
        }
      } catch (err) {
        // One order that cannot be settled (a wrong amount at the channel) must not stop the others.
        rt.log.error({ err, orderId: id }, 'order expiry failed; will retry');
      }
    }
    return cancelled;
  }

  async function page(where: string[], values: unknown[], cursor: string | undefined, limit: number) {
    if (cursor) {
      where.push('id < ?');
      values.push(cursor);
    }
    const rows = await em().execute<OrderRow[]>(
      `select * from orders ${where.length ? `where ${where.join(' and ')}` : ''} order by id desc limit ?`,
      [...values, limit + 1],
    );
    const more = rows.length > limit;
    const items = rows.slice(0, limit);
    return { items, nextCursor: more ? items[items.length - 1]?.id : undefined };
  }

  return {
    name: 'orders',
    mixins: [
      sweeperMixin({ action: 'orders.expireDue', intervalMs: rt.config.sweepIntervalMs, log: rt.log }),
    ],
    actions: {
      /** The caller's orders, newest first. */
      listMine: defineAction(OrderListQuery, async (ctx) => {
        const user = requireUser(ctx.meta);
        const res = await page(['user_id = ?'], [user.id], ctx.params.cursor, ctx.params.limit ?? PAGE);
        return {
          items: res.items.map(toOrderView),
          ...(res.nextCursor ? { nextCursor: res.nextCursor } : {}),
        };
      }),

      /** One of the caller's orders; another user's order is NOT_FOUND. */
      get: defineAction(IdParam(OrderId), async (ctx) => {
        const user = requireUser(ctx.meta);
        return toOrderView(await loadOrder(ctx.params.id, user.id));
      }),

      /** The settled order of a reservation, if any (internal). */
      findByReservation: defineAction(
        Type.Object({ reservationId: ReservationId, userId: Type.String() }),
        async (ctx) => {
          const rows = await em().execute<OrderRow[]>(
            'select * from orders where reservation_id = ? and user_id = ?',
            [ctx.params.reservationId, ctx.params.userId],
          );
          return rows[0] ? { order: toAdminOrderView(rows[0]) } : { order: null };
        },
      ),

      /** The shopper cancels an unpaid order; its stock goes back to the campaign. */
      cancel: defineAction(IdParam(OrderId), async (ctx) => {
        const user = requireUser(ctx.meta);
        const order = await loadOrder(ctx.params.id, user.id);
        const now = new Date(rt.now());
        const done = await transitionOrder(em(), rt.log, {
          orderId: order.id,
          userId: user.id,
          to: 'cancelled',
          reason: 'shopper_cancel',
          actor: user.id,
          effects: { cancelledAt: now, cancelReason: 'shopper_cancel', stockReleasedAt: now },
        });
        if (!done) {
          if (order.status === 'cancelled') return toOrderView(order);
          throw new AppError('INVALID_TRANSITION', `An order that is ${order.status} cannot be cancelled`);
        }
        await releaseStock(done.row);
        return toOrderView(done.row);
      }),

      /** Internal: cancel one order for a reason of the system (group failed, operator), releasing stock. */
      cancelForSystem: defineAction(
        Type.Object({ id: OrderId, reason: Type.String({ minLength: 2, maxLength: 64 }) }),
        async (ctx) => {
          const now = new Date(rt.now());
          const done = await transitionOrder(em(), rt.log, {
            orderId: ctx.params.id,
            to: 'cancelled',
            reason: ctx.params.reason,
            actor: 'system',
            effects: { cancelledAt: now, cancelReason: ctx.params.reason, stockReleasedAt: now },
          });
          if (done) await releaseStock(done.row);
          return { cancelled: done !== null };
        },
      ),

      /**
       * Internal: applies a confirmed payment. One transaction records the payment (unique per provider
       * transaction, so a replay is a no-op) and moves the order to paid; a payment that lands on an order
       * already cancelled is recorded as `late_refunded` and refunded in full, never reopening the order.
       */
      applyPayment: defineAction(PaymentInput, async (ctx) => ({
        outcome: await applyPayment(ctx.params, (event, payload) => ctx.emit(event, payload)),
      })),

      /** Admin: orders filtered by status and campaign, newest first. */
      adminList: defineAction(AdminOrderListQuery, async (ctx) => {
        requireAdmin(ctx.meta);
        const where: string[] = [];
        const values: unknown[] = [];
        if (ctx.params.status) {
          where.push('status = ?');
          values.push(ctx.params.status);
        }
        if (ctx.params.campaignId) {
          where.push('campaign_id = ?');
          values.push(ctx.params.campaignId);
        }
        const res = await page(where, values, ctx.params.cursor, ctx.params.limit ?? PAGE);
        return {
          items: res.items.map((o) => toAdminOrderView(o)),
          ...(res.nextCursor ? { nextCursor: res.nextCursor } : {}),
        };
      }),

      /** Admin: one order with its transition history. */
      adminGet: defineAction(IdParam(OrderId), async (ctx) => {
        requireAdmin(ctx.meta);
        const order = await loadOrder(ctx.params.id);
        const transitions = await em().execute<
          { from_status: string | null; to_status: string; reason: string; actor: string; at: Date }[]
        >('select * from order_transitions where order_id = ? order by id', [order.id]);
        return toAdminOrderView(
          order,
          transitions.map((t) => ({
            from: t.from_status as OrderRow['status'] | null,
            to: t.to_status as OrderRow['status'],
            reason: t.reason,
            actor: t.actor,
            at: new Date(t.at).toISOString(),
          })),
        );
      }),

      /** Admin: ship a paid order with its tracking number. */
      ship: defineAction(withParams(IdParam(OrderId), ShipBody), async (ctx) => {
        const admin = requireAdmin(ctx.meta);
        await loadOrder(ctx.params.id);
        const now = new Date(rt.now());
        const done = await requireTransition(em(), rt.log, {
          orderId: ctx.params.id,
          to: 'shipped',
          reason: 'admin_ship',
          actor: admin.id,
          effects: { shippedAt: now, trackingNo: ctx.params.trackingNo },
        });
        await recordAudit(em(), ctx.meta, {
          action: 'order.ship',
          objectType: 'order',
          objectId: ctx.params.id,
          detail: { trackingNo: ctx.params.trackingNo, carrier: ctx.params.carrier ?? null },
        });
        return toAdminOrderView(done.row);
      }),

      /** Admin: refund a paid (or shipped) order in full through the payment provider. */
      refund: defineAction(withParams(IdParam(OrderId), RefundBody), async (ctx) => {
        const admin = requireAdmin(ctx.meta);
        await loadOrder(ctx.params.id);
        const done = await requestRefund(
          em(),
          rt,
          ctx.params.id,
          'admin_refund',
          ctx.params.reason,
          admin.id,
        );
        await recordAudit(em(), ctx.meta, {
          action: 'order.refund',
          objectType: 'order',
          objectId: ctx.params.id,
          detail: { reason: ctx.params.reason },
        });
        ctx.emit('refund.requested', { version: 1, orderId: ctx.params.id });
        return toAdminOrderView(done.row);
      }),

      /** Internal: refund a paid order for a reason of the system (its group failed). */
      refundForSystem: defineAction(
        Type.Object({ id: OrderId, reason: Type.String({ minLength: 2, maxLength: 64 }) }),
        async (ctx) => {
          const done = await transitionToRefunding(
            em(),
            rt,
            ctx.params.id,
            ctx.params.reason,
            ctx.params.reason,
            'system',
          );
          if (done) ctx.emit('refund.requested', { version: 1, orderId: ctx.params.id });
          return { refunding: done !== null };
        },
      ),

      /** Internal: a refund succeeded at the provider: the order becomes refunded and, unshipped, its stock returns. */
      completeRefund: defineAction(Type.Object({ id: OrderId }), async (ctx) => {
        const now = new Date(rt.now());
        const order = await loadOrder(ctx.params.id);
        if (order.status !== 'refunding') return { refunded: false };
        const done = await transitionOrder(em(), rt.log, {
          orderId: order.id,
          to: 'refunded',
          reason: 'refund_succeeded',
          actor: 'system',
          effects: { refundedAt: now, ...(order.shipped_at ? {} : { stockReleasedAt: now }) },
        });
        if (done && !order.shipped_at) await releaseStock(done.row);
        return { refunded: done !== null };
      }),

      /** Runs the expiry sweep once (the timer calls it too); returns how many orders it cancelled. */
      expireDue: defineAction(Type.Object({}), async (ctx) => ({
        cancelled: await expireDue((event, payload) => ctx.emit(event, payload)),
      })),
    },
  } as ServiceSchema;
}

/** Moves a paid (or shipped) order to refunding and creates its refund record, in one transaction. */
async function transitionToRefunding(
  em: EntityManager,
  rt: Runtime,
  orderId: string,
  reason: string,
  refundReason: string,
  actor: string,
): Promise<{ row: OrderRow } | null> {
  return transitionOrder(em, rt.log, {
    orderId,
    to: 'refunding',
    reason,
    actor,
    inTransaction: (tx, row) =>
      tx
        .execute(
          `insert into refunds (id, order_id, out_refund_no, amount_fen, reason, status)
         values (?, ?, ?, ?, ?, 'pending') on conflict (out_refund_no) do nothing`,
          [newId('rfd'), orderId, `rf_${orderId}`, row.total_fen, refundReason.slice(0, 200)],
        )
        .then(() => undefined),
  });
}

async function requestRefund(
  em: EntityManager,
  rt: Runtime,
  orderId: string,
  reason: string,
  refundReason: string,
  actor: string,
): Promise<{ row: OrderRow }> {
  const done = await transitionToRefunding(em, rt, orderId, reason, refundReason, actor);
  if (!done) throw new AppError('INVALID_TRANSITION', 'Only a paid or shipped order can be refunded');
  return done;
}
