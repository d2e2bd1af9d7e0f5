/** Delivery and after-sale: tracking, receipt, refund requests, and the carriers' signed pushes. */
import Type from 'typebox';
import {
  CreateRefundRequestBody,
  DecideBody,
  RefundRequestId,
  RefundRequestList,
  RefundRequestListQuery,
  RefundRequestView,
  ShippingRecordView,
  TrackingView,
} from '../../modules/fulfilment/schemas.ts';
import { OrderView } from '../../modules/orders/schemas.ts';
import { IdParam, OrderId } from '../../schemas/common.ts';
import type { App, GatewayOptions } from '../app.ts';
import { READ_ROLES, requireAdmin, requireShopper, WRITE_ROLES } from '../auth.ts';
import { callAs, errors } from '../call.ts';

export async function registerFulfilmentRoutes(app: App, opts: GatewayOptions): Promise<void> {
  const { broker } = opts;
  const shopper = { preHandler: requireShopper };
  const security = [{ bearer: [] }];

  app.get(
    '/api/orders/:id/tracking',
    {
      ...shopper,
      schema: {
        tags: ['orders'],
        summary: 'Where my order is: each package with its carrier, tracking number and events, newest first',
        security,
        params: IdParam(OrderId),
        response: { 200: TrackingView, ...errors(400, 401, 404) },
      },
    },
    async (req) => callAs(broker, req, 'fulfilment.tracking', req.params),
  );
  app.post(
    '/api/orders/:id/receipt',
    {
      ...shopper,
      schema: {
        tags: ['orders'],
        summary: 'Confirm receipt of my shipped order (shipped → completed)',
        security,
        params: IdParam(OrderId),
        response: { 200: OrderView, ...errors(400, 401, 404, 409) },
      },
    },
    async (req) => callAs(broker, req, 'orders.confirmReceipt', req.params),
  );
  app.get(
    '/api/orders/:id/refund-requests',
    {
      ...shopper,
      schema: {
        tags: ['orders'],
        summary: 'My after-sale requests of my order, newest first, with the operator’s decision and note',
        security,
        params: IdParam(OrderId),
        response: { 200: RefundRequestList, ...errors(400, 401, 404) },
      },
    },
    async (req) => callAs(broker, req, 'fulfilment.myRequests', req.params),
  );
  app.post(
    '/api/orders/:id/refund-requests',
    {
      ...shopper,
      schema: {
        tags: ['orders'],
        summary:
          'Ask for a refund of my paid or shipped order, or of my completed one within AFTER_SALE_DAYS (仅退款 refund_only / 退货退款 return_refund)',
        security,
        params: IdParam(OrderId),
        body: CreateRefundRequestBody,
        response: { 201: RefundRequestView, ...errors(400, 401, 404, 409) },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await callAs(broker, req, 'fulfilment.createRefundRequest', { ...req.body, ...req.params })),
  );

  // Carriers sign the raw body: parse it as a string in this route's own context, verify, then decode.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    scope.post(
      '/api/carriers/:carrier/push',
      {
        config: { rateLimit: false },
        schema: {
          tags: ['delivery'],
          summary: 'A carrier pushes tracking events (HMAC-signed; a refused signature changes nothing)',
          params: Type.Object(
            { carrier: Type.String({ minLength: 2, maxLength: 32, pattern: '^[A-Za-z0-9_]+$' }) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ stored: Type.Integer() }), ...errors(400, 401, 404) },
        },
      },
      async (req) => {
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
        );
        const { carrier } = req.params as { carrier: string };
        return callAs(broker, req, 'fulfilment.carrierPush', {
          carrier,
          headers,
          rawBody: String(req.body ?? ''),
        });
      },
    );
  });

  app.get(
    '/api/admin/orders/:id/tracking',
    {
      preHandler: requireAdmin(broker, READ_ROLES),
      schema: {
        tags: ['admin'],
        summary: "An order's packages with their carriers, tracking numbers and events (404 before shipping)",
        security,
        params: IdParam(OrderId),
        response: { 200: TrackingView, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => callAs(broker, req, 'fulfilment.adminTracking', req.params),
  );

  app.get(
    '/api/admin/refund-requests',
    {
      preHandler: requireAdmin(broker, READ_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'The after-sale queue: refund requests, oldest first',
        security,
        querystring: RefundRequestListQuery,
        response: { 200: RefundRequestList, ...errors(400, 401, 403) },
      },
    },
    async (req) => callAs(broker, req, 'fulfilment.adminList', req.query),
  );
  app.post(
    '/api/admin/orders/:id/shipping-record/retry',
    {
      preHandler: requireAdmin(broker, WRITE_ROLES),
      schema: {
        tags: ['admin'],
        summary:
          'Send a failed WeChat shipping record (发货信息录入) again: it goes back to pending for the next sweep',
        security,
        params: IdParam(OrderId),
        response: { 200: ShippingRecordView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => callAs(broker, req, 'fulfilment.retryShippingRecord', req.params),
  );
  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/api/admin/refund-requests/:id/${decision}`,
      {
        preHandler: requireAdmin(broker, WRITE_ROLES),
        // The note is optional, and so is the body that carries it.
        preValidation: (req, _reply, done) => {
          if (req.body === undefined || req.body === null) req.body = {};
          done();
        },
        schema: {
          tags: ['admin'],
          summary:
            decision === 'approve'
              ? 'Approve a refund request: the order is refunded through the payment provider, once'
              : 'Reject a refund request, with a note for the shopper',
          security,
          params: IdParam(RefundRequestId),
          body: DecideBody,
          response: { 200: RefundRequestView, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => callAs(broker, req, `fulfilment.${decision}`, { ...req.body, ...req.params }),
    );
  }
}
