/**
 * fulfilment: what happens to an order after payment apart from its status, which stays with the orders state
 * machine. Owns `shipments` (packages, written by the orders module through ./shipments.ts when it ships),
 * `tracking_events` (fed by the carriers' signed pushes) and `refund_requests` (after-sale requests and the
 * operator's decision; an approval refunds through the orders and payments path, exactly once).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServiceSchema } from 'moleculer';
import { Compile } from 'typebox/compile';
import { call, defineService } from '../../broker/bus.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { recordAudit, requireAdmin, requireUser } from '../admin/audit.ts';
import { verifyCarrierPush } from './carrier-signature.ts';
import { fulfilmentContract } from './contract.ts';
import { CarrierPush, type RefundRequestView, type TrackingView } from './schemas.ts';

const checkPush = Compile(CarrierPush);

interface RequestRow {
  id: string;
  order_id: string;
  user_id: string;
  kind: 'refund_only' | 'return_refund';
  reason: string;
  status: 'pending' | 'approved' | 'rejected';
  note: string | null;
  created_at: Date;
  decided_at: Date | null;
}

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

  return defineService(fulfilmentContract, {
    actions: {
      /** The packages of one of the caller's orders and their tracking timelines (NOT_FOUND before shipping). */
      tracking: async (ctx) => {
        requireUser(ctx.meta);
        // Another shopper's order is NOT_FOUND: the orders module answers that.
        await call(ctx, 'orders.get', { id: ctx.params.id }, { meta: ctx.meta });
        const packages = await em().execute<{ id: string; carrier: string; tracking_no: string }[]>(
          'select id, carrier, tracking_no from shipments where order_id = ? order by created_at, id',
          [ctx.params.id],
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

      /** The shopper asks for a refund of a paid or shipped order, with a reason; one open request per order. */
      createRefundRequest: async (ctx) => {
        const user = requireUser(ctx.meta);
        const order = await call(ctx, 'orders.get', { id: ctx.params.id }, { meta: ctx.meta });
        if (order.status !== 'paid' && order.status !== 'shipped') {
          throw new AppError('INVALID_TRANSITION', `An order that is ${order.status} cannot be refunded`);
        }
        const id = newId('ars');
        const rows = await em().execute<RequestRow[]>(
          `insert into refund_requests (id, order_id, user_id, kind, reason, status) values (?, ?, ?, ?, ?, 'pending')
           on conflict (order_id) where status = 'pending' do nothing returning *`,
          [id, ctx.params.id, user.id, ctx.params.kind ?? 'refund_only', ctx.params.reason],
        );
        if (!rows[0]) throw new AppError('CONFLICT', 'A refund request for this order is already open');
        return requestView(rows[0]);
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

      /** Admin: approves a request; the order is refunded through the payment provider exactly once. */
      approve: async (ctx) => {
        const admin = requireAdmin(ctx.meta);
        const request = await loadRequest(ctx.params.id);
        const claimed = await em().execute<RequestRow[]>(
          `update refund_requests set status = 'approved', decided_at = now(), decided_by = ?, note = ?
           where id = ? and status = 'pending' returning *`,
          [admin.id, ctx.params.note ?? null, request.id],
        );
        if (!claimed[0]) throw new AppError('INVALID_TRANSITION', `The request is already ${request.status}`);
        const res = await call(ctx, 'orders.refundForSystem', {
          id: request.order_id,
          reason: 'after_sale_approved',
        });
        if (!res.refunding) {
          // The order moved on (refunded or cancelled meanwhile): the request goes back to the queue, decided by nobody.
          await em().execute(
            `update refund_requests set status = 'pending', decided_at = null, decided_by = null, note = null where id = ?`,
            [request.id],
          );
          throw new AppError('INVALID_TRANSITION', 'The order can no longer be refunded');
        }
        await recordAudit(em(), ctx.meta, {
          action: 'refund_request.approve',
          objectType: 'refund_request',
          objectId: request.id,
          detail: { orderId: request.order_id },
        });
        return requestView(claimed[0]);
      },

      /** Admin: rejects a request with an optional note for the shopper. */
      reject: async (ctx) => {
        const admin = requireAdmin(ctx.meta);
        const request = await loadRequest(ctx.params.id);
        const rows = await em().transactional(async (tx) => {
          const done = await tx.execute<RequestRow[]>(
            `update refund_requests set status = 'rejected', decided_at = now(), decided_by = ?, note = ?
             where id = ? and status = 'pending' returning *`,
            [admin.id, ctx.params.note ?? null, request.id],
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
