/** Points (积分): the shopper's balance and history; the operator's rules, ledger search, adjustments, reconciliation. */
import {
  AdjustmentBody,
  AdjustmentView,
  LedgerPage,
  LedgerQuery,
  PointsHistoryQuery,
  PointsRules,
  PointsView,
  ReconciliationView,
} from '../../modules/points/schemas.ts';
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
}
