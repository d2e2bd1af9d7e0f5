/**
 * coupons: coupon templates (the operator's), shoppers' coupons and their state machine, system issues (new-member
 * gift, compensation after a failed group, an operator's list), the coupon center, "my coupons" and the best
 * coupon for a checkout. Claims of a limited coupon are a flash event: they run on the hot path (a template is a
 * campaign of type `coupon`, see `templates.ts`), called in process by the gateway's claim route, and settle into
 * `coupons` through `settle-claims.ts`. Every write of a template loads it into the hot path, as campaigns do.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServiceSchema } from 'moleculer';
import type { CallerMeta } from '../../broker/action.ts';
import { type BusEndpoint, call, defineService } from '../../broker/bus.ts';
import { sweeperMixin } from '../../broker/sweeper.mixin.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { persistAudit, requireAdmin, requireUser } from '../admin/audit.ts';
import type { SkuForSale } from '../catalog/stock.ts';
import { couponsContract } from './contract.ts';
import { type CouponChange, type CouponSql, writeTransitions } from './coupon-machine.ts';
import { reportCouponChanges } from './order-coupons.ts';
import { bestCoupon, type CouponTerms, type PricedLine } from './pricing.ts';
import type { CouponTemplateStats, CouponView } from './schemas.ts';
import {
  checkNewTemplate,
  type TemplateRow,
  templateRow,
  toAdminTemplateView,
  toClaimDefinition,
  toTemplateView,
  validityOf,
} from './templates.ts';

/** A template whose claim window ended this long ago is no longer listed as active (its stream has drained). */
const ACTIVE_AFTER_END_MS = 3600_000;
/** Scheduled templates shown in the coupon center (for their countdown) once they start within this. */
const UPCOMING_MS = 7 * 86_400_000;
/** Coupons one expiry statement moves. */
const EXPIRY_BATCH = 1000;

interface CouponRow extends CouponTerms {
  id: string;
  template_id: string;
  user_id: string;
  name: string;
  source: string;
  status: CouponView['status'];
  order_id: string | null;
  valid_from: Date;
  valid_until: Date;
}

function couponView(c: CouponRow, nowMs: number): CouponView {
  // An unused coupon past its validity is expired to the shopper before the sweep records it.
  const status = c.status === 'unused' && new Date(c.valid_until).getTime() <= nowMs ? 'expired' : c.status;
  return {
    id: c.id,
    templateId: c.template_id,
    name: c.name,
    kind: c.kind,
    ...(c.amount_off_fen !== null ? { amountOffFen: c.amount_off_fen } : {}),
    ...(c.percent_off !== null ? { percentOff: c.percent_off } : {}),
    ...(c.max_off_fen !== null ? { maxOffFen: c.max_off_fen } : {}),
    minSpendFen: c.min_spend_fen,
    scope: c.scope,
    status,
    source: c.source,
    ...(c.order_id ? { orderId: c.order_id } : {}),
    validFrom: new Date(c.valid_from).toISOString(),
    validUntil: new Date(c.valid_until).toISOString(),
  };
}

const COUPON_COLUMNS = `c.id, c.template_id, c.user_id, c.source, c.status, c.order_id, c.valid_from, c.valid_until,
  t.name, t.kind, t.amount_off_fen, t.percent_off, t.max_off_fen, t.min_spend_fen, t.scope, t.scope_ids,
  t.combines_with_seckill, t.combines_with_groupbuy`;

/**
 * The state machine's statements on a MikroORM transaction: its `$n` placeholders become `?` (each appears once,
 * in order, and takes scalars or JSON text only).
 */
function sqlOf(tx: EntityManager): CouponSql {
  return {
    async query<R extends object>(text: string, values: unknown[] = []) {
      const rows = await tx.execute<R[]>(text.replace(/\$\d+/g, '?'), values);
      return { rows: Array.isArray(rows) ? rows : [] };
    },
  };
}

