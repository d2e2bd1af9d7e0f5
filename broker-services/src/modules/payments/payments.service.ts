/**
 * payments: starts a payment at the channel, takes the channel's notifications (verified, decrypted,
 * idempotent), the development confirmation, and drives refunds to completion. Refund records are the
 * durable commands: a sweeper retries each pending one until the channel says it succeeded, and the
 * channel deduplicates by out_refund_no, so a crash or a second process never refunds twice.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { paymentNotificationsTotal, refundsTotal } from '@tuanmiao/observability';
import type { ServiceSchema } from 'moleculer';
import type { ActionContext } from '../../broker/action.ts';
import { call, defineService } from '../../broker/bus.ts';
import { sweeperMixin } from '../../broker/sweeper.mixin.ts';
import { AppError } from '../../errors.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { requireUser } from '../admin/audit.ts';
import type { OrderForPayment, PaymentOutcomeValue } from '../orders/schemas.ts';
import { paymentsContract } from './contract.ts';

interface RefundRow {
  id: string;
  order_id: string;
  out_refund_no: string;
  amount_fen: number;
  reason: string;
  order_total_fen: number;
  /** When the channel accepted it (still processing then); null until it has. */
  requested_at: Date | null;
}

export default function createPaymentsService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();
  let sweeping = false;

  /** The order as the orders module tells it (NOT_FOUND for another user's). */
  function orderOf(ctx: ActionContext<unknown>, id: string, userId: string): Promise<OrderForPayment> {
    return call(ctx, 'orders.forPayment', { id, userId });
  }

  return defineService(paymentsContract, {
    mixins: [
      sweeperMixin({
        action: 'payments.processRefunds',
        intervalMs: rt.config.sweepIntervalMs * 5,
        log: rt.log,
      }),
    ],
    actions: {
      /**
       * Starts paying an unpaid, unexpired order: the parameters for wx.requestPayment (or the dev confirm). Goods
       * are shipped, so an order needs a delivery address first: `addressId` sets it (a campaign order gets it
       * here, between its reservation and its payment), and without one the answer is ADDRESS_REQUIRED.
       */
      start: async (ctx) => {
        const user = requireUser(ctx.meta);
        const order = await orderOf(ctx, ctx.params.id, user.id);
        if (order.status !== 'pending_payment') {
          throw new AppError('ORDER_NOT_PAYABLE', `An order that is ${order.status} cannot be paid`);
        }
        if (new Date(order.expiresAt).getTime() <= rt.now()) throw new AppError('ORDER_EXPIRED');
        const { hasAddress } = await call(ctx, 'orders.ensureAddress', {
          id: order.id,
          userId: user.id,
          ...(ctx.params.addressId ? { addressId: ctx.params.addressId } : {}),
        });
        if (!hasAddress) throw new AppError('ADDRESS_REQUIRED');
        const payer = await call(ctx, 'users.openid', { id: user.id });
        // The order's price is fixed from here on (a coupon change is refused), and this is the amount it keeps:
        // a prepay at the channel carries it under the order's id and is never re-created for another amount.
        const charged = await call(ctx, 'orders.startPayment', { id: order.id, userId: user.id });
        return rt.payments.startPayment({
          orderId: charged.id,
          amountFen: charged.payableFen,
          description: charged.title.slice(0, 120),
          payerOpenid: payer.openid,
          expiresAt: new Date(charged.expiresAt),
        });
      },

      /** A WeChat Pay notification: verified over the raw body, decrypted, applied once. */
      wechatNotify: async (ctx) => {
        if (rt.payments.name !== 'wechat') throw new AppError('NOT_FOUND', 'Route not found');
        let paid: Awaited<ReturnType<Runtime['payments']['parseNotification']>>;
        try {
          paid = await rt.payments.parseNotification(ctx.params.headers, ctx.params.rawBody, rt.now());
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          paymentNotificationsTotal.inc({
            provider: 'wechat',
            result: typeof code === 'string' ? code : 'error',
          });
          if (code === 'PAYMENT_TIMESTAMP_STALE') throw new AppError('PAYMENT_TIMESTAMP_STALE');
          if (code === 'PAYMENT_NOTIFICATION_MALFORMED') throw new AppError('PAYMENT_NOTIFICATION_MALFORMED');
          throw new AppError('PAYMENT_SIGNATURE_INVALID');
        }
        if (!paid) {
          paymentNotificationsTotal.inc({ provider: 'wechat', result: 'ignored' });
          return { outcome: 'ignored' as const };
        }
        const res = await call(ctx, 'orders.applyPayment', {
          orderId: paid.orderId,
          provider: 'wechat',
          providerTxnId: paid.providerTxnId,
          amountFen: paid.amountFen,
          paidAt: paid.paidAt.toISOString(),
        });
        paymentNotificationsTotal.inc({ provider: 'wechat', result: res.outcome });
        return res;
      },

      /**
       * The development provider's confirmation: pays the caller's own order. Idempotent like a WeChat Pay
       * notification: a retry (the first answer lost on the way) gets the first confirmation's outcome and the
       * order as it is now, whatever happened to the order since.
       */
      devConfirm: async (ctx) => {
        if (rt.payments.name !== 'dev') throw new AppError('NOT_FOUND', 'Route not found');
        const user = requireUser(ctx.meta);
        const order = await orderOf(ctx, ctx.params.id, user.id);
        const providerTxnId = `dev_${order.id}`;
        const recorded = async () =>
          (
            await em().execute<{ outcome: PaymentOutcomeValue }[]>(
              `select outcome from payments where provider = 'dev' and provider_txn_id = ?`,
              [providerTxnId],
            )
          )[0]?.outcome;
        let outcome = await recorded();
        if (outcome === undefined) {
          if (order.status !== 'pending_payment' && order.status !== 'cancelled') {
            throw new AppError('ORDER_NOT_PAYABLE', `An order that is ${order.status} cannot be paid`);
          }
          const res = await call(ctx, 'orders.applyPayment', {
            orderId: order.id,
            provider: 'dev',
            providerTxnId,
            amountFen: order.payableFen,
            paidAt: new Date(rt.now()).toISOString(),
          });
          paymentNotificationsTotal.inc({ provider: 'dev', result: res.outcome });
          // Two confirmations at once: the one that lost the race answers with the winner's outcome.
          outcome = res.outcome === 'duplicate' ? ((await recorded()) ?? res.outcome) : res.outcome;
        } else {
          paymentNotificationsTotal.inc({ provider: 'dev', result: 'duplicate' });
        }
        return { outcome, order: await call(ctx, 'orders.get', { id: order.id }, { meta: ctx.meta }) };
      },

      /** Drives every pending refund once; the timer and the refund.requested event call it. */
      processRefunds: async (ctx) => {
        if (sweeping) return { processed: 0 };
        sweeping = true;
        let processed = 0;
        try {
          const pending = await em().execute<RefundRow[]>(
            `select id, order_id, out_refund_no, amount_fen, reason, order_total_fen, requested_at
             from refunds where status = 'pending' order by created_at limit 100`,
          );
          for (const r of pending) {
            try {
              const res = await rt.payments.refund(
                {
                  orderId: r.order_id,
                  outRefundNo: r.out_refund_no,
                  refundFen: r.amount_fen,
                  totalFen: r.order_total_fen,
                  reason: r.reason,
                },
                { requested: r.requested_at !== null },
              );
              if (res.status !== 'succeeded') {
                // Accepted and processing: the next sweep asks how it is going instead of requesting it again.
                if (r.requested_at === null)
                  await em().execute(
                    'update refunds set requested_at = now(), updated_at = now() where id = ?',
                    [r.id],
                  );
                continue;
              }
              // The order first, the refund record last: a crash in between leaves the refund pending, so the
              // next sweep asks the channel again (idempotent by out_refund_no) and completes the order (a
              // no-op by then). The other way round, a crash would leave the order refunding for good.
              // A late payment's refund leaves its cancelled order as it is; any other completes the order.
              if (r.reason !== 'late_payment') await call(ctx, 'orders.completeRefund', { id: r.order_id });
              const done = await em().execute<{ id: string }[]>(
                `update refunds set status = 'succeeded', done_at = now(), updated_at = now(), attempts = attempts + 1
                 where id = ? and status = 'pending' returning id`,
                [r.id],
              );
              if (done.length === 0) continue;
              refundsTotal.inc({ result: 'succeeded' });
              processed++;
            } catch (err) {
              refundsTotal.inc({ result: 'error' });
              await em().execute(
                `update refunds set attempts = attempts + 1, last_error = ?, updated_at = now() where id = ?`,
                [String((err as Error).message).slice(0, 500), r.id],
              );
              rt.log.warn({ err, refundId: r.id }, 'refund attempt failed; will retry');
            }
          }
        } finally {
          sweeping = false;
        }
        return { processed };
      },
    },
    events: {
      /** A refund is pending: drive it now rather than at the next sweep. */
      'refund.requested': async (ctx) => {
        await call(ctx, 'payments.processRefunds', {});
      },
    },
  });
}
