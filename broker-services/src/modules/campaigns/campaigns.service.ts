/**
 * campaigns: seckill and group-buy definitions, their schedule and status, and the operator's live controls.
 * Every write loads the campaign's definition into the hot path (counters are primed once, metadata always
 * refreshed), so the gateway's reservation route reads nothing from PostgreSQL.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { shardIds } from '@tuanmiao/hot-path';
import type { Context, ServiceSchema } from 'moleculer';
import { call, defineService } from '../../broker/bus.ts';
import { GROUP_TTL_MIN_SECONDS } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { persistAudit, recordAudit, requireAdmin } from '../admin/audit.ts';
import { Product, Sku } from '../catalog/entities.ts';
import { campaignStatus, toAdminCampaignView, toCampaignView, toHotPathDefinition } from './campaign-view.ts';
import { campaignsContract } from './contract.ts';
import { Campaign } from './entities.ts';
import type { CampaignLive, LevelBenefit, RobotFillPolicy } from './schemas.ts';

export default function createCampaignsService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();

  async function find(id: string): Promise<Campaign> {
    const c = await em().findOne(Campaign, { id });
    if (!c) throw new AppError('NOT_FOUND', 'No such campaign');
    return c;
  }

  /** Campaigns not over yet (ended less than an hour ago): what start-up loads and the periodic checks visit. */
  function activeCampaigns() {
    return em().find(
      Campaign,
      { endsAt: { $gt: new Date(rt.now() - 3600_000) } },
      { fields: ['id', 'type', 'stockBuckets'] },
    );
  }

  async function stockLeft(c: Campaign): Promise<number> {
    const counters = await rt.store.getCampaignCounters(c.id);
    return counters ? counters.stockLeft : c.stockTotal;
  }

  /**
   * Primes (or refreshes) a campaign in the hot path. A campaign that has sold before but whose hot state is
   * gone (Redis flushed or lost) is left alone: priming would hand out its whole stock again. Reconciliation
   * rebuilds it from PostgreSQL instead; until then the hot path refuses its reservations.
   */
  async function load(c: Campaign, atStart = false): Promise<void> {
    if (!(await rt.store.getCampaignCounters(c.id))) {
      const sold = await em().execute<{ one: number }[]>(
        'select 1 as one from orders where campaign_id = ? limit 1',
        [c.id],
      );
      if (sold[0]) {
        // The in-process store starts empty: at start its rebuild is the ordinary path, not an incident.
        const expected = atStart && rt.store.kind === 'memory';
        rt.log[expected ? 'info' : 'warn'](
          { campaignId: c.id },
          expected
            ? 'hot state of a campaign with orders is rebuilt by reconciliation at start'
            : 'hot state missing for a campaign with orders; left to reconciliation',
        );
        return;
      }
    }
    await rt.store.loadCampaign(toHotPathDefinition(c));
  }

  /** The schema allows short group TTLs for tests; production keeps at least GROUP_TTL_MIN_SECONDS. */
  function validateGroupTtl(seconds: number | undefined): void {
    if (seconds !== undefined && seconds < GROUP_TTL_MIN_SECONDS && !rt.config.allowShortTtl) {
      throw new AppError('VALIDATION_FAILED', `groupTtlSeconds must be at least ${GROUP_TTL_MIN_SECONDS}`, {
        field: 'groupTtlSeconds',
      });
    }
  }

  function validateWindow(startsAt: Date, endsAt: Date): void {
    if (!(endsAt.getTime() > startsAt.getTime())) {
      throw new AppError('VALIDATION_FAILED', 'endsAt must be after startsAt', { field: 'endsAt' });
    }
  }

  /**
   * A campaign's level benefits: one entry per level, each giving a limit or early access (the schema holds both
   * bounds), a limit no lower than the campaign's own, and only levels the membership module has now.
   */
  async function validateLevelBenefits(
    ctx: Context,
    benefits: readonly LevelBenefit[],
    perUserLimit: number,
  ): Promise<void> {
    if (benefits.length === 0) return;
    const seen = new Set<string>();
    for (const [i, b] of benefits.entries()) {
      if (seen.has(b.levelCode)) {
        throw new AppError('VALIDATION_FAILED', `Level ${b.levelCode} is listed twice`, {
          field: `levelBenefits/${i}/levelCode`,
        });
      }
      seen.add(b.levelCode);
      if (b.perUserLimit !== undefined && b.perUserLimit < perUserLimit) {
        throw new AppError(
          'VALIDATION_FAILED',
          `A level's perUserLimit (${b.perUserLimit}) cannot be below the campaign's (${perUserLimit})`,
          { field: `levelBenefits/${i}/perUserLimit` },
        );
      }
    }
    const known = new Set(await call(ctx, 'membership.levelCodes', {}));
    for (const [i, b] of benefits.entries()) {
      if (!known.has(b.levelCode)) {
        throw new AppError('VALIDATION_FAILED', `No membership level ${b.levelCode}`, {
          field: `levelBenefits/${i}/levelCode`,
        });
      }
    }
  }

  /** Flushes the campaign's pending change together with its audit entry: one transaction, both or neither. */
  async function flushAudited(
    e: EntityManager,
    meta: Parameters<typeof persistAudit>[1],
    action: string,
    id: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    persistAudit(e, meta, { action, objectType: 'campaign', objectId: id, detail });
    await e.flush();
  }

  async function audited<T>(
    meta: Parameters<typeof recordAudit>[1],
    action: string,
    id: string,
    detail: Record<string, unknown>,
    result: T,
  ): Promise<T> {
    await recordAudit(em(), meta, { action, objectType: 'campaign', objectId: id, detail });
    return result;
  }

  return defineService(campaignsContract, {
    actions: {
      /**
       * Shopper list: live and scheduled campaigns first, then the rest, by start time. Dry runs (rehearsals,
       * load tests) are left out; they stay reachable by id.
       */
      list: async (ctx) => {
        const now = rt.now();
        const rows = await em().find(
          Campaign,
          {
            ...(ctx.params.type ? { type: ctx.params.type } : {}),
            dryRun: false,
            endsAt: { $gt: new Date(now - 86400_000) },
          },
          { orderBy: { startsAt: 'asc' }, limit: 100 },
        );
        const items = await Promise.all(rows.map(async (c) => toCampaignView(c, await stockLeft(c), now)));
        const rank = { live: 0, scheduled: 1, ended: 2, stopped: 3 } as const;
        items.sort((a, b) => rank[a.status] - rank[b.status]);
        return { items };
      },

      /** One campaign as shoppers see it. */
      get: async (ctx) => {
        const c = await find(ctx.params.id);
        return toCampaignView(c, await stockLeft(c), rt.now());
      },

      /** Internal: the hot-path definition, for reconciliation and pre-warm. */
      definition: async (ctx) => toHotPathDefinition(await find(ctx.params.id)),

      /** Internal: ids of campaigns that are not over yet (loaded at start, reconciled periodically). */
      activeIds: async () => (await activeCampaigns()).map((r) => r.id),

      /**
       * Internal (settlement): the hot-path ids of the campaigns not over yet, every stock bucket's shard
       * (`shardIds`: the campaign's own id first), since each bucket has a settlement stream of its own. The store
       * says how many buckets it keeps (the in-process store keeps every campaign whole).
       */
      activeShardIds: async () =>
        (await activeCampaigns()).flatMap((r) => shardIds(r.id, rt.store.bucketsFor(r))),

      /**
       * Internal (the hot path's clean-up): campaigns that ended in (endedAfter, endedBefore], whose hot state is
       * kept no longer (see runtime/campaign-health.ts `dropRetiredHotStates`), each with its bucket count.
       */
      retiredIds: async (ctx) => {
        const rows = await em().find(
          Campaign,
          { endsAt: { $gt: new Date(ctx.params.endedAfter), $lte: new Date(ctx.params.endedBefore) } },
          { fields: ['id', 'type', 'stockBuckets'] },
        );
        return rows.map((r) => ({ id: r.id, buckets: rt.store.bucketsFor(r) }));
      },

      /** Internal (groups): each campaign's robot-fill policy, for the groups that expire. */
      robotFillPolicies: async (ctx): Promise<{ items: RobotFillPolicy[] }> => {
        if (ctx.params.ids.length === 0) return { items: [] };
        const rows = await em().find(
          Campaign,
          { id: { $in: ctx.params.ids } },
          { fields: ['id', 'robotFillEnabled', 'robotFillMaxMissing'] },
        );
        return {
          items: rows.map((c) => ({
            id: c.id,
            enabled: c.robotFillEnabled,
            maxMissing: c.robotFillMaxMissing,
          })),
        };
      },

      /** Admin list, filtered by type and status. */
      adminList: async (ctx) => {
        requireAdmin(ctx.meta);
        const now = rt.now();
        const rows = await em().find(Campaign, ctx.params.type ? { type: ctx.params.type } : {}, {
          orderBy: { id: 'desc' },
          limit: 500,
        });
        const items = await Promise.all(
          rows.map(async (c) => toAdminCampaignView(c, await stockLeft(c), now)),
        );
        return { items: ctx.params.status ? items.filter((i) => i.status === ctx.params.status) : items };
      },

      adminGet: async (ctx) => {
        requireAdmin(ctx.meta);
        const c = await find(ctx.params.id);
        return toAdminCampaignView(c, await stockLeft(c), rt.now());
      },

      /** Creates a seckill or group-buy campaign on a SKU and loads it into the hot path. */
      create: async (ctx) => {
        requireAdmin(ctx.meta);
        const b = ctx.params;
        const startsAt = new Date(b.startsAt);
        const endsAt = new Date(b.endsAt);
        validateWindow(startsAt, endsAt);
        validateGroupTtl(b.groupTtlSeconds);
        if (b.type === 'groupbuy' && (!b.groupSize || !b.groupTtlSeconds)) {
          throw new AppError('VALIDATION_FAILED', 'A group-buy campaign needs groupSize and groupTtlSeconds');
        }
        if (b.type === 'seckill' && (b.groupSize || b.groupTtlSeconds)) {
          throw new AppError(
            'VALIDATION_FAILED',
            'groupSize and groupTtlSeconds are for group-buy campaigns',
          );
        }
        // A group's slots and its members' holdings live under one hash tag; only seckill stock splits.
        if (b.type !== 'seckill' && (b.stockBuckets ?? 1) > 1) {
          throw new AppError('VALIDATION_FAILED', 'Stock buckets are for seckill campaigns', {
            field: 'stockBuckets',
          });
        }
        await validateLevelBenefits(ctx, b.levelBenefits ?? [], b.perUserLimit);
        const e = em();
        const sku = await e.findOne(Sku, { id: b.skuId });
        if (!sku) throw new AppError('NOT_FOUND', 'No such SKU');
        const product = await e.findOneOrFail(Product, { id: sku.productId });
        if (product.status !== 'active') throw new AppError('CONFLICT', 'The product is archived');
        const c = e.create(Campaign, {
          id: newId('cmp'),
          type: b.type,
          title: b.title,
          productId: product.id,
          skuId: sku.id,
          priceFen: b.priceFen,
          originalPriceFen: sku.priceFen,
          startsAt,
          endsAt,
          stockTotal: b.stockTotal,
          perUserLimit: b.perUserLimit,
          groupSize: b.type === 'groupbuy' ? (b.groupSize ?? null) : null,
          groupTtlSeconds: b.type === 'groupbuy' ? (b.groupTtlSeconds ?? null) : null,
          dryRun: b.dryRun ?? false,
          robotFillEnabled: b.robotFill?.enabled ?? false,
          robotFillMaxMissing: b.robotFill?.maxMissing ?? 0,
          levelBenefits: b.levelBenefits ?? [],
          stockBuckets: b.stockBuckets ?? 1,
        });
        e.persist(c);
        await flushAudited(e, ctx.meta, 'campaign.create', c.id, { ...b });
        await load(c);
        return toAdminCampaignView(c, c.stockTotal, rt.now());
      },

      /** Edits a campaign; once live, only the end, the stock total (upwards) and the title may change. */
      patch: async (ctx) => {
        requireAdmin(ctx.meta);
        const { id, robotFill, ...fields } = ctx.params;
        validateGroupTtl(fields.groupTtlSeconds);
        const e = em();
        const c = await e.findOne(Campaign, { id });
        if (!c) throw new AppError('NOT_FOUND', 'No such campaign');
        const status = campaignStatus(c, rt.now());
        if (status === 'ended' || status === 'stopped') {
          throw new AppError('INVALID_TRANSITION', `A ${status} campaign cannot be edited`);
        }
        if (status === 'live') {
          // Level benefits are terms of the sale like the limit: members may already be buying on them.
          const locked = (
            ['priceFen', 'startsAt', 'perUserLimit', 'groupTtlSeconds', 'levelBenefits'] as const
          ).filter((k) => fields[k] !== undefined);
          if (locked.length)
            throw new AppError('INVALID_TRANSITION', `Live campaigns cannot change ${locked.join(', ')}`);
          if (fields.stockTotal !== undefined && fields.stockTotal < c.stockTotal) {
            throw new AppError('INVALID_TRANSITION', 'A live campaign cannot lower its stock');
          }
        }
        // The merged terms are checked: a new base limit must stay at or below every level's limit too.
        if (fields.levelBenefits !== undefined || fields.perUserLimit !== undefined) {
          await validateLevelBenefits(
            ctx,
            fields.levelBenefits ?? c.levelBenefits,
            fields.perUserLimit ?? c.perUserLimit,
          );
        }
        e.assign(c, {
          ...(fields.title !== undefined ? { title: fields.title } : {}),
          ...(fields.levelBenefits !== undefined ? { levelBenefits: fields.levelBenefits } : {}),
          ...(fields.priceFen !== undefined ? { priceFen: fields.priceFen } : {}),
          ...(fields.startsAt !== undefined ? { startsAt: new Date(fields.startsAt) } : {}),
          ...(fields.endsAt !== undefined ? { endsAt: new Date(fields.endsAt) } : {}),
          ...(fields.stockTotal !== undefined ? { stockTotal: fields.stockTotal } : {}),
          ...(fields.perUserLimit !== undefined ? { perUserLimit: fields.perUserLimit } : {}),
          ...(fields.groupTtlSeconds !== undefined && c.type === 'groupbuy'
            ? { groupTtlSeconds: fields.groupTtlSeconds }
            : {}),
          ...(robotFill
            ? { robotFillEnabled: robotFill.enabled, robotFillMaxMissing: robotFill.maxMissing }
            : {}),
        });
        validateWindow(c.startsAt, c.endsAt);
        await flushAudited(e, ctx.meta, 'campaign.update', id, {
          ...fields,
          ...(robotFill ? { robotFill } : {}),
        });
        await load(c);
        return toAdminCampaignView(c, await stockLeft(c), rt.now());
      },

      /** Stops a campaign for good: no new reservations; existing orders go on. */
      stop: async (ctx) => {
        requireAdmin(ctx.meta);
        const e = em();
        const c = await e.findOne(Campaign, { id: ctx.params.id });
        if (!c) throw new AppError('NOT_FOUND', 'No such campaign');
        if (!c.stoppedAt) c.stoppedAt = new Date(rt.now());
        await flushAudited(e, ctx.meta, 'campaign.stop', c.id, {});
        await load(c);
        return toAdminCampaignView(c, await stockLeft(c), rt.now());
      },

      /** Kill switch: pauses (or resumes) new reservations at once on every gateway; in-flight ones still settle. */
      killSwitch: async (ctx) => {
        requireAdmin(ctx.meta);
        const e = em();
        const c = await e.findOne(Campaign, { id: ctx.params.id });
        if (!c) throw new AppError('NOT_FOUND', 'No such campaign');
        c.killSwitch = ctx.params.active;
        await flushAudited(
          e,
          ctx.meta,
          ctx.params.active ? 'campaign.kill_switch.on' : 'campaign.kill_switch.off',
          c.id,
          {},
        );
        await load(c);
        return toAdminCampaignView(c, await stockLeft(c), rt.now());
      },

      /** Waiting room: on or off, and the admission rate (changeable live). */
      waitingRoom: async (ctx) => {
        requireAdmin(ctx.meta);
        const e = em();
        const c = await e.findOne(Campaign, { id: ctx.params.id });
        if (!c) throw new AppError('NOT_FOUND', 'No such campaign');
        c.waitingRoomEnabled = ctx.params.enabled;
        c.admissionRatePerSecond = ctx.params.admissionRatePerSecond;
        await flushAudited(e, ctx.meta, 'campaign.waiting_room', c.id, {
          enabled: c.waitingRoomEnabled,
          admissionRatePerSecond: c.admissionRatePerSecond,
        });
        await load(c);
        return toAdminCampaignView(c, await stockLeft(c), rt.now());
      },

      /** Pre-warm: loads the campaign into the hot path before it starts and reads it back to verify. */
      prewarm: async (ctx) => {
        requireAdmin(ctx.meta);
        const c = await find(ctx.params.id);
        await load(c);
        const counters = await rt.store.getCampaignCounters(c.id);
        const verified = counters !== null && counters.stockTotal === c.stockTotal;
        return audited(
          ctx.meta,
          'campaign.prewarm',
          c.id,
          { verified },
          { loaded: true, verified, counters },
        );
      },

      /** Live figures for the operator: stock, reservations, orders by status, groups, stock buckets. */
      live: async (ctx): Promise<CampaignLive> => {
        requireAdmin(ctx.meta);
        const c = await find(ctx.params.id);
        const e = em();
        const [counters, buckets] = await Promise.all([
          rt.store.getCampaignCounters(c.id),
          rt.store.getBucketCounters(c.id),
        ]);
        const unsettled = counters?.unsettled ?? 0;
        // The streams are read before the orders: an entry settled in between is then in both (and counted once,
        // by its order), never in neither. Each stock bucket has its own stream; an entry counts once by its id.
        const shards = buckets?.filter((b) => b.unsettled > 0).map((b) => b.shardId) ?? [c.id];
        const entries =
          unsettled > 0
            ? (await Promise.all(shards.map((shard) => rt.store.listUnsettled(shard)))).flat()
            : [];
        const reserves = [
          ...new Map(
            entries
              .map((x) => x.entry)
              .filter((en) => en.kind === 'reserve')
              .map((en) => [en.reservationId, en] as const),
          ).values(),
        ];
        // The counts by status and which listed reservations are orders already are one statement, so one
        // snapshot: read apart, an order committed between the two reads was in neither (not counted, yet found
        // settled), and a harness that saw reserved == ordersPending read one unit short of the total.
        type StatusRow = { status: string; orders: string; held: string; settled: string[] | string };
        const byStatus = await e.execute<StatusRow[]>(
          `select status, count(*) as orders,
                  coalesce(sum(quantity) filter (where stock_released_at is null), 0) as held,
                  coalesce(json_agg(reservation_id) filter (where reservation_id = any(?::text[])), '[]'::json)
                    as settled
           from orders where campaign_id = ? group by status`,
          [`{${reserves.map((en) => en.reservationId).join(',')}}`, c.id],
        );
        const count = (s: string) => Number(byStatus.find((r) => r.status === s)?.orders ?? 0);
        const held = (s: string) => Number(byStatus.find((r) => r.status === s)?.held ?? 0);
        const recent = await e.execute<{ n: string }[]>(
          `select count(*) as n from orders where campaign_id = ? and created_at > ?`,
          [c.id, new Date(rt.now() - 10_000)],
        );
        const pendingUnits = held('pending_payment');
        // `unsettled` counts stream entries, releases among them and reservations already written as orders
        // (settlement commits before it acknowledges): only units of reservations with no order yet are held.
        const known = new Set(
          byStatus.flatMap((r): string[] =>
            typeof r.settled === 'string' ? JSON.parse(r.settled) : r.settled,
          ),
        );
        let unsettledUnits = 0;
        for (const en of reserves) if (!known.has(en.reservationId)) unsettledUnits += en.quantity;
        const soldUnits = ['paid', 'shipped', 'completed', 'refunding', 'refunded'].reduce(
          (a, s) => a + held(s),
          0,
        );
        const groups =
          c.type === 'groupbuy'
            ? await e.execute<{ status: string; n: string }[]>(
                'select status, count(*) as n from groups where campaign_id = ? group by status',
                [c.id],
              )
            : [];
        const g = (s: string) => Number(groups.find((r) => r.status === s)?.n ?? 0);
        return {
          stockTotal: c.stockTotal,
          stockLeft: counters?.stockLeft ?? c.stockTotal - pendingUnits - soldUnits,
          reserved: pendingUnits + unsettledUnits,
          sold: soldUnits,
          unsettled,
          ordersPending: count('pending_payment'),
          ordersPaid: count('paid') + count('shipped') + count('completed'),
          ordersCancelled: count('cancelled'),
          ordersRefunded: count('refunded') + count('refunding'),
          reservationsPerSecond: Number(recent[0]?.n ?? 0) / 10,
          ...(c.type === 'groupbuy'
            ? { groupsForming: g('forming'), groupsSucceeded: g('succeeded'), groupsFailed: g('failed') }
            : {}),
          buckets:
            buckets?.map((b) => ({
              bucket: b.bucket,
              stockTotal: b.stockTotal,
              stockLeft: b.stockLeft,
              unsettled: b.unsettled,
            })) ?? null,
          serverTime: new Date(rt.now()).toISOString(),
        };
      },
    },
    async started() {
      // Prime the hot path with every campaign not over yet; reconciliation then checks it against PostgreSQL.
      const rows = await em().find(Campaign, { endsAt: { $gt: new Date(rt.now() - 3600_000) } });
      for (const c of rows) await load(c, true);
    },
  });
}