export default function createCouponsService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();

  async function find(id: string, e: EntityManager = em()): Promise<TemplateRow> {
    const rows = await e.execute<TemplateRow[]>('select * from coupon_templates where id = ?', [id]);
    if (!rows[0]) throw new AppError('NOT_FOUND', 'No such coupon template');
    return templateRow(rows[0]);
  }

  /** Coupons left to claim: the hot path's counter while loaded, else total minus the claims settled. */
  async function leftOf(t: TemplateRow, claimed?: number): Promise<number> {
    if (!t.claimable) return Math.max(0, t.total - (claimed ?? 0));
    const counters = await rt.store.getCampaignCounters(t.id);
    if (counters) return counters.stockLeft;
    if (claimed !== undefined) return Math.max(0, t.total - claimed);
    const rows = await em().execute<{ n: string }[]>(
      `select count(*) as n from coupons where template_id = ? and source = 'claim'`,
      [t.id],
    );
    return Math.max(0, t.total - Number(rows[0]?.n ?? 0));
  }

  async function statsOf(t: TemplateRow): Promise<CouponTemplateStats> {
    const rows = await em().execute<{ source: string; status: string; n: string }[]>(
      'select source, status, count(*) as n from coupons where template_id = ? group by source, status',
      [t.id],
    );
    const by = (f: (r: { source: string; status: string }) => boolean) =>
      rows.filter(f).reduce((n, r) => n + Number(r.n), 0);
    const claimed = by((r) => r.source === 'claim');
    const issued = by((r) => r.source !== 'claim');
    const used = by((r) => r.status === 'used');
    const counters = t.claimable ? await rt.store.getCampaignCounters(t.id) : null;
    const out = claimed + issued;
    return {
      total: t.total,
      left: counters ? counters.stockLeft : Math.max(0, t.total - claimed),
      claimedUnsettled: counters ? Math.max(0, t.total - counters.stockLeft - claimed) : 0,
      claimed,
      issued,
      unused: by((r) => r.status === 'unused'),
      locked: by((r) => r.status === 'locked'),
      used,
      expired: by((r) => r.status === 'expired'),
      redemptionRate: out === 0 ? 0 : Math.round((used / out) * 10_000) / 10_000,
    };
  }

  /**
   * Loads a claimable template into the hot path (primed once, refreshed after). One whose hot state is gone
   * after claims were settled is left to reconciliation, which rebuilds it from the coupons: priming would hand
   * out its whole quantity again.
   */
  async function load(t: TemplateRow): Promise<void> {
    if (!t.claimable) return;
    if (!(await rt.store.getCampaignCounters(t.id))) {
      const claimed = await em().execute<{ one: number }[]>(
        `select 1 as one from coupons where template_id = ? and source = 'claim' limit 1`,
        [t.id],
      );
      if (claimed[0]) {
        rt.log[rt.store.kind === 'memory' ? 'info' : 'warn'](
          { templateId: t.id },
          'hot state of a coupon template with claims is left to reconciliation',
        );
        return;
      }
    }
    await rt.store.loadCampaign(toClaimDefinition(t));
  }

  /** A template change and its audit entry in one transaction; then the hot path is refreshed. */
  async function auditedChange(
    meta: CallerMeta,
    action: string,
    id: string,
    detail: Record<string, unknown>,
    change: (tx: EntityManager) => Promise<void>,
  ): Promise<TemplateRow> {
    await em().transactional(async (tx) => {
      await change(tx);
      persistAudit(tx, meta, { action, objectType: 'coupon_template', objectId: id, detail });
      await tx.flush();
    });
    const t = await find(id);
    await load(t);
    return t;
  }

  /**
   * Issues one coupon of a template to each user, idempotent per (template, user, issueKey), with its transitions
   * and the audit entry in one transaction. Unknown users are skipped. Issued coupons do not take from the
   * template's claim quantity (that bounds shoppers' claims); the live view counts them apart.
   */
  async function issue(
    meta: CallerMeta | 'system',
    t: TemplateRow,
    userIds: readonly string[],
    source: 'new_member' | 'group_failed' | 'operator' | 'member_monthly' | 'level_up',
    issueKey: string,
    detail: Record<string, unknown>,
  ): Promise<{ issued: number; skipped: number; changes: CouponChange[] }> {
    const nowMs = rt.now();
    const { validFrom, validUntil } = validityOf(t, nowMs);
    const changes = await em().transactional(async (tx) => {
      const ids = userIds.map(() => newId('cpn'));
      const rows = await tx.execute<{ id: string; user_id: string }[]>(
        `insert into coupons (id, template_id, user_id, source, issue_key, status, valid_from, valid_until, claimed_at)
         select x.id, ?, u.id, ?, ?, 'unused', ?, ?, ?
         from json_to_recordset(?::json) as x(id text, user_id text) join users u on u.id = x.user_id
         on conflict (template_id, user_id, issue_key) where issue_key is not null do nothing
         returning id, user_id`,
        [
          t.id,
          source,
          issueKey,
          validFrom,
          validUntil,
          new Date(nowMs),
          JSON.stringify(userIds.map((u, i) => ({ id: ids[i], user_id: u }))),
        ],
      );
      const made = rows.map(
        (r): CouponChange => ({
          couponId: r.id,
          from: null,
          to: 'unused',
          reason: `issued_${source}`,
          actor: meta === 'system' ? 'system' : (meta.admin?.id ?? 'system'),
        }),
      );
      await writeTransitions(sqlOf(tx), made);
      persistAudit(tx, meta, {
        action: 'coupon.issue',
        objectType: 'coupon_template',
        objectId: t.id,
        detail: { ...detail, source, issueKey, issued: rows.length, skipped: userIds.length - rows.length },
      });
      await tx.flush();
      return made;
    });
    reportCouponChanges(rt.log, changes);
    return { issued: changes.length, skipped: userIds.length - changes.length, changes };
  }

  /** Issues every live gift template of a kind (new member, failed group) to these users. */
  async function issueGifts(
    on: 'new_member' | 'group_failed',
    userIds: string[],
    issueKey: string,
    detail: Record<string, unknown>,
  ): Promise<number> {
    if (userIds.length === 0) return 0;
    const templates = (
      await em().execute<TemplateRow[]>(
        'select * from coupon_templates where issue_on = ? and stopped_at is null and claim_starts_at <= ? and claim_ends_at > ?',
        [on, new Date(rt.now()), new Date(rt.now())],
      )
    ).map(templateRow);
    let issued = 0;
    for (const t of templates) issued += (await issue('system', t, userIds, on, issueKey, detail)).issued;
    return issued;
  }

  async function lineInfo(
    via: BusEndpoint,
    items: { skuId: string; quantity: number }[],
  ): Promise<PricedLine[]> {
    const skus: SkuForSale[] = (
      await call(via, 'catalog.skusForSale', { ids: [...new Set(items.map((i) => i.skuId))] })
    ).items;
    return items.map((i) => {
      const s = skus.find((x) => x.id === i.skuId && x.onSale);
      if (!s) throw new AppError('NOT_FOUND', 'No such product on sale');
      return {
        productId: s.productId,
        categoryIds: s.categoryIds,
        quantity: i.quantity,
        unitPriceFen: s.priceFen,
      };
    });
  }

  return defineService(couponsContract, {
    mixins: [
      sweeperMixin({ action: 'coupons.expireDue', intervalMs: rt.config.sweepIntervalMs * 5, log: rt.log }),
    ],
    actions: {
      /** The coupon center: claimable templates live now or starting within a week (for their countdown). */
      list: async () => {
        const now = rt.now();
        const rows = (
          await em().execute<TemplateRow[]>(
            `select * from coupon_templates
             where claimable and stopped_at is null and claim_ends_at > ? and claim_starts_at <= ?
             order by claim_starts_at, id limit 100`,
            [new Date(now), new Date(now + UPCOMING_MS)],
          )
        ).map(templateRow);
        return { items: await Promise.all(rows.map(async (t) => toTemplateView(t, await leftOf(t), now))) };
      },

      /** One template as shoppers see it (the claim route's cache reads it). */
      get: async (ctx) => {
        const t = await find(ctx.params.id);
        return toTemplateView(t, await leftOf(t), rt.now());
      },

      /** My coupons, by status (an unused one past its validity is expired). */
      mine: async (ctx) => {
        const user = requireUser(ctx.meta);
        const now = new Date(rt.now());
        const status = ctx.params.status;
        const filter =
          status === 'expired'
            ? `and (c.status = 'expired' or (c.status = 'unused' and c.valid_until <= ?))`
            : status === 'unused'
              ? `and c.status = 'unused' and c.valid_until > ?`
              : status
                ? 'and c.status = ?'
                : '';
        const params = status === 'expired' || status === 'unused' ? [now] : status ? [status] : [];
        const rows = await em().execute<CouponRow[]>(
          `select ${COUPON_COLUMNS} from coupons c join coupon_templates t on t.id = c.template_id
           where c.user_id = ? ${filter} order by c.valid_until, c.id limit 200`,
          [user.id, ...params],
        );
        return { items: rows.map((c) => couponView(c, now.getTime())) };
      },

      /** The coupons of mine that apply to these items, best first, with what each takes off. */
      applicable: async (ctx) => {
        const user = requireUser(ctx.meta);
        const lines = await lineInfo(ctx, ctx.params.items);
        const now = new Date(rt.now());
        const rows = await em().execute<CouponRow[]>(
          `select ${COUPON_COLUMNS} from coupons c join coupon_templates t on t.id = c.template_id
           where c.user_id = ? and c.status = 'unused' and c.valid_from <= ? and c.valid_until > ? limit 200`,
          [user.id, now, now],
        );
        const ranked = bestCoupon(
          rows.map((r) => ({ id: r.id, terms: r, validUntil: new Date(r.valid_until), row: r })),
          lines,
          'regular',
        );
        return {
          items: ranked.map((r) => ({
            coupon: couponView(r.coupon.row, now.getTime()),
            discountFen: r.discountFen,
          })),
          ...(ranked[0] ? { bestCouponId: ranked[0].coupon.id } : {}),
        };
      },

      /**
       * My coupons that apply to my unpaid campaign order at its campaign price (the template's seckill and
       * group-buy flags, scope and threshold), best first, with the one it holds now among them: the choice on
       * the order's page. Another shopper's order is NOT_FOUND, a shop order COUPON_CHOSEN_AT_CHECKOUT; an order
       * no longer unpaid, or whose payment started, has none to choose.
       */
      applicableToOrder: async (ctx) => {
        const user = requireUser(ctx.meta);
        const order = await call(ctx, 'orders.get', { id: ctx.params.id });
        if (order.kind === 'regular') throw new AppError('COUPON_CHOSEN_AT_CHECKOUT');
        // Not unpaid any more, or paying started (its price is fixed): nothing to choose.
        if (order.status !== 'pending_payment' || order.paymentStartedAt) return { items: [] };
        const skus: SkuForSale[] = (
          await call(ctx, 'catalog.skusForSale', { ids: order.items.map((i) => i.skuId) })
        ).items;
        const lines: PricedLine[] = order.items.flatMap((i) => {
          const s = skus.find((x) => x.id === i.skuId);
          return s
            ? [
                {
                  productId: s.productId,
                  categoryIds: s.categoryIds,
                  quantity: i.quantity,
                  unitPriceFen: i.unitPriceFen,
                },
              ]
            : [];
        });
        const now = new Date(rt.now());
        const rows = await em().execute<CouponRow[]>(
          `select ${COUPON_COLUMNS} from coupons c join coupon_templates t on t.id = c.template_id
           where c.user_id = ? and ((c.status = 'unused' and c.valid_from <= ? and c.valid_until > ?)
             or (c.status = 'locked' and c.order_id = ?))
           limit 200`,
          [user.id, now, now, order.id],
        );
        const ranked = bestCoupon(
          rows.map((r) => ({ id: r.id, terms: r, validUntil: new Date(r.valid_until), row: r })),
          lines,
          order.kind,
        );
        return {
          items: ranked.map((r) => ({
            coupon: couponView(r.coupon.row, now.getTime()),
            discountFen: r.discountFen,
          })),
          ...(ranked[0] ? { bestCouponId: ranked[0].coupon.id } : {}),
        };
      },

      /** Internal: the hot-path definition of a claimable template (reconciliation, the guard). */
      definition: async (ctx) => toClaimDefinition(await find(ctx.params.id)),

      /** Internal: claimable templates whose claims may still be on the hot path (settled, reconciled). */
      activeIds: async () => {
        const rows = await em().execute<{ id: string }[]>(
          'select id from coupon_templates where claimable and claim_ends_at > ?',
          [new Date(rt.now() - ACTIVE_AFTER_END_MS)],
        );
        return rows.map((r) => r.id);
      },

      /** Admin: every template with its live figures, newest first. */
      adminList: async (ctx) => {
        requireAdmin(ctx.meta);
        const rows = (
          await em().execute<TemplateRow[]>(
            'select * from coupon_templates order by created_at desc, id desc limit 200',
          )
        ).map(templateRow);
        const now = rt.now();
        return {
          items: await Promise.all(rows.map(async (t) => toAdminTemplateView(t, await statsOf(t), now))),
        };
      },

      /** Admin: one template with its live figures. */
      adminGet: async (ctx) => {
        requireAdmin(ctx.meta);
        const t = await find(ctx.params.id);
        return toAdminTemplateView(t, await statsOf(t), rt.now());
      },

      /** Admin: live figures: left, claimed (settled and not), issued, used, redemption rate. */
      live: async (ctx) => {
        requireAdmin(ctx.meta);
        return statsOf(await find(ctx.params.id));
      },

      /** Admin: a new template, audited; a claimable one is loaded into the hot path. */
      create: async (ctx) => {
        requireAdmin(ctx.meta);
        const b = ctx.params;
        checkNewTemplate(b);
        const id = newId('cpt');
        const t = await auditedChange(ctx.meta, 'coupon_template.create', id, { ...b }, async (tx) => {
          await tx.execute(
            `insert into coupon_templates (id, name, description, kind, amount_off_fen, percent_off, max_off_fen,
               min_spend_fen, scope, scope_ids, total, per_user_limit, claim_starts_at, claim_ends_at, valid_days,
               valid_from, valid_until, combines_with_seckill, combines_with_groupbuy, returned_on_refund, claimable,
               issue_on)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, (select coalesce(array_agg(v), '{}') from json_array_elements_text(?::json) v),
               ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              id,
              b.name,
              b.description ?? '',
              b.kind,
              b.amountOffFen ?? null,
              b.percentOff ?? null,
              b.maxOffFen ?? null,
              b.minSpendFen ?? 0,
              b.scope ?? 'all',
              JSON.stringify(b.scopeIds ?? []),
              b.total,
              b.perUserLimit,
              new Date(b.claimStartsAt),
              new Date(b.claimEndsAt),
              b.validDays ?? null,
              b.validFrom ? new Date(b.validFrom) : null,
              b.validUntil ? new Date(b.validUntil) : null,
              b.combinesWithSeckill ?? false,
              b.combinesWithGroupbuy ?? true,
              b.returnedOnRefund ?? false,
              b.claimable ?? b.issueOn === undefined,
              b.issueOn ?? null,
            ],
          );
        });
        return toAdminTemplateView(t, await statsOf(t), rt.now());
      },

      /** Admin: names, quantity, limit or the end of the claim window; audited. */
      patch: async (ctx) => {
        requireAdmin(ctx.meta);
        const { id, ...p } = ctx.params;
        const before = await find(id);
        if (before.stopped_at) throw new AppError('INVALID_TRANSITION', 'A stopped template cannot change');
        if (p.claimEndsAt !== undefined && Date.parse(p.claimEndsAt) <= before.claim_starts_at.getTime())
          throw new AppError('VALIDATION_FAILED', 'claimEndsAt must be after claimStartsAt', {
            field: 'claimEndsAt',
          });
        if (
          p.claimEndsAt !== undefined &&
          before.valid_until &&
          Date.parse(p.claimEndsAt) >= before.valid_until.getTime()
        )
          throw new AppError('VALIDATION_FAILED', 'claimEndsAt must be before the coupons’ validUntil', {
            field: 'claimEndsAt',
          });
        const t = await auditedChange(ctx.meta, 'coupon_template.update', id, { ...p }, async (tx) => {
          await tx.execute(
            `update coupon_templates set name = coalesce(?, name), description = coalesce(?, description),
               total = coalesce(?, total), per_user_limit = coalesce(?, per_user_limit),
               claim_ends_at = coalesce(?, claim_ends_at), updated_at = now()
             where id = ?`,
            [
              p.name ?? null,
              p.description ?? null,
              p.total ?? null,
              p.perUserLimit ?? null,
              p.claimEndsAt ? new Date(p.claimEndsAt) : null,
              id,
            ],
          );
        });
        return toAdminTemplateView(t, await statsOf(t), rt.now());
      },

      /** Admin: stops claims and gifts of a template (coupons already held stay usable); audited. */
      stop: async (ctx) => {
        requireAdmin(ctx.meta);
        const before = await find(ctx.params.id);
        if (before.stopped_at) throw new AppError('INVALID_TRANSITION', 'The template is already stopped');
        const t = await auditedChange(ctx.meta, 'coupon_template.stop', before.id, {}, async (tx) => {
          await tx.execute(
            'update coupon_templates set stopped_at = ?, updated_at = now() where id = ? and stopped_at is null',
            [new Date(rt.now()), before.id],
          );
        });
        return toAdminTemplateView(t, await statsOf(t), rt.now());
      },

      /** Admin: issues a coupon of the template to each listed shopper (compensation, a campaign), audited. */
      issue: async (ctx) => {
        requireAdmin(ctx.meta);
        const t = await find(ctx.params.id);
        if (t.stopped_at) throw new AppError('INVALID_TRANSITION', 'A stopped template issues nothing');
        const { issued, skipped } = await issue(
          ctx.meta,
          t,
          ctx.params.userIds,
          'operator',
          ctx.params.issueKey,
          {
            reason: ctx.params.reason,
          },
        );
        return { issued, skipped };
      },

      /** Internal (the gift events): issues the live gift templates of a kind to some users. */
      issueGifts: async (ctx) => ({
        issued: await issueGifts(ctx.params.on, ctx.params.userIds, ctx.params.issueKey, {
          ...(ctx.params.groupId ? { groupId: ctx.params.groupId } : {}),
        }),
      }),

      /**
       * Internal (the membership sweep): a level's monthly coupon to some of its members, once per member and month
       * (the issue key), audited as the system's. A stopped template issues nothing.
       */
      issueMemberMonthly: async (ctx) => {
        const t = await find(ctx.params.templateId);
        if (t.stopped_at) return { issued: 0, skipped: ctx.params.userIds.length };
        const { issued, skipped } = await issue(
          'system',
          t,
          ctx.params.userIds,
          'member_monthly',
          ctx.params.issueKey,
          { levelCode: ctx.params.levelCode },
        );
        return { issued, skipped };
      },

      /**
       * Internal (the membership's level-up gifts): a level's gift to shoppers who reached it, once per shopper and
       * level (the issue key), audited as the system's. A stopped template issues nothing and says so.
       */
      issueLevelGift: async (ctx) => {
        const t = await find(ctx.params.templateId);
        if (t.stopped_at) return { issued: 0, skipped: ctx.params.userIds.length, stopped: true };
        const { issued, skipped } = await issue(
          'system',
          t,
          ctx.params.userIds,
          'level_up',
          ctx.params.issueKey,
          { levelCode: ctx.params.levelCode },
        );
        return { issued, skipped, stopped: false };
      },

      /** The expiry sweep: unused coupons past their validity become expired (a transition each). */
      expireDue: async () => {
        const now = new Date(rt.now());
        const changes = await em().transactional(async (tx) => {
          const rows = await tx.execute<{ id: string }[]>(
            `update coupons set status = 'expired', updated_at = now()
             where id in (select id from coupons where status = 'unused' and valid_until <= ?
                          order by valid_until limit ? for update skip locked)
             returning id`,
            [now, EXPIRY_BATCH],
          );
          const made = rows.map(
            (r): CouponChange => ({
              couponId: r.id,
              from: 'unused',
              to: 'expired',
              reason: 'expired',
              actor: 'system',
            }),
          );
          await writeTransitions(sqlOf(tx), made);
          return made;
        });
        reportCouponChanges(rt.log, changes);
        return { expired: changes.length };
      },
    },
    async started() {
      // Prime the hot path with every claimable template not over yet; reconciliation then checks it.
      const rows = await em().execute<TemplateRow[]>(
        'select * from coupon_templates where claimable and claim_ends_at > ?',
        [new Date(rt.now() - ACTIVE_AFTER_END_MS)],
      );
      for (const t of rows) await load(templateRow(t));
    },
    events: {
      /** New-member gift: every live `new_member` template, once per shopper. */
      'user.registered': async (ctx) => {
        await issueGifts('new_member', [ctx.params.userId], 'new_member', {}).catch((err) =>
          rt.log.error({ err, userId: ctx.params.userId }, 'new-member coupons not issued'),
        );
      },
      /**
       * Compensation after a failed group: every live `group_failed` template to the members who held a slot when
       * it failed, once per group. At most once, as every event: a lost one leaves those members without it.
       */
      'group.failed': async (ctx) => {
        const { groupId } = ctx.params;
        try {
          const { userIds } = await call(ctx, 'groups.failedMembers', { id: groupId });
          await issueGifts('group_failed', userIds, `group:${groupId}`, { groupId });
        } catch (err) {
          rt.log.error({ err, groupId }, 'failed-group coupons not issued');
        }
      },
    },
  });
}
