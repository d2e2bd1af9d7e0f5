/**
 * Points (积分) and the points mall (积分商城): the shopper's balance, history and redemptions; the operator's rules,
 * ledger search, adjustments, reconciliation and mall items.
 */
import {
  AdjustmentBody,
  AdjustmentView,
  CreateMallItemBody,
  LedgerPage,
  LedgerQuery,
  MallItemId,
  MallItemList,
  MallItemView,
  PatchMallItemBody,
  PointsHistoryQuery,
  PointsRules,
  PointsView,
  ReconciliationView,
  RedeemBody,
  RedemptionList,
  RedemptionListQuery,
  RedemptionResult,
} from '../../modules/points/schemas.ts';
import { IdParam } from '../../schemas/common.ts';
import type { App, GatewayOptions } from '../app.ts';
import { READ_ROLES, requireAdmin, requireShopper, WRITE_ROLES } from '../auth.ts';
import { callAs, errors } from '../call.ts';

export async function registerPointsRoutes(app: App, opts: GatewayOptions): Promise<void> {
  const { broker } = opts;
  const security = [{ bearer: [] }];

  app.get(
    '/api/me/points',
    {
      preHandler: requireShopper,
      schema: {
        tags: ['points'],
        summary: 'My points: the balance (the sum of the ledger) and the ledger, newest first',
        security,
        querystring: PointsHistoryQuery,
        response: { 200: PointsView, ...errors(400, 401) },
      },
    },
    async (req) => callAs(broker, req, 'points.mine', req.query),
  );

  app.get(
    '/api/admin/points-rules',
    {
      preHandler: requireAdmin(broker, READ_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'The points rules in force: earning rate, value and cap at checkout, expiry schedule',
        security,
        response: { 200: PointsRules, ...errors(401, 403) },
      },
    },
    async (req) => callAs(broker, req, 'points.getRules', {}),
  );
  app.put(
    '/api/admin/points-rules',
    {
      preHandler: requireAdmin(broker, WRITE_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Replace the points rules (audited); they apply to orders from now on',
        security,
        body: PointsRules,
        response: { 200: PointsRules, ...errors(400, 401, 403) },
      },
    },
    async (req) => callAs(broker, req, 'points.setRules', req.body),
  );
  app.get(
    '/api/admin/points-ledger',
    {
      preHandler: requireAdmin(broker, READ_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Search the points ledger by shopper, order or reason, newest first',
        security,
        querystring: LedgerQuery,
        response: { 200: LedgerPage, ...errors(400, 401, 403) },
      },
    },
    async (req) => callAs(broker, req, 'points.ledger', req.query),
  );
  app.post(
    '/api/admin/points-adjustments',
    {
      preHandler: requireAdmin(broker, WRITE_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Add or take a shopper’s points with a note (audited; idempotent by requestId)',
        security,
        body: AdjustmentBody,
        response: { 201: AdjustmentView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.status(201).send(await callAs(broker, req, 'points.adjust', req.body)),
  );
  app.get(
    '/api/admin/points-reconciliation',
    {
      preHandler: requireAdmin(broker, READ_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Reconcile the points ledger now: shoppers whose balance is not the sum of their ledger',
        security,
        response: { 200: ReconciliationView, ...errors(401, 403) },
      },
    },
    async (req) => callAs(broker, req, 'points.reconcileNow', {}),
  );

  app.get(
    '/api/points-mall/items',
    {
      schema: {
        tags: ['points'],
        summary: 'The points mall: items on offer now, with their points cost, stock left and per-user limit',
        response: { 200: MallItemList },
      },
    },
    async (req) => callAs(broker, req, 'points.mallItems', {}),
  );
  app.post(
    '/api/points-mall/items/:id/redemptions',
    {
      preHandler: requireShopper,
      schema: {
        tags: ['points'],
        summary: 'Redeem one unit of an item for my points (idempotent by requestId)',
        security,
        params: IdParam(MallItemId),
        body: RedeemBody,
        response: { 201: RedemptionResult, ...errors(400, 401, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await callAs(broker, req, 'points.redeem', { ...req.params, ...req.body })),
  );
  app.get(
    '/api/me/points-mall/redemptions',
    {
      preHandler: requireShopper,
      schema: {
        tags: ['points'],
        summary: 'My points-mall redemptions, newest first',
        security,
        querystring: RedemptionListQuery,
        response: { 200: RedemptionList, ...errors(400, 401) },
      },
    },
    async (req) => callAs(broker, req, 'points.myRedemptions', req.query),
  );
  app.get(
    '/api/admin/points-mall/items',
    {
      preHandler: requireAdmin(broker, READ_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Every item of the points mall, stopped ones included, with stock left',
        security,
        response: { 200: MallItemList, ...errors(401, 403) },
      },
    },
    async (req) => callAs(broker, req, 'points.adminMallItems', {}),
  );
  app.post(
    '/api/admin/points-mall/items',
    {
      preHandler: requireAdmin(broker, WRITE_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Add an item to the points mall (audited)',
        security,
        body: CreateMallItemBody,
        response: { 201: MallItemView, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await callAs(broker, req, 'points.createMallItem', req.body)),
  );
  app.patch(
    '/api/admin/points-mall/items/:id',
    {
      preHandler: requireAdmin(broker, WRITE_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Edit a points-mall item: cost, stock total, limit, window, or stop it (audited)',
        security,
        params: IdParam(MallItemId),
        body: PatchMallItemBody,
        response: { 200: MallItemView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => callAs(broker, req, 'points.patchMallItem', { ...req.params, ...req.body }),
  );
}
