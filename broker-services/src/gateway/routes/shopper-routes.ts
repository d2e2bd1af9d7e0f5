/** Shopper routes other than the hot path: login, campaigns, reservations, orders, payments, group reads. */
import Type from 'typebox';
import { AppError } from '../../errors.ts';
import { CampaignListQuery, CampaignView } from '../../modules/campaigns/schemas.ts';
import { Applicable, OrderCouponBody } from '../../modules/coupons/schemas.ts';
import { GroupList, GroupView } from '../../modules/groups/schemas.ts';
import {
  CheckoutBody,
  CheckoutResult,
  OrderListQuery,
  OrderPage,
  OrderView,
  PaymentBody,
  PaymentOutcome,
  PaymentStart,
  ReservationView,
} from '../../modules/orders/schemas.ts';
import { DevLoginBody, ShopperSession, type UserView, WechatLoginBody } from '../../modules/users/schemas.ts';
import { CampaignId, GroupId, IdParam, OrderId, ReservationId } from '../../schemas/common.ts';
import type { App, GatewayOptions } from '../app.ts';
import { requireShopper } from '../auth.ts';
import { callAs, errors } from '../call.ts';
import { findReservation } from './hot-path-routes.ts';

export async function registerShopperRoutes(app: App, opts: GatewayOptions): Promise<void> {
  const { broker, rt } = opts;
  const shopper = { preHandler: requireShopper };
  const security = [{ bearer: [] }];

  const session = (user: UserView) => ({
    token: app.jwt.sign({ sub: user.id, kind: 'shopper' }, { expiresIn: rt.config.shopperTokenTtlSeconds }),
    user,
  });

  app.post(
    '/api/auth/wechat',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a wx.login code (code2session)',
        body: WechatLoginBody,
        response: { 200: ShopperSession, ...errors(400, 502, 503) },
      },
    },
    async (req) => session(await callAs(broker, req, 'users.loginWechat', req.body)),
  );

  app.post(
    '/api/auth/dev',
    {
      schema: {
        tags: ['auth'],
        summary: 'Development login by openid (only where DEV_LOGIN=1)',
        body: DevLoginBody,
        response: { 200: ShopperSession, ...errors(400, 404) },
      },
    },
    async (req) => {
      if (!rt.config.devLogin) throw new AppError('NOT_FOUND', 'Route not found');
      return session(await callAs(broker, req, 'users.loginDev', req.body));
    },
  );

  app.get(
    '/api/campaigns',
    {
      schema: {
        summary: 'Live and upcoming campaigns for shoppers',
        tags: ['campaigns'],
        querystring: CampaignListQuery,
        response: { 200: Type.Object({ items: Type.Array(CampaignView) }), ...errors(400) },
      },
    },
    async (req) => callAs(broker, req, 'campaigns.list', req.query),
  );

  app.get(
    '/api/campaigns/:id',
    {
      schema: {
        summary: 'One campaign with its stock left',
        tags: ['campaigns'],
        params: IdParam(CampaignId),
        response: { 200: CampaignView, ...errors(400, 404) },
      },
    },
    async (req) => callAs(broker, req, 'campaigns.get', req.params),
  );

  app.get(
    '/api/reservations/:id',
    {
      ...shopper,
      schema: {
        summary: "One of the caller's reservations, and its order once settled",
        tags: ['seckill'],
        security,
        params: IdParam(ReservationId),
        response: { 200: ReservationView, ...errors(400, 401, 404) },
      },
    },
    async (req) => findReservation(opts, req, req.params.id),
  );

  app.get(
    '/api/orders',
    {
      ...shopper,
      schema: {
        summary: "The caller's orders, newest first",
        tags: ['orders'],
        security,
        querystring: OrderListQuery,
        response: { 200: OrderPage, ...errors(400, 401) },
      },
    },
    async (req) => callAs(broker, req, 'orders.listMine', req.query),
  );

  app.get(
    '/api/orders/:id',
    {
      ...shopper,
      schema: {
        summary: "One of the caller's orders",
        tags: ['orders'],
        security,
        params: IdParam(OrderId),
        response: { 200: OrderView, ...errors(400, 401, 404) },
      },
    },
    async (req) => callAs(broker, req, 'orders.get', req.params),
  );

  app.post(
    '/api/orders/:id/payment',
    {
      ...shopper,
      // The body is optional (campaign orders paid before addresses existed send none).
      preValidation: (req, _reply, done) => {
        if (req.body === undefined || req.body === null) req.body = {};
        done();
      },
      schema: {
        tags: ['orders'],
        summary:
          'Start paying one of my orders; addressId sets its delivery address (409 ADDRESS_REQUIRED without one)',
        security,
        params: IdParam(OrderId),
        body: PaymentBody,
        response: { 200: PaymentStart, ...errors(400, 401, 404, 409, 502) },
      },
    },
    async (req) => callAs(broker, req, 'payments.start', { ...req.body, ...req.params }),
  );

  app.post(
    '/api/orders',
    {
      ...shopper,
      schema: {
        tags: ['orders'],
        summary:
          'Checkout at the regular price: several SKUs, stock taken for all or none (409 SOLD_OUT names the SKU), idempotent by requestId',
        security,
        body: CheckoutBody,
        response: { 201: CheckoutResult, ...errors(400, 401, 404, 409) },
      },
    },
    async (req, reply) => reply.status(201).send(await callAs(broker, req, 'orders.checkout', req.body)),
  );

  app.post(
    '/api/orders/:id/cancel',
    {
      ...shopper,
      schema: {
        summary: 'Cancel an unpaid order; its units go back to stock',
        tags: ['orders'],
        security,
        params: IdParam(OrderId),
        response: { 200: OrderView, ...errors(400, 401, 404, 409) },
      },
    },
    async (req) => callAs(broker, req, 'orders.cancel', req.params),
  );

  app.put(
    '/api/orders/:id/coupon',
    {
      ...shopper,
      schema: {
        summary:
          'Put one of my coupons on my unpaid seckill or group-buy order (replacing the one it held); its payable amount changes with it',
        tags: ['orders', 'coupons'],
        security,
        params: IdParam(OrderId),
        body: OrderCouponBody,
        response: { 200: OrderView, ...errors(400, 401, 404, 409) },
      },
    },
    async (req) => callAs(broker, req, 'orders.applyCoupon', { ...req.body, ...req.params }),
  );

  app.delete(
    '/api/orders/:id/coupon',
    {
      ...shopper,
      schema: {
        summary: 'Take the coupon off my unpaid seckill or group-buy order; the coupon is unused again',
        tags: ['orders', 'coupons'],
        security,
        params: IdParam(OrderId),
        response: { 200: OrderView, ...errors(400, 401, 404, 409) },
      },
    },
    async (req) => callAs(broker, req, 'orders.removeCoupon', req.params),
  );

  app.get(
    '/api/orders/:id/coupons',
    {
      ...shopper,
      schema: {
        summary:
          'My coupons that apply to my unpaid seckill or group-buy order at its campaign price, best first (the one it holds among them)',
        tags: ['orders', 'coupons'],
        security,
        params: IdParam(OrderId),
        response: { 200: Applicable, ...errors(400, 401, 404, 409) },
      },
    },
    async (req) => callAs(broker, req, 'coupons.applicableToOrder', req.params),
  );

  app.post(
    '/api/payments/dev/:orderId/confirm',
    {
      ...shopper,
      schema: {
        tags: ['payments'],
        summary: 'Development payment provider: confirm paying one of my orders (404 unless enabled)',
        security,
        params: Type.Object({ orderId: OrderId }, { additionalProperties: false }),
        response: {
          200: Type.Object({ outcome: PaymentOutcome, order: OrderView }),
          ...errors(400, 401, 404, 409),
        },
      },
    },
    async (req) => {
      if (rt.config.paymentProvider !== 'dev') throw new AppError('NOT_FOUND', 'Route not found');
      return callAs(broker, req, 'payments.devConfirm', { id: req.params.orderId });
    },
  );

  // WeChat Pay signs the raw body: parse it as a string in this route's own context, verify, then decode.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    scope.post(
      '/api/payments/wechat/notify',
      {
        config: { rateLimit: false },
        schema: {
          tags: ['payments'],
          summary: 'WeChat Pay v3 notification (signature checked, resource decrypted, idempotent)',
          response: { 204: Type.Null(), ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        if (rt.config.paymentProvider !== 'wechat') throw new AppError('NOT_FOUND', 'Route not found');
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
        );
        await callAs(broker, req, 'payments.wechatNotify', { headers, rawBody: String(req.body ?? '') });
        return reply.status(204).send();
      },
    );
  });

  app.get(
    '/api/groupbuy/groups/:groupId',
    {
      schema: {
        summary: 'One group with its members and status',
        tags: ['groupbuy'],
        params: Type.Object({ groupId: GroupId }, { additionalProperties: false }),
        response: { 200: GroupView, ...errors(400, 404) },
      },
    },
    async (req) => callAs(broker, req, 'groups.get', { id: req.params.groupId }),
  );

  app.get(
    '/api/groupbuy/:campaignId/groups',
    {
      schema: {
        tags: ['groupbuy'],
        summary: 'Joinable forming groups of a campaign, closest to full first',
        params: Type.Object({ campaignId: CampaignId }, { additionalProperties: false }),
        response: { 200: GroupList, ...errors(400, 404) },
      },
    },
    async (req) => callAs(broker, req, 'groups.listJoinable', { id: req.params.campaignId }),
  );
}
