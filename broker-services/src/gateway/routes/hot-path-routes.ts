/**
 * The hot path: seckill reservations and group open/join call the hot-path store in-process, one Redis round
 * trip per request, with no broker hop (the bus costs two thirds of the throughput here). The campaign's type,
 * waiting-room setting and level benefits come from a one-second local cache, the shopper's level code (only for
 * a campaign with level benefits) from a 30-second one (../member-levels.ts); the window, stop, kill switch,
 * limit and stock, with the level's limit and early opening, are checked inside the store's atomic script.
 */

import type { ErrorCode } from '@tuanmiao/contract/errors';
import type { Reservation, ReserveResult, ReserveSeckillInput } from '@tuanmiao/hot-path';
import { reservationsTotal } from '@tuanmiao/observability';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { call } from '../../broker/bus.ts';
import { AppError } from '../../errors.ts';
import { campaignOfId, newCampaignScopedId } from '../../ids.ts';
import type { CampaignView } from '../../modules/campaigns/schemas.ts';
import {
  GroupAndReservation,
  GroupRequestBody,
  type GroupView,
  sharePath,
} from '../../modules/groups/schemas.ts';
import {
  ReservationView,
  type ReservationView as ReservationViewT,
  ReserveBody,
} from '../../modules/orders/schemas.ts';
import { CampaignId, GroupId } from '../../schemas/common.ts';
import type { App, GatewayOptions } from '../app.ts';
import { requireShopper } from '../auth.ts';
import { errors } from '../call.ts';
import type { HotPathRebuilds } from '../hot-path-rebuilds.ts';
import { shopperLevels } from '../member-levels.ts';
import { limitPerUser, perWorkerLimit } from '../per-user-limit.ts';
import {
  memoryArrivalCounter,
  redisArrivalCounter,
  registerAdmissionRoute,
  verifyAdmission,
} from './admission.ts';

const CACHE_MS = 1000;
/** How long "no such campaign" is remembered (a campaign once known is served however old; see campaign()). */
const STALE_MS = 10_000;
/** What a shopper is told while the hot path is being rebuilt from PostgreSQL: retry, this is not final. */
const REBUILDING = 'The sale is being restored after a restart of its store; retry in a moment';

export function toReservationView(r: Reservation): ReservationViewT {
  const view: ReservationViewT = {
    id: r.id,
    campaignId: r.campaignId,
    quantity: r.quantity,
    status: r.status,
    expiresAt: new Date(r.expiresAtMs).toISOString(),
  };
  // Set only when present (no spread of a throw-away object per answer); the response schema fixes the order.
  if (r.status === 'settled') view.orderId = r.orderId;
  if (r.groupId) view.groupId = r.groupId;
  return view;
}

/** A reservation of the caller: from the hot path while live, else from its settled order. */
export async function findReservation(
  opts: GatewayOptions,
  req: FastifyRequest,
  reservationId: string,
): Promise<ReservationViewT> {
  const userId = req.caller.user!.id;
  const settled = await call(opts.broker, 'orders.findByReservation', { reservationId, userId });
  // A reservation's order is a campaign order: it always has its campaign.
  if (settled.order?.campaignId) {
    const o = settled.order;
    return {
      id: reservationId,
      campaignId: settled.order.campaignId,
      quantity: o.items[0]?.quantity ?? 1,
      status: o.status === 'cancelled' ? 'released' : 'settled',
      orderId: o.id,
      ...(o.groupId ? { groupId: o.groupId } : {}),
      expiresAt: o.expiresAt,
    };
  }
  // Not settled yet: the hot path holds it under its campaign, which its id names (an id from before ids carried
  // their campaign is only found once settled, a moment after it was made).
  const campaignId = campaignOfId(reservationId);
  const r = campaignId ? await opts.rt.store.getReservation(campaignId, reservationId, userId) : null;
  if (r) return toReservationView(r);
  throw new AppError('NOT_FOUND', 'No such reservation');
}

