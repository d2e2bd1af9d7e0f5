/**
 * fulfilment: what happens to an order after payment apart from its status, which stays with the orders state
 * machine. Owns `shipments` (packages, written by the orders module through ./shipments.ts when it ships),
 * `tracking_events` (fed by the carriers' signed pushes) and `refund_requests` (after-sale requests and the
 * operator's decision; an approval refunds through the orders and payments path, exactly once), and
 * `shipping_records`, the outbox of WeChat's 发货信息录入 that its sweeper sends until WeChat accepts each one.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  wechatShippingOldestPendingSeconds,
  wechatShippingRecords,
  wechatShippingUploadsTotal,
} from '@tuanmiao/observability';
import type { ServiceSchema } from 'moleculer';
import { Compile } from 'typebox/compile';
import type { CallerMeta } from '../../broker/action.ts';
import { call, defineService } from '../../broker/bus.ts';
import { sweeperMixin } from '../../broker/sweeper.mixin.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { WechatShippingError } from '../../integrations/wechat/shipping-client.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { recordAudit, requireAdmin, requireUser } from '../admin/audit.ts';
import { verifyCarrierPush } from './carrier-signature.ts';
import { fulfilmentContract } from './contract.ts';
import { CarrierPush, type RefundRequestView, type TrackingView } from './schemas.ts';
import { type ShippingRecordRow, type ShippingRecordState, shippingRecordView } from './shipping-records.ts';

const checkPush = Compile(CarrierPush);

/** Records one sweep sends at most; the rest wait for the next sweep. */
const SHIPPING_BATCH = 50;
/** A claimed record is someone's for this long; a process that dies mid-send leaves it to the next sweep after. */
const SHIPPING_LEASE_MS = 60_000;
/** Back-off after the n-th failed attempt: 15 s, 30 s, 1 min, … up to 30 min, until WeChat accepts it. */
export function shippingBackoffMs(attempts: number): number {
  return Math.min(15_000 * 2 ** Math.max(0, attempts - 1), 30 * 60_000);
}
const SHIPPING_STATES: readonly ShippingRecordState[] = ['pending', 'sent', 'failed', 'not_applicable'];

interface RequestRow {
  id: string;
  order_id: string;
  user_id: string;
  kind: 'refund_only' | 'return_refund';
  reason: string;
  status: 'pending' | 'approved' | 'rejected';
  note: string | null;
  after_receipt: boolean;
  created_at: Date;
  decided_at: Date | null;
  refund_sent_at: Date | null;
}

/** How long after its decision an approval whose refund was not handed over is resumed by the sweeper. */
export const RESUME_AFTER_MS = 60_000;
const RESUME_BATCH = 50;

const iso = (d: Date) => new Date(d).toISOString();
function requestView(r: RequestRow): RefundRequestView {
  return {
    id: r.id,
    orderId: r.order_id,
    userId: r.user_id,
    kind: r.kind,
    reason: r.reason,
    status: r.status,
    ...(r.note ? { note: r.note } : {}),
    afterReceipt: r.after_receipt,
    createdAt: iso(r.created_at),
    ...(r.decided_at ? { decidedAt: iso(r.decided_at) } : {}),
  };
}

