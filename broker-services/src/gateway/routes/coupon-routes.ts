/**
 * Coupons: the coupon center, claims (抢券), my coupons and the best coupon for a checkout; the operator's
 * coupon templates. The claim route is a hot-path route, like a seckill reservation: it calls the hot-path store
 * in process (one Redis round trip, `claimCoupon-6`), with the template from a one-second local cache; the window,
 * stop, limit and quantity are checked inside the script. Everything else goes over the bus to `coupons`.
 */
import type { ErrorCode } from '@tuanmiao/contract/errors';
import { couponIdFor, type ReserveResult } from '@tuanmiao/hot-path';
import { couponClaimsTotal } from '@tuanmiao/observability';
import { call } from '../../broker/bus.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import {
  AdminCouponTemplateList,
  AdminCouponTemplateView,
  Applicable,
  ApplicableBody,
  ClaimBody,
  ClaimedCoupon,
  ClaimParams,
  CouponTemplateList,
  CouponTemplateStats,
  type CouponTemplateView,
  CreateCouponTemplateBody,
  IssueBody,
  IssueResult,
  MyCoupons,
  MyCouponsQuery,
  PatchCouponTemplateBody,
  TemplateParams,
} from '../../modules/coupons/schemas.ts';
import type { App, GatewayOptions } from '../app.ts';
import { READ_ROLES, requireAdmin, requireShopper, WRITE_ROLES } from '../auth.ts';
import { callAs, errors } from '../call.ts';
import { limitPerUser, perWorkerLimit } from '../per-user-limit.ts';

const CACHE_MS = 1000;
const DAY_MS = 86_400_000;
const REBUILDING = 'The coupon is being restored after a restart of its store; retry in a moment';

/** A claim's refusal as the contract names it: a stopped template's claims have ended. */
function claimRefusal(code: string): ErrorCode {
  return code === 'CAMPAIGN_STOPPED' ? 'ENDED' : (code as ErrorCode);
}

