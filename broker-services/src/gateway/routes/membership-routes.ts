/** Membership (会员): the shopper's card and profile; the operator's levels and benefits. */
import {
  MemberLevelsView,
  MembershipCard,
  MeView,
  PutMemberLevelsBody,
} from '../../modules/membership/schemas.ts';
import type { App, GatewayOptions } from '../app.ts';
import { READ_ROLES, requireAdmin, requireShopper, WRITE_ROLES } from '../auth.ts';
import { callAs, errors } from '../call.ts';

export async function registerMembershipRoutes(app: App, opts: GatewayOptions): Promise<void> {
  const { broker } = opts;
  const security = [{ bearer: [] }];

  app.get(
    '/api/me',
    {
      preHandler: requireShopper,
      schema: {
        tags: ['membership'],
        summary: 'Me: who I am, my member level, growth and points balance',
        security,
        response: { 200: MeView, ...errors(401) },
      },
    },
    async (req) => callAs(broker, req, 'membership.me', {}),
  );
  app.get(
    '/api/me/membership',
    {
      preHandler: requireShopper,
      schema: {
        tags: ['membership'],
        summary: 'My member card: level, benefits, growth and progress to the next level',
        security,
        response: { 200: MembershipCard, ...errors(401) },
      },
    },
    async (req) => callAs(broker, req, 'membership.card', {}),
  );
  app.get(
    '/api/admin/member-levels',
    {
      preHandler: requireAdmin(broker, READ_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Member levels with their thresholds, discounts and benefits, and the growth window',
        security,
        response: { 200: MemberLevelsView, ...errors(401, 403) },
      },
    },
    async (req) => callAs(broker, req, 'membership.getLevels', {}),
  );
  app.put(
    '/api/admin/member-levels',
    {
      preHandler: requireAdmin(broker, WRITE_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Replace the member levels and the growth window (audited); shoppers are reviewed again',
        security,
        body: PutMemberLevelsBody,
        response: { 200: MemberLevelsView, ...errors(400, 401, 403) },
      },
    },
    async (req) => callAs(broker, req, 'membership.setLevels', req.body),
  );
}