export default function createFulfilmentService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();

  async function loadRequest(id: string): Promise<RequestRow> {
    const rows = await em().execute<RequestRow[]>('select * from refund_requests where id = ?', [id]);
    if (!rows[0]) throw new AppError('NOT_FOUND', 'No such refund request');
    return rows[0];
  }

  /** The packages of an order, each with its events, newest first; NOT_FOUND before it has shipped. */
  async function trackingOf(orderId: string): Promise<TrackingView> {
    const packages = await em().execute<{ id: string; carrier: string; tracking_no: string }[]>(
      'select id, carrier, tracking_no from shipments where order_id = ? order by created_at, id',
      [orderId],
    );
    if (packages.length === 0) throw new AppError('NOT_FOUND', 'The order has not shipped yet');
    const events = await em().execute<{ shipment_id: string; at: Date; description: string }[]>(
      `select shipment_id, at, description from tracking_events
       where shipment_id in (${packages.map(() => '?').join(', ')}) order by at desc, id desc`,
      packages.map((p) => p.id),
    );
    const view: TrackingView = {
      carrier: packages[0]!.carrier,
      trackingNo: packages[0]!.tracking_no,
      events: events.map((e) => ({ at: iso(e.at), description: e.description })),
      packages: packages.map((p) => ({
        carrier: p.carrier,
        trackingNo: p.tracking_no,
        events: events
          .filter((e) => e.shipment_id === p.id)
          .map((e) => ({ at: iso(e.at), description: e.description })),
      })),
    };
    return view;
  }

  let sendingShipping = false;

  /** The gauges from PostgreSQL: every process running fulfilment shows the same counts. */
  async function countShippingRecords(): Promise<void> {
    const rows = await em().execute<{ state: ShippingRecordState; n: string; oldest: Date | null }[]>(
      `select state, count(*) as n, min(created_at) filter (where state = 'pending') as oldest
       from shipping_records group by state`,
    );
    for (const state of SHIPPING_STATES) {
      wechatShippingRecords.set({ state }, Number(rows.find((r) => r.state === state)?.n ?? 0));
    }
    const oldest = rows.find((r) => r.state === 'pending')?.oldest;
    wechatShippingOldestPendingSeconds.set(
      oldest ? Math.max(0, (rt.now() - new Date(oldest).getTime()) / 1000) : 0,
    );
  }

  /** One attempt at one claimed record; its outcome is written with a guard on `pending`. */
  async function sendShippingRecord(r: ShippingRecordRow): Promise<'sent' | 'retry' | 'failed'> {
    const at = new Date(rt.now());
    try {
      await rt.wechatShipping!.uploadShippingInfo(r.payload!, at);
    } catch (err) {
      const known = err instanceof WechatShippingError;
      const retry = !known || err.retryable;
      const attempts = r.attempts + 1;
      await em().execute(
        `update shipping_records set state = ?, attempts = ?, last_error_code = ?, last_errcode = ?, last_error = ?,
         next_attempt_at = ?, updated_at = ? where id = ? and state = 'pending'`,
        [
          retry ? 'pending' : 'failed',
          attempts,
          known ? err.code : 'INTERNAL',
          known ? (err.errcode ?? null) : null,
          String((err as Error).message).slice(0, 500),
          retry ? new Date(at.getTime() + shippingBackoffMs(attempts)) : null,
          at,
          r.id,
        ],
      );
      const log = retry ? rt.log.warn.bind(rt.log) : rt.log.error.bind(rt.log);
      log(
        { err, orderId: r.order_id, attempts, from: 'pending', to: retry ? 'pending' : 'failed' },
        retry ? 'WeChat shipping record not taken; will retry' : 'WeChat refused the shipping record',
      );
      return retry ? 'retry' : 'failed';
    }
    await em().execute(
      `update shipping_records set state = 'sent', attempts = attempts + 1, sent_at = ?, next_attempt_at = null,
       updated_at = ? where id = ? and state = 'pending'`,
      [at, at, r.id],
    );
    rt.log.info(
      { orderId: r.order_id, attempts: r.attempts + 1, from: 'pending', to: 'sent' },
      'WeChat shipping record sent',
    );
    return 'sent';
  }

  /** An approved request goes back to the queue, decided by nobody, with its audit entry: both or neither. */
  async function returnToQueue(request: RequestRow, meta: CallerMeta | 'system'): Promise<void> {
    await em().transactional(async (tx) => {
      await tx.execute(
        `update refund_requests set status = 'pending', decided_at = null, decided_by = null, note = null
         where id = ? and status = 'approved'`,
        [request.id],
      );
      await recordAudit(tx, meta, {
        action: 'refund_request.return',
        objectType: 'refund_request',
        objectId: request.id,
        detail: { orderId: request.order_id, reason: 'order_not_refundable' },
      });
    });
  }

  /** The approved request's refund is in the orders module's hands (see resumeApprovals). */
  async function markSent(requestId: string): Promise<void> {
    await em().execute('update refund_requests set refund_sent_at = ? where id = ?', [
      new Date(rt.now()),
      requestId,
    ]);
  }

  return defineService(fulfilmentContract, {
    mixins: [
      sweeperMixin({
        action: 'fulfilment.sendShippingRecords',
        intervalMs: rt.config.sweepIntervalMs * 5,
        log: rt.log,
      }),
      sweeperMixin({
        action: 'fulfilment.resumeApprovals',
        intervalMs: rt.config.sweepIntervalMs * 5,
        log: rt.log,
      }),
    ],
    actions: {
      /**
       * Approvals whose refund was never handed to the orders module (the process stopped between the approval's
       * commit and that call), RESUME_AFTER_MS after the decision: handed over now. An order already refunding or
       * refunded took it (this approval's call had gone through); one that moved on otherwise sends the request
       * back to the queue, audited as the system's.
       */
      resumeApprovals: async (ctx) => {
        const due = await em().execute<RequestRow[]>(
          `select * from refund_requests where status = 'approved' and refund_sent_at is null and decided_at < ?
           order by decided_at limit ${RESUME_BATCH}`,
          [new Date(rt.now() - RESUME_AFTER_MS)],
        );
        const outcome = { resumed: 0, returned: 0 };
        for (const request of due) {
          const res = await call(ctx, 'orders.refundForSystem', {
            id: request.order_id,
            reason: 'after_sale_approved',
            afterSale: true,
          });
          if (res.refunding || res.status === 'refunding' || res.status === 'refunded') {
            await markSent(request.id);
            outcome.resumed++;
            rt.log.warn(
              { requestId: request.id, orderId: request.order_id, status: res.status },
              'approved refund request resumed',
            );
          } else {
            await returnToQueue(request, 'system');
            outcome.returned++;
          }
        }
        return outcome;
      },

      /**
       * Sends every due pending WeChat shipping record once (the sweeper calls it). Each is claimed for a lease
       * with SKIP LOCKED, so processes sweeping side by side never send the same record at once; a retryable
       * failure puts it back with back-off, a refusal marks it failed with WeChat's errcode.
       */
      sendShippingRecords: async () => {
        const outcome = { sent: 0, retry: 0, failed: 0 };
        if (!rt.wechatShipping || sendingShipping) {
          await countShippingRecords();
          return outcome;
        }
        sendingShipping = true;
        try {
          const now = rt.now();
          const claimed = await em().execute<ShippingRecordRow[]>(
            `update shipping_records set next_attempt_at = ?, updated_at = ?
             where id in (select id from shipping_records where state = 'pending' and next_attempt_at <= ?
                          order by next_attempt_at limit ${SHIPPING_BATCH} for update skip locked)
             returning *`,
            [new Date(now + SHIPPING_LEASE_MS), new Date(now), new Date(now)],
          );
          for (const r of claimed) {
            const result = await sendShippingRecord(r);
            wechatShippingUploadsTotal.inc({ result });
            outcome[result]++;
          }
        } finally {
          sendingShipping = false;
        }
        await countShippingRecords();
        return outcome;
      },

      /** Admin: a failed WeChat shipping record goes back to pending, sent on the next sweep (e.g. after a fix). */
      retryShippingRecord: async (ctx) => {
        const admin = requireAdmin(ctx.meta);
        const rows = await em().transactional(async (tx) => {
          const [current] = await tx.execute<ShippingRecordRow[]>(
            'select * from shipping_records where order_id = ? for update',
            [ctx.params.id],
          );
          if (!current) throw new AppError('NOT_FOUND', 'The order has no WeChat shipping record');
          if (current.state !== 'failed') {
            throw new AppError(
              'INVALID_TRANSITION',
              `A shipping record that is ${current.state} cannot be retried`,
            );
          }
          const now = new Date(rt.now());
          const done = await tx.execute<ShippingRecordRow[]>(
            `update shipping_records set state = 'pending', next_attempt_at = ?, updated_at = ?
             where id = ? returning *`,
            [now, now, current.id],
          );
          await recordAudit(tx, ctx.meta, {
            action: 'order.shipping_record.retry',
            objectType: 'order',
            objectId: ctx.params.id,
            detail: { attempts: current.attempts, lastErrorCode: current.last_error_code },
          });
          return done;
        });
        rt.log.info(
          { orderId: ctx.params.id, from: 'failed', to: 'pending', actor: admin.id },
          'WeChat shipping record retried',
        );
        return shippingRecordView(rows[0]!);
      },

      /** The packages of one of the caller's orders and their tracking timelines (NOT_FOUND before shipping). */
      tracking: async (ctx) => {
        requireUser(ctx.meta);
        // Another shopper's order is NOT_FOUND: the orders module answers that.
        await call(ctx, 'orders.get', { id: ctx.params.id }, { meta: ctx.meta });
        return trackingOf(ctx.params.id);
      },

      /** Admin: the packages of any order and their tracking timelines (NOT_FOUND before shipping). */
      adminTracking: async (ctx) => {
        requireAdmin(ctx.meta);
        await call(ctx, 'orders.adminGet', { id: ctx.params.id }, { meta: ctx.meta });
        return trackingOf(ctx.params.id);
      },

      /** A carrier's signed push of tracking events; refused signatures change nothing; events are stored once. */
      carrierPush: async (ctx) => {
        const secret = rt.config.carrierPushSecret;
        if (!secret) throw new AppError('NOT_FOUND', 'Route not found');
        const verdict = verifyCarrierPush(secret, ctx.params.headers, ctx.params.rawBody, rt.now());
        if (verdict === 'stale') throw new AppError('CARRIER_PUSH_STALE');
        if (verdict !== 'ok') throw new AppError('CARRIER_SIGNATURE_INVALID');
        let push: unknown;
        try {
          push = JSON.parse(ctx.params.rawBody);
        } catch {
          push = null;
        }
        if (!checkPush.Check(push)) throw new AppError('VALIDATION_FAILED', 'The push body is not valid');
        const [shipment] = await em().execute<{ id: string }[]>(
          'select id from shipments where carrier = ? and tracking_no = ?',
          [ctx.params.carrier, push.trackingNo],
        );
        if (!shipment) throw new AppError('NOT_FOUND', 'No such shipment');
        let stored = 0;
        await em().transactional(async (tx) => {
          for (const e of push.events) {
            const rows = await tx.execute<{ id: number }[]>(
              `insert into tracking_events (shipment_id, carrier_event_id, at, description) values (?, ?, ?, ?)
                 on conflict (shipment_id, carrier_event_id) do nothing returning id`,
              [shipment.id, e.id, new Date(e.at), e.description],
            );
            stored += rows.length;
          }
        });
        return { stored };
      },

      /**
       * The shopper asks for a refund of a paid or shipped order, or of a completed one within AFTER_SALE_DAYS of its
       * completion (AFTER_SALE_WINDOW_CLOSED after), with a reason; one open request per order.
       */
      createRefundRequest: async (ctx) => {
        const user = requireUser(ctx.meta);
        const order = await call(ctx, 'orders.get', { id: ctx.params.id }, { meta: ctx.meta });
        if (order.status === 'completed') {
          // The period is the orders module's figure (completedAt + AFTER_SALE_DAYS), read on this service's clock.
          if (!order.afterSaleUntil || Date.parse(order.afterSaleUntil) <= rt.now()) {
            throw new AppError('AFTER_SALE_WINDOW_CLOSED');
          }
        } else if (order.status !== 'paid' && order.status !== 'shipped') {
          throw new AppError('INVALID_TRANSITION', `An order that is ${order.status} cannot be refunded`);
        }
        const id = newId('ars');
        const rows = await em().execute<RequestRow[]>(
          `insert into refund_requests (id, order_id, user_id, kind, reason, status, after_receipt)
           values (?, ?, ?, ?, ?, 'pending', ?)
           on conflict (order_id) where status = 'pending' do nothing returning *`,
          [
            id,
            ctx.params.id,
            user.id,
            ctx.params.kind ?? 'refund_only',
            ctx.params.reason,
            order.status === 'completed',
          ],
        );
        if (!rows[0]) throw new AppError('CONFLICT', 'A refund request for this order is already open');
        return requestView(rows[0]);
      },

      /** The shopper's refund requests of their own order, newest first (404 for an order that is not theirs). */
      myRequests: async (ctx) => {
        const user = requireUser(ctx.meta);
        await call(ctx, 'orders.get', { id: ctx.params.id }, { meta: ctx.meta });
        const rows = await em().execute<RequestRow[]>(
          'select * from refund_requests where order_id = ? and user_id = ? order by created_at desc, id desc limit 50',
          [ctx.params.id, user.id],
        );
        return { items: rows.map(requestView) };
      },

      /** Admin: refund requests, oldest first (the after-sale queue). */
      adminList: async (ctx) => {
        requireAdmin(ctx.meta);
        const rows = await em().execute<RequestRow[]>(
          `select * from refund_requests ${ctx.params.status ? 'where status = ?' : ''} order by created_at, id limit 200`,
          ctx.params.status ? [ctx.params.status] : [],
        );
        return { items: rows.map(requestView) };
      },

      /**
       * Admin: approves a request; the order is refunded through the payment provider exactly once. The request's
       * move to approved commits with its audit entry; if the order can no longer be refunded, the move back to the
       * queue commits with its own entry, so the trail shows both.
       */
      approve: async (ctx) => {
        const admin = requireAdmin(ctx.meta);
        const request = await loadRequest(ctx.params.id);
        const claimed = await em().transactional(async (tx) => {
          const done = await tx.execute<RequestRow[]>(
            `update refund_requests set status = 'approved', decided_at = ?, decided_by = ?, note = ?
             where id = ? and status = 'pending' returning *`,
            // On the platform's clock, which resumeApprovals measures RESUME_AFTER_MS on.
            [new Date(rt.now()), admin.id, ctx.params.note ?? null, request.id],
          );
          if (done[0]) {
            await recordAudit(tx, ctx.meta, {
              action: 'refund_request.approve',
              objectType: 'refund_request',
              objectId: request.id,
              detail: { orderId: request.order_id },
            });
          }
          return done;
        });
        if (!claimed[0]) throw new AppError('INVALID_TRANSITION', `The request is already ${request.status}`);
        const res = await call(ctx, 'orders.refundForSystem', {
          id: request.order_id,
          reason: 'after_sale_approved',
          // A request taken within the period is honoured when decided, even after the period has ended.
          afterSale: true,
        });
        if (!res.refunding) {
          // The order moved on (refunded or cancelled meanwhile): the request goes back to the queue, decided by nobody.
          await returnToQueue(request, ctx.meta);
          throw new AppError('INVALID_TRANSITION', 'The order can no longer be refunded');
        }
        await markSent(request.id);
        rt.log.info(
          {
            requestId: request.id,
            orderId: request.order_id,
            from: 'pending',
            to: 'approved',
            actor: admin.id,
          },
          'refund request approved',
        );
        return requestView(claimed[0]);
      },

      /** Admin: rejects a request with an optional note for the shopper. */
      reject: async (ctx) => {
        const admin = requireAdmin(ctx.meta);
        const request = await loadRequest(ctx.params.id);
        const rows = await em().transactional(async (tx) => {
          const done = await tx.execute<RequestRow[]>(
            `update refund_requests set status = 'rejected', decided_at = ?, decided_by = ?, note = ?
             where id = ? and status = 'pending' returning *`,
            [new Date(rt.now()), admin.id, ctx.params.note ?? null, request.id],
          );
          if (done[0]) {
            await recordAudit(tx, ctx.meta, {
              action: 'refund_request.reject',
              objectType: 'refund_request',
              objectId: request.id,
              detail: { orderId: request.order_id },
            });
          }
          return done;
        });
        if (!rows[0]) throw new AppError('INVALID_TRANSITION', `The request is already ${request.status}`);
        return requestView(rows[0]);
      },
    },
  });
}