export async function registerCouponRoutes(app: App, opts: GatewayOptions): Promise<void> {
  const { broker, rt } = opts;
  const security = [{ bearer: [] }];
  const shopper = { preHandler: requireShopper };
  const read = { preHandler: requireAdmin(broker, READ_ROLES) };
  const write = { preHandler: requireAdmin(broker, WRITE_ROLES) };
  const tags = ['coupons'];
  const adminTags = ['admin', 'coupons'];

  /** Template views of about a second ago, one bus call per template at a time (a grab asks for one at once). */
  const cache = new Map<string, { at: number; view: Promise<CouponTemplateView> }>();
  function template(id: string): Promise<CouponTemplateView> {
    const hit = cache.get(id);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.view;
    const view = call(broker, 'coupons.get', { id });
    if (cache.size > 10_000) cache.clear();
    cache.set(id, { at: Date.now(), view });
    view.catch(() => {
      if (cache.get(id)?.view === view) cache.delete(id);
    });
    return view;
  }

  app.get(
    '/api/coupons',
    {
      schema: {
        tags,
        summary: 'The coupon center: coupons to claim now or soon (with their claim window for a countdown)',
        response: { 200: CouponTemplateList, ...errors(429) },
      },
    },
    async (req) => callAs(broker, req, 'coupons.list', {}),
  );

  app.post(
    '/api/coupons/:templateId/claims',
    {
      preHandler: [
        requireShopper,
        limitPerUser(perWorkerLimit(rt.config.rateLimitPerUserPerSecond, rt.config.workers)),
      ],
      config: { rateLimit: false as const },
      schema: {
        tags,
        summary: 'Claim a coupon (抢券): one atomic step for quantity, per-user limit and requestId',
        security,
        params: ClaimParams,
        body: ClaimBody,
        response: { 201: ClaimedCoupon, ...errors(400, 401, 404, 409, 429, 503) },
      },
    },
    async (req, reply) => {
      const t = await template(req.params.templateId);
      const nowMs = rt.now();
      const res: ReserveResult = await rt.store.claimCoupon({
        campaignId: t.id,
        userId: req.caller.user!.id,
        requestId: req.body.requestId,
        reservationId: newId('clm'),
        nowMs,
      });
      if (!res.ok) {
        const inWindow =
          t.status !== 'stopped' && Date.parse(t.claimStartsAt) <= nowMs && nowMs < Date.parse(t.claimEndsAt);
        // A template PostgreSQL has but whose hot state is gone (being rebuilt): retry shortly, not "no such coupon".
        if (
          res.code === 'CAMPAIGN_REBUILDING' ||
          (res.code === 'NOT_FOUND' &&
            inWindow &&
            (await call(broker, 'coupons.activeIds', {})).includes(t.id))
        ) {
          couponClaimsTotal.inc({ result: 'DEPENDENCY_UNAVAILABLE' });
          throw new AppError('DEPENDENCY_UNAVAILABLE', REBUILDING);
        }
        const code = claimRefusal(res.code);
        couponClaimsTotal.inc({ result: code });
        throw new AppError(
          code,
          code === 'ENDED' && res.code === 'CAMPAIGN_STOPPED'
            ? 'Claims of this coupon were stopped'
            : undefined,
        );
      }
      couponClaimsTotal.inc({ result: res.replayed ? 'replayed' : 'ok' });
      const claimedAt = res.reservation.createdAtMs;
      const validUntil =
        t.validDays !== undefined
          ? new Date(claimedAt + t.validDays * DAY_MS).toISOString()
          : (t.validUntil as string);
      return reply.status(201).send({
        coupon: { id: couponIdFor(res.reservation.id), templateId: t.id, status: 'unused', validUntil },
      });
    },
  );

  app.get(
    '/api/me/coupons',
    {
      ...shopper,
      schema: {
        tags,
        summary: 'My coupons by status (unused, locked on an unpaid order, used, expired)',
        security,
        querystring: MyCouponsQuery,
        response: { 200: MyCoupons, ...errors(400, 401) },
      },
    },
    async (req) => callAs(broker, req, 'coupons.mine', req.query),
  );

  app.post(
    '/api/me/coupons/applicable',
    {
      ...shopper,
      schema: {
        tags,
        summary: 'My coupons that apply to these items, best first, with the discount of each',
        security,
        body: ApplicableBody,
        response: { 200: Applicable, ...errors(400, 401, 404) },
      },
    },
    async (req) => callAs(broker, req, 'coupons.applicable', req.body),
  );

  app.get(
    '/api/admin/coupon-templates',
    {
      ...read,
      schema: {
        tags: adminTags,
        summary: 'Coupon templates with their live figures (claimed, issued, used, redemption rate)',
        security,
        response: { 200: AdminCouponTemplateList, ...errors(401, 403) },
      },
    },
    async (req) => callAs(broker, req, 'coupons.adminList', {}),
  );
  app.post(
    '/api/admin/coupon-templates',
    {
      ...write,
      schema: {
        tags: adminTags,
        summary: 'Create a coupon template (满减, 折扣 or 无门槛); audited',
        security,
        body: CreateCouponTemplateBody,
        response: { 201: AdminCouponTemplateView, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => reply.status(201).send(await callAs(broker, req, 'coupons.create', req.body)),
  );
  app.get(
    '/api/admin/coupon-templates/:id',
    {
      ...read,
      schema: {
        tags: adminTags,
        summary: 'One coupon template with its live figures',
        security,
        params: TemplateParams,
        response: { 200: AdminCouponTemplateView, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => callAs(broker, req, 'coupons.adminGet', req.params),
  );
  app.patch(
    '/api/admin/coupon-templates/:id',
    {
      ...write,
      schema: {
        tags: adminTags,
        summary: 'Change a template’s name, quantity, per-user limit or claim end; audited',
        security,
        params: TemplateParams,
        body: PatchCouponTemplateBody,
        response: { 200: AdminCouponTemplateView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => callAs(broker, req, 'coupons.patch', { ...req.body, ...req.params }),
  );
  app.post(
    '/api/admin/coupon-templates/:id/stop',
    {
      ...write,
      schema: {
        tags: adminTags,
        summary: 'Stop claims and gifts of a template (coupons held stay usable); audited',
        security,
        params: TemplateParams,
        response: { 200: AdminCouponTemplateView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => callAs(broker, req, 'coupons.stop', req.params),
  );
  app.get(
    '/api/admin/coupon-templates/:id/live',
    {
      ...read,
      schema: {
        tags: adminTags,
        summary: 'Live figures of a template: left, claimed (settled or not), issued, used, redemption rate',
        security,
        params: TemplateParams,
        response: { 200: CouponTemplateStats, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => callAs(broker, req, 'coupons.live', req.params),
  );
  app.post(
    '/api/admin/coupon-templates/:id/issues',
    {
      ...write,
      schema: {
        tags: adminTags,
        summary: 'Issue a coupon to each listed shopper (once per issueKey); audited',
        security,
        params: TemplateParams,
        body: IssueBody,
        response: { 200: IssueResult, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => callAs(broker, req, 'coupons.issue', { ...req.body, ...req.params }),
  );
}
