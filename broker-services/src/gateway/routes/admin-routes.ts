/** Operator routes: login, catalog, campaigns and their live controls, orders, admins, audit log, dashboard. */
import Type, { type TSchema } from 'typebox';
import { AddressSnapshot } from '../../modules/addresses/schemas.ts';
import {
  AdminLoginBody,
  AdminSession,
  AdminView,
  AuditPage,
  CreateAdminBody,
  DashboardView,
  ParkedSettlementPage,
  ParkedSettlementQuery,
  PatchAdminBody,
} from '../../modules/admin/schemas.ts';
import {
  AdminCampaignListQuery,
  AdminCampaignView,
  CampaignLive,
  CreateCampaignBody,
  KillSwitchBody,
  PatchCampaignBody,
  PrewarmView,
  WaitingRoomBody,
} from '../../modules/campaigns/schemas.ts';
import { CreateProductBody, PatchProductBody, ProductView } from '../../modules/catalog/schemas.ts';
import {
  AdminOrderListQuery,
  AdminOrderPage,
  AdminOrderView,
  RefundBody,
  ShipBody,
} from '../../modules/orders/schemas.ts';
import { HeapAfterGcView, heapAfterForcedGc } from '../../runtime/heap.ts';
import { AdminId, CampaignId, Cursor, IdParam, Limit, OrderId, ProductId } from '../../schemas/common.ts';
import type { App, GatewayOptions } from '../app.ts';
import { OWNER_ONLY, READ_ROLES, requireAdmin, WRITE_ROLES } from '../auth.ts';
import { callAs, errors } from '../call.ts';