export async function registerHotPathRoutes(
  app: App,
  opts: GatewayOptions,
  rebuilds: HotPathRebuilds,
): Promise<void> {
  const { broker, rt } = opts;
  const cache = new Map<string, { at: number; view: CampaignView | null }>();
  /** One refresh per campaign at a time. */
  const refreshing = new Map<string, Promise<CampaignView>>();
  const security = [{ bearer: [] }];
  const paymentTtlMs = rt.config.paymentTtlSeconds * 1000;
  const levels = shopperLevels(broker);
  /**
   * The shopper's level code, asked only for a campaign with level benefits (from the cache of ../member-levels.ts:
   * no bus call per reservation); the script picks the limit and the opening time of that level.
   */
  function levelFor(c: CampaignView, userId: string): string | undefined | Promise<string | undefined> {
    return c.levelBenefits.length > 0 ? levels.of(userId) : undefined;
  }
  /** When this shopper's sale opens: the campaign's start, earlier by their level's early access. */
  function opensAtFor(c: CampaignView, levelCode: string | undefined): string {
    const early = c.levelBenefits.find((b) => b.levelCode === levelCode)?.earlyAccessMinutes ?? 0;
    return new Date(Date.parse(c.startsAt) - early * 60_000).toISOString();
  }
  /**
   * The campaign of a group is in the group's id (`campaignOfId`), so a join needs no lookup. A group from
   * before ids carried their campaign is looked up once where it is stored (groups.get) and remembered: groups
   * never move. The lookup in flight is shared: a group just shared in a chat gets its joins all at once.
   */
  const legacyGroupCampaign = new Map<string, Promise<string>>();
  function groupCampaignOf(groupId: string): Promise<string> | string {
    const inId = campaignOfId(groupId);
    if (inId) return inId;
    const known = legacyGroupCampaign.get(groupId);
    if (known) return known;
    if (legacyGroupCampaign.size > 100_000) legacyGroupCampaign.clear();
    const lookup = call(broker, 'groups.get', { id: groupId }).then((g) => g.campaignId);
    legacyGroupCampaign.set(groupId, lookup);
    lookup.catch(() => legacyGroupCampaign.delete(groupId));
    return lookup;
  }
  await registerAdmissionRoute(
    app,
    opts,
    opts.redis ? redisArrivalCounter(opts.redis) : memoryArrivalCounter(),
    levels,
  );

  /** Asks the bus for the campaign once at a time; NOT_FOUND is cached too, so probing costs no bus call. */
  function fetchCampaign(id: string): Promise<CampaignView> {
    const inFlight = refreshing.get(id);
    if (inFlight) return inFlight;
    const now = Date.now();
    const fetched = (async () => {
      try {
        const view = await call(broker, 'campaigns.get', { id });
        if (cache.size > 10_000) cache.clear();
        cache.set(id, { at: now, view });
        return view;
      } catch (err) {
        const known = cache.get(id);
        if ((err as { type?: string }).type === 'NOT_FOUND') cache.set(id, { at: now, view: null });
        // The bus is down or slow: keep the last definition and try again in a second, not on every request.
        else if (known?.view) cache.set(id, { at: now, view: known.view });
        throw err;
      } finally {
        refreshing.delete(id);
      }
    })();
    refreshing.set(id, fetched);
    return fetched;
  }
  /**
   * The campaign as of about a second ago. A hit is answered synchronously (at a sale's peak nearly every call
   * is one, and needs no promise); a stale hit is still answered while one refresh runs behind it. When the
   * entry expired, every reservation of that moment used to ask the bus itself: a campaign lookup per request
   * for as long as the first one took, a stall of a tenth of a second once a second at the peak. Only the type
   * and the waiting-room switch come from here; the window, stop, kill switch, limit and stock are checked in
   * the script, so a known campaign is served from its last definition for as long as the bus is out: a NATS
   * outage of more than 10 s used to stop the sale although Redis and PostgreSQL were fine.
   */
  function campaign(id: string): CampaignView | Promise<CampaignView> {
    const hit = cache.get(id);
    if (hit) {
      const age = Date.now() - hit.at;
      if (hit.view || age < STALE_MS) {
        if (age >= CACHE_MS) fetchCampaign(id).catch(() => {});
        if (!hit.view) throw new AppError('NOT_FOUND', 'No such campaign');
        return hit.view;
      }
    }
    return fetchCampaign(id);
  }

  /**
   * A hot path without the state of a campaign PostgreSQL has (Redis restarted empty) refuses with NOT_FOUND
   * until reconciliation rebuilds it; one whose state came back behind PostgreSQL, or is being rebuilt, refuses
   * with CAMPAIGN_REBUILDING (the store's floors). Clients take a 404 as final, so a campaign within its window
   * answers 503 with Retry-After instead, and /readyz reports the rebuild until the state is back.
   */
  async function refuseMissing(
    type: 'seckill' | 'groupbuy',
    c: CampaignView,
    code: string,
    levelCode: string | undefined,
  ): Promise<never> {
    const now = rt.now();
    // The shopper's window: an early-access member's opens before the start, and a lost state then is a rebuild too.
    const opensAt = opensAtFor(c, levelCode);
    const inWindow = Date.parse(opensAt) <= now && now < Date.parse(c.endsAt) && c.status !== 'stopped';
    if (
      code === 'CAMPAIGN_REBUILDING' ||
      (code === 'NOT_FOUND' && inWindow && !(await rt.store.hasCampaignState(c.id)))
    ) {
      rebuilds.missing(c.id);
      reservationsTotal.inc({ campaign_type: type, result: 'DEPENDENCY_UNAVAILABLE' });
      throw new AppError('DEPENDENCY_UNAVAILABLE', REBUILDING);
    }
    // The countdown a shopper is shown is their own: a member with early access opens before the others.
    if (code === 'NOT_STARTED') return refuse(type, code, { opensAt });
    return refuse(type, code);
  }

  /** Called only while the campaign's waiting room is on. */
  async function admit(req: FastifyRequest, c: CampaignView, token: string | undefined): Promise<void> {
    if (!token || !(await verifyAdmission(app, token, req.caller.user!.id, c.id))) {
      throw new AppError('ADMISSION_REQUIRED', 'Get an admission token from the waiting room first');
    }
  }

  function refuse(type: 'seckill' | 'groupbuy', code: string, details?: Record<string, unknown>): never {
    reservationsTotal.inc({ campaign_type: type, result: code });
    throw new AppError(code as ErrorCode, undefined, details);
  }

  // Per user and in process (see ../per-user-limit.ts); the shared per-IP limit stays off these routes, as shoppers
  // behind one carrier NAT share an address and would be refused together at a sale's peak.
  const preHandler = [
    requireShopper,
    limitPerUser(perWorkerLimit(rt.config.rateLimitPerUserPerSecond, rt.config.workers)),
  ];
  const perUser = { rateLimit: false as const };
  // The counters of a seckill's answers, their labels bound once rather than an object per reservation.
  const seckillReserved = reservationsTotal.labels({ campaign_type: 'seckill', result: 'ok' });
  const seckillReplayed = reservationsTotal.labels({ campaign_type: 'seckill', result: 'replayed' });

  app.post(
    '/api/seckill/:campaignId/reservations',
    {
      preHandler,
      config: perUser,
      schema: {
        tags: ['seckill'],
        summary: 'Reserve units of a live seckill campaign (idempotent by requestId)',
        security,
        params: Type.Object({ campaignId: CampaignId }, { additionalProperties: false }),
        body: ReserveBody,
        response: {
          201: Type.Object({ reservation: ReservationView }),
          ...errors(400, 401, 403, 404, 409, 429, 503),
        },
      },
    },
    async (req, reply) => {
      const known = campaign(req.params.campaignId);
      const c = known instanceof Promise ? await known : known;
      if (c.type !== 'seckill') throw new AppError('WRONG_CAMPAIGN_TYPE');
      if (c.waitingRoom.enabled) await admit(req, c, req.body.admissionToken);
      const userId = req.caller.user!.id;
      const level = levelFor(c, userId);
      const levelCode = level instanceof Promise ? await level : level;
      const input: ReserveSeckillInput = {
        campaignId: c.id,
        userId,
        requestId: req.body.requestId,
        quantity: req.body.quantity,
        reservationId: newCampaignScopedId('rsv', c.id),
        nowMs: rt.now(),
        paymentTtlMs,
      };
      // Set only when there is one (no spread of a throw-away object on every reservation).
      if (levelCode !== undefined) input.levelCode = levelCode;
      // The count is fixed at creation, so the cached view's is never stale; it saves the store a lookup.
      if (c.stockBuckets > 1) input.buckets = c.stockBuckets;
      const res: ReserveResult = await rt.store.reserveSeckill(input);
      if (!res.ok) return await refuseMissing('seckill', c, res.code, levelCode);
      rebuilds.present(c.id);
      (res.replayed ? seckillReplayed : seckillReserved).inc();
      return reply.status(201).send({ reservation: toReservationView(res.reservation) });
    },
  );

  const groupAnswer = (
    g: {
      id: string;
      campaignId: string;
      leaderId: string;
      size: number;
      slotsTaken: number;
      members: { userId: string }[];
      status: GroupView['status'];
      expiresAtMs: number;
    },
    r: Reservation,
  ) => ({
    group: {
      id: g.id,
      campaignId: g.campaignId,
      leaderId: g.leaderId,
      size: g.size,
      slotsTaken: g.slotsTaken,
      members: g.members.map((m) => ({ userId: m.userId, paid: false })),
      status: g.status,
      expiresAt: new Date(g.expiresAtMs).toISOString(),
      sharePath: sharePath(g.id),
    },
    reservation: toReservationView(r),
  });

  app.post(
    '/api/groupbuy/:campaignId/groups',
    {
      preHandler,
      config: perUser,
      schema: {
        tags: ['groupbuy'],
        summary: 'Open a group: the caller leads it and takes the first slot',
        security,
        params: Type.Object({ campaignId: CampaignId }, { additionalProperties: false }),
        body: GroupRequestBody,
        response: { 201: GroupAndReservation, ...errors(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (req, reply) => {
      const known = campaign(req.params.campaignId);
      const c = known instanceof Promise ? await known : known;
      if (c.type !== 'groupbuy') throw new AppError('WRONG_CAMPAIGN_TYPE');
      if (c.waitingRoom.enabled) await admit(req, c, req.body.admissionToken);
      const userId = req.caller.user!.id;
      const level = levelFor(c, userId);
      const levelCode = level instanceof Promise ? await level : level;
      const res = await rt.store.openGroup({
        campaignId: c.id,
        userId,
        requestId: req.body.requestId,
        groupId: newCampaignScopedId('grp', c.id),
        reservationId: newCampaignScopedId('rsv', c.id),
        nowMs: rt.now(),
        paymentTtlMs,
        ...(levelCode !== undefined ? { levelCode } : {}),
      });
      if (!res.ok) return await refuseMissing('groupbuy', c, res.code, levelCode);
      rebuilds.present(c.id);
      reservationsTotal.inc({ campaign_type: 'groupbuy', result: res.replayed ? 'replayed' : 'ok' });
      return reply.status(201).send(groupAnswer(res.group, res.reservation));
    },
  );

  app.post(
    '/api/groupbuy/groups/:groupId/members',
    {
      preHandler,
      config: perUser,
      schema: {
        tags: ['groupbuy'],
        summary: 'Join a forming group: takes one slot atomically',
        security,
        params: Type.Object({ groupId: GroupId }, { additionalProperties: false }),
        body: GroupRequestBody,
        response: { 201: GroupAndReservation, ...errors(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (req, reply) => {
      const c = await campaign(await groupCampaignOf(req.params.groupId));
      if (c.waitingRoom.enabled) await admit(req, c, req.body.admissionToken);
      const userId = req.caller.user!.id;
      const level = levelFor(c, userId);
      const levelCode = level instanceof Promise ? await level : level;
      const res = await rt.store.joinGroup({
        campaignId: c.id,
        groupId: req.params.groupId,
        userId,
        requestId: req.body.requestId,
        reservationId: newCampaignScopedId('rsv', c.id),
        nowMs: rt.now(),
        paymentTtlMs,
        ...(levelCode !== undefined ? { levelCode } : {}),
      });
      if (!res.ok) return await refuseMissing('groupbuy', c, res.code, levelCode);
      rebuilds.present(c.id);
      reservationsTotal.inc({ campaign_type: 'groupbuy', result: res.replayed ? 'replayed' : 'ok' });
      return reply.status(201).send(groupAnswer(res.group, res.reservation));
    },
  );
}