export async function registerAdminRoutes(app: App, opts: GatewayOptions): Promise<void> {
  const { broker, rt } = opts;
  const read = { preHandler: requireAdmin(broker, READ_ROLES) };
  const write = { preHandler: requireAdmin(broker, WRITE_ROLES) };
  const owner = { preHandler: requireAdmin(broker, OWNER_ONLY) };
  const security = [{ bearer: [] }];
  const tags = ['admin'];
  const readErrors = errors(400, 401, 403, 404);
  const writeErrors = errors(400, 401, 403, 404, 409);
  const list = (item: TSchema) =>
    Type.Object({ items: Type.Array(item), nextCursor: Type.Optional(Type.String()) });

  app.post(
    '/api/admin/auth/login',
    {
      config: { rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: {
        summary: 'Sign an operator in: an admin token (locked after repeated failures)',
        tags,
        body: AdminLoginBody,
        response: { 200: AdminSession, ...errors(400, 401, 429) },
      },
    },
    async (req) => {
      const { admin, passwordVersion } = await callAs(broker, req, 'admin.login', req.body);
      const token = app.jwt.sign(
        { sub: admin.id, kind: 'admin', pwv: passwordVersion },
        { expiresIn: rt.config.adminTokenTtlSeconds },
      );
      return { token, admin };
    },
  );

  app.get(
    '/api/admin/me',
    {
      ...read,
      schema: {
        summary: 'The signed-in operator',
        tags,
        security,
        response: { 200: Type.Object({ admin: AdminView }), ...readErrors },
      },
    },
    async (req) => ({
      admin: await callAs(broker, req, 'admin.get', { id: req.caller.admin!.id }),
    }),
  );

  app.get(
    '/api/admin/dashboard',
    {
      ...read,
      schema: {
        summary: "Today's figures: GMV, orders, paid conversion, live and top campaigns",
        tags,
        security,
        response: { 200: DashboardView, ...readErrors },
      },
    },
    async (req) => callAs(broker, req, 'admin.dashboard', {}),
  );

  // Catalog
  app.get(
    '/api/admin/products',
    {
      ...read,
      schema: {
        summary: 'List products with their SKUs',
        tags,
        security,
        response: { 200: list(ProductView), ...readErrors },
      },
    },
    async (req) => callAs(broker, req, 'catalog.list', {}),
  );
  app.post(
    '/api/admin/products',
    {
      ...write,
      schema: {
        summary: 'Create a product with its SKUs',
        tags,
        security,
        body: CreateProductBody,
        response: { 201: ProductView, ...writeErrors },
      },
    },
    async (req, reply) => reply.status(201).send(await callAs(broker, req, 'catalog.create', req.body)),
  );
  app.get(
    '/api/admin/products/:id',
    {
      ...read,
      schema: {
        summary: 'One product with its SKUs',
        tags,
        security,
        params: IdParam(ProductId),
        response: { 200: ProductView, ...readErrors },
      },
    },
    async (req) => callAs(broker, req, 'catalog.get', req.params),
  );
  app.patch(
    '/api/admin/products/:id',
    {
      ...write,
      schema: {
        summary: 'Edit a product; SKUs with an id are updated, without one created',
        tags,
        security,
        params: IdParam(ProductId),
        body: PatchProductBody,
        response: { 200: ProductView, ...writeErrors },
      },
    },
    async (req) => callAs(broker, req, 'catalog.patch', { ...req.body, ...req.params }),
  );

  // Campaigns
  app.get(
    '/api/admin/campaigns',
    {
      ...read,
      schema: {
        summary: 'List campaigns with their status and stock',
        tags,
        security,
        querystring: AdminCampaignListQuery,
        response: { 200: list(AdminCampaignView), ...readErrors },
      },
    },
    async (req) => callAs(broker, req, 'campaigns.adminList', req.query),
  );
  app.post(
    '/api/admin/campaigns',
    {
      ...write,
      schema: {
        summary: 'Create a seckill or group-buy campaign on a SKU',
        tags,
        security,
        body: CreateCampaignBody,
        response: { 201: AdminCampaignView, ...writeErrors },
      },
    },
    async (req, reply) => reply.status(201).send(await callAs(broker, req, 'campaigns.create', req.body)),
  );
  app.get(
    '/api/admin/campaigns/:id',
    {
      ...read,
      schema: {
        summary: 'One campaign as operators see it',
        tags,
        security,
        params: IdParam(CampaignId),
        response: { 200: AdminCampaignView, ...readErrors },
      },
    },
    async (req) => callAs(broker, req, 'campaigns.adminGet', req.params),
  );
  app.patch(
    '/api/admin/campaigns/:id',
    {
      ...write,
      schema: {
        summary: 'Edit a campaign; once live only its end, title and stock (upwards)',
        tags,
        security,
        params: IdParam(CampaignId),
        body: PatchCampaignBody,
        response: { 200: AdminCampaignView, ...writeErrors },
      },
    },
    async (req) => callAs(broker, req, 'campaigns.patch', { ...req.body, ...req.params }),
  );
  app.post(
    '/api/admin/campaigns/:id/stop',
    {
      ...write,
      schema: {
        summary: 'Stop a campaign for good: no new reservations',
        tags,
        security,
        params: IdParam(CampaignId),
        response: { 200: AdminCampaignView, ...writeErrors },
      },
    },
    async (req) => callAs(broker, req, 'campaigns.stop', req.params),
  );
  app.get(
    '/api/admin/campaigns/:id/live',
    {
      ...read,
      schema: {
        summary: "A campaign's live figures: stock, reservations per second, orders by status",
        tags,
        security,
        params: IdParam(CampaignId),
        response: { 200: CampaignLive, ...readErrors },
      },
    },
    async (req) => callAs(broker, req, 'campaigns.live', req.params),
  );
  app.post(
    '/api/admin/campaigns/:id/kill-switch',
    {
      ...write,
      schema: {
        tags,
        security,
        summary: 'Pause or resume new reservations on every gateway',
        params: IdParam(CampaignId),
        body: KillSwitchBody,
        response: { 200: AdminCampaignView, ...writeErrors },
      },
    },
    async (req) => callAs(broker, req, 'campaigns.killSwitch', { ...req.params, active: req.body.active }),
  );
  app.put(
    '/api/admin/campaigns/:id/waiting-room',
    {
      ...write,
      schema: {
        tags,
        security,
        summary: 'Turn the waiting room on or off and set the admission rate',
        params: IdParam(CampaignId),
        body: WaitingRoomBody,
        response: { 200: AdminCampaignView, ...writeErrors },
      },
    },
    async (req) => callAs(broker, req, 'campaigns.waitingRoom', { ...req.params, ...req.body }),
  );
  app.post(
    '/api/admin/campaigns/:id/prewarm',
    {
      ...write,
      schema: {
        tags,
        security,
        summary: 'Load the campaign into the hot path and verify it',
        params: IdParam(CampaignId),
        response: { 200: PrewarmView, ...writeErrors },
      },
    },
    async (req) => callAs(broker, req, 'campaigns.prewarm', req.params),
  );

  // Orders
  app.get(
    '/api/admin/orders',
    {
      ...read,
      schema: {
        summary: 'List orders by cursor, newest first or oldest first (order=oldest: the fulfilment queue)',
        tags,
        security,
        querystring: AdminOrderListQuery,
        response: { 200: AdminOrderPage, ...readErrors },
      },
    },
    async (req) => callAs(broker, req, 'orders.adminList', req.query),
  );
  app.get(
    '/api/admin/orders/:id',
    {
      ...read,
      schema: {
        summary: 'One order with its transition history',
        tags,
        security,
        params: IdParam(OrderId),
        response: { 200: AdminOrderView, ...readErrors },
      },
    },
    async (req) => callAs(broker, req, 'orders.adminGet', req.params),
  );
  app.get(
    '/api/admin/orders/:id/address',
    {
      ...write,
      schema: {
        tags,
        summary:
          "The order's delivery address in full, for the roles that fulfil orders; every read is audited",
        security,
        params: IdParam(OrderId),
        response: { 200: AddressSnapshot, ...readErrors },
      },
    },
    async (req) => callAs(broker, req, 'orders.adminRevealAddress', req.params),
  );
  app.post(
    '/api/admin/orders/:id/ship',
    {
      ...write,
      schema: {
        summary: 'Ship a paid order with its tracking number',
        tags,
        security,
        params: IdParam(OrderId),
        body: ShipBody,
        response: { 200: AdminOrderView, ...writeErrors },
      },
    },
    async (req) => callAs(broker, req, 'orders.ship', { ...req.body, ...req.params }),
  );
  app.post(
    '/api/admin/orders/:id/refund',
    {
      ...write,
      schema: {
        summary: 'Refund a paid or shipped order in full',
        tags,
        security,
        params: IdParam(OrderId),
        body: RefundBody,
        response: { 200: AdminOrderView, ...writeErrors },
      },
    },
    async (req) => callAs(broker, req, 'orders.refund', { ...req.body, ...req.params }),
  );

  // Admins and audit
  app.get(
    '/api/admin/admins',
    {
      ...owner,
      schema: {
        summary: 'List operator accounts',
        tags,
        security,
        response: { 200: list(AdminView), ...readErrors },
      },
    },
    async (req) => callAs(broker, req, 'admin.list', {}),
  );
  app.post(
    '/api/admin/admins',
    {
      ...owner,
      schema: {
        summary: 'Create an operator account (owners only)',
        tags,
        security,
        body: CreateAdminBody,
        response: { 201: AdminView, ...writeErrors },
      },
    },
    async (req, reply) => reply.status(201).send(await callAs(broker, req, 'admin.create', req.body)),
  );
  app.patch(
    '/api/admin/admins/:id',
    {
      ...owner,
      schema: {
        summary: "Change an operator's role, disable them or reset their password (owners only)",
        tags,
        security,
        params: IdParam(AdminId),
        body: PatchAdminBody,
        response: { 200: AdminView, ...writeErrors },
      },
    },
    async (req) => callAs(broker, req, 'admin.patch', { ...req.body, ...req.params }),
  );
  app.get(
    '/api/admin/audit-log',
    {
      ...read,
      schema: {
        summary: 'The audit log of operator writes and failed sign-ins, newest first',
        tags,
        security,
        querystring: Type.Object(
          { cursor: Type.Optional(Cursor), limit: Type.Optional(Limit) },
          { additionalProperties: false },
        ),
        response: { 200: AuditPage, ...readErrors },
      },
    },
    async (req) => callAs(broker, req, 'admin.auditLog', req.query),
  );
  app.get(
    '/api/admin/settlement/parked',
    {
      ...read,
      schema: {
        tags,
        summary: 'Settlement entries set aside after repeated failures (poison entries), newest first',
        security,
        querystring: ParkedSettlementQuery,
        response: { 200: ParkedSettlementPage, ...readErrors },
      },
    },
    async (req) => callAs(broker, req, 'admin.settlementParked', req.query),
  );

  app.post(
    '/api/admin/runtime/gc',
    {
      ...owner,
      schema: {
        tags,
        security,
        summary: 'Force a full garbage collection on the answering gateway process and report its heap',
        description:
          'For soak tests: the heap after a forced collection holds only what is still referenced, so growth ' +
          'across a run is a leak rather than garbage not yet collected. Pauses this process for the collection.',
        response: { 200: HeapAfterGcView, ...errors(401, 403) },
      },
    },
    async () => heapAfterForcedGc(),
  );
}
