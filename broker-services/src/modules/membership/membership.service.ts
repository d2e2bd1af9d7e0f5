/**
 * membership: levels with thresholds and benefits (the operator's), each shopper's growth and level, the member
 * card with progress to the next level, and the scheduled review that moves shoppers up or down (a sweeper).
 * Growth is written by the orders module's transactions through ./order-effects.ts.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { memberLevelGiftTransitionsTotal } from '@tuanmiao/observability';
import type { ServiceSchema } from 'moleculer';
import { type BusEndpoint, call, defineService } from '../../broker/bus.ts';
import { sweeperMixin } from '../../broker/sweeper.mixin.ts';
import { AppError } from '../../errors.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { persistAudit, requireAdmin, requireUser } from '../admin/audit.ts';
import { membershipContract } from './contract.ts';
import {
  evaluateMember,
  type LevelChange,
  levelFor,
  readLevels,
  readWindowDays,
  reportLevelChanges,
  windowGrowth,
} from './levels.ts';
import type { MembershipCard, MeView } from './schemas.ts';

/** Shoppers one review looks at; the rest follow on the next sweeps. */
const REVIEW_BATCH = 500;
/** Members one monthly-coupon issue covers (the coupons module takes up to 500 a call). */
const MONTHLY_BATCH = 500;
/** A shopper's level is reviewed once a day. */
const REVIEW_EVERY_MS = 86400_000;
/** Queued level-up gifts one pass hands to the coupons module (it takes up to 500 shoppers a call). */
const GIFT_BATCH = 500;

interface GiftRow {
  user_id: string;
  level_code: string;
  template_id: string;
}

export default function createMembershipService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();

  async function cardOf(userId: string): Promise<MembershipCard> {
    const db = em();
    const now = new Date(rt.now());
    const levels = await readLevels(db);
    const growth = await windowGrowth(db, userId, now, await readWindowDays(db));
    const rows = await db.execute<{ level_code: string; evaluated_at: Date }[]>(
      'select level_code, evaluated_at from members where user_id = ?',
      [userId],
    );
    const level = levels.find((l) => l.code === rows[0]?.level_code) ?? levelFor(levels, growth);
    const next = levels.find((l) => l.threshold > level.threshold);
    const progressPercent = next
      ? Math.max(
          0,
          Math.min(100, Math.floor(((growth - level.threshold) * 100) / (next.threshold - level.threshold))),
        )
      : 100;
    return {
      level: { code: level.code, name: level.name, discountPercent: level.discountPercent },
      growth,
      benefits: level.benefits,
      ...(next
        ? {
            nextLevel: { code: next.code, name: next.name, threshold: next.threshold },
            growthToNext: Math.max(0, next.threshold - growth),
          }
        : {}),
      progressPercent,
      ...(rows[0] ? { reviewedAt: new Date(rows[0].evaluated_at).toISOString() } : {}),
      levels,
    };
  }

  /**
   * Hands every pending level-up gift to the coupons module, a template and level at a time, then marks the rows
   * issued (or skipped: the template was stopped), guarded on pending. Exactly one coupon per shopper and level
   * even if two passes overlap (two processes, a retry after a crash between the issue and the mark): the coupons
   * module issues once per (template, shopper, issue key `level-up:<level>`).
   */
  async function issueLevelGifts(
    bus: BusEndpoint,
  ): Promise<{ issued: number; skipped: number; pending: number }> {
    let issued = 0;
    let skipped = 0;
    let pending = 0;
    for (;;) {
      const due = await em().execute<GiftRow[]>(
        `select user_id, level_code, template_id from member_level_gifts where status = 'pending'
         order by reached_at, user_id, level_code limit ?`,
        [GIFT_BATCH],
      );
      pending += due.length;
      const batches = new Map<string, GiftRow[]>();
      for (const g of due) {
        const key = `${g.template_id} ${g.level_code}`;
        batches.set(key, [...(batches.get(key) ?? []), g]);
      }
      for (const rows of batches.values()) {
        const { template_id: templateId, level_code: levelCode } = rows[0]!;
        const userIds = rows.map((r) => r.user_id);
        const res = await call(bus, 'coupons.issueLevelGift', {
          templateId,
          userIds,
          issueKey: `level-up:${levelCode}`,
          levelCode,
        });
        const to = res.stopped ? 'skipped' : 'issued';
        const marked = await em().execute<{ user_id: string }[]>(
          `update member_level_gifts set status = ?, issued_at = ?
           where level_code = ? and status = 'pending' and user_id = any(?::text[]) returning user_id`,
          [to, new Date(rt.now()), levelCode, `{${userIds.join(',')}}`],
        );
        issued += res.issued;
        if (res.stopped) skipped += marked.length;
        for (const m of marked) {
          memberLevelGiftTransitionsTotal.inc({ from: 'pending', to });
          rt.log.info(
            { userId: m.user_id, level: levelCode, templateId, from: 'pending', to },
            'member level gift',
          );
        }
      }
      if (due.length < GIFT_BATCH) break;
    }
    return { issued, skipped, pending };
  }

  return defineService(membershipContract, {
    mixins: [
      sweeperMixin({ action: 'membership.review', intervalMs: rt.config.sweepIntervalMs * 60, log: rt.log }),
      sweeperMixin({
        action: 'membership.monthlyCoupons',
        intervalMs: rt.config.sweepIntervalMs * 300,
        log: rt.log,
      }),
      sweeperMixin({
        action: 'membership.levelGifts',
        intervalMs: rt.config.sweepIntervalMs * 5,
        log: rt.log,
      }),
    ],
    actions: {
      /** The caller's member card: level, benefits, growth and progress to the next level. */
      card: async (ctx) => cardOf(requireUser(ctx.meta).id),

      /** The caller as the mini-program shows them (GET /api/me): who, level, growth, points. */
      me: async (ctx): Promise<MeView> => {
        const user = requireUser(ctx.meta);
        const [who, card, points] = await Promise.all([
          call(ctx, 'users.get', { id: user.id }),
          cardOf(user.id),
          call(ctx, 'points.balance', { userId: user.id }),
        ]);
        return {
          id: who.id,
          ...(who.nickname ? { nickname: who.nickname } : {}),
          level: card.level,
          growth: card.growth,
          points: points.balance,
        };
      },

      /** Admin: the levels and the growth window. */
      getLevels: async (ctx) => {
        requireAdmin(ctx.meta);
        const db = em();
        return { windowDays: await readWindowDays(db), levels: await readLevels(db) };
      },

      /** Internal (campaigns, checking a campaign's level benefits): the codes of the levels that exist now. */
      levelCodes: async () => (await readLevels(em())).map((l) => l.code),

      /**
       * Internal (the gateway, which caches it for a short while per shopper): the shopper's level code. A shopper
       * with no member row, or whose level the operator removed, is at the lowest level until reviewed.
       */
      levelOf: async (ctx) => {
        const rows = await em().execute<{ code: string }[]>(
          `select coalesce(
             (select l.code from members m join member_levels l on l.code = m.level_code where m.user_id = ?),
             (select code from member_levels order by threshold limit 1)) as code`,
          [ctx.params.userId],
        );
        const code = rows[0]?.code;
        if (!code) throw new AppError('INTERNAL', 'No membership levels are defined');
        return { code };
      },

      /**
       * Admin: replaces the levels and the growth window; every shopper is reviewed again on the next sweeps. The
       * change and its audit entry commit together.
       */
      setLevels: async (ctx) => {
        requireAdmin(ctx.meta);
        const levels = [...ctx.params.levels].sort((a, b) => a.threshold - b.threshold);
        if (levels[0]!.threshold !== 0) {
          throw new AppError('VALIDATION_FAILED', 'The lowest level must have threshold 0');
        }
        if (new Set(levels.map((l) => l.code)).size !== levels.length) {
          throw new AppError('VALIDATION_FAILED', 'Level codes must differ');
        }
        if (new Set(levels.map((l) => l.threshold)).size !== levels.length) {
          throw new AppError('VALIDATION_FAILED', 'Level thresholds must differ');
        }
        // A monthly coupon or a level-up gift names a template of the coupons module (NOT_FOUND otherwise).
        for (const id of new Set(
          levels.flatMap((l) =>
            [l.monthlyCouponTemplateId, l.levelUpCouponTemplateId].filter((x): x is string => !!x),
          ),
        )) {
          await call(ctx, 'coupons.adminGet', { id });
        }
        return em().transactional(async (tx) => {
          const before = { windowDays: await readWindowDays(tx), levels: await readLevels(tx) };
          await tx.execute('delete from member_levels');
          for (const l of levels) {
            await tx.execute(
              `insert into member_levels
                 (code, name, threshold, discount_percent, benefits, monthly_coupon_template_id,
                  level_up_coupon_template_id)
               values (?, ?, ?, ?, ?, ?, ?)`,
              [
                l.code,
                l.name,
                l.threshold,
                l.discountPercent,
                `{${l.benefits.map((b) => JSON.stringify(b)).join(',')}}`,
                l.monthlyCouponTemplateId ?? null,
                l.levelUpCouponTemplateId ?? null,
              ],
            );
          }
          await tx.execute('update member_settings set window_days = ?, updated_at = now() where id = 1', [
            ctx.params.windowDays,
          ]);
          // Every shopper's level is decided again under the new levels by the next reviews.
          await tx.execute(`update members set evaluated_at = 'epoch'`);
          const after = { windowDays: await readWindowDays(tx), levels: await readLevels(tx) };
          persistAudit(tx, ctx.meta, {
            action: 'member_levels.update',
            objectType: 'member_levels',
            objectId: 'member_levels',
            detail: { before, after },
          });
          await tx.flush();
          return after;
        });
      },

      /**
       * Sweeper: each level's monthly coupon (每月领券) to its members who have not had this month's, through the
       * coupons module (once per member and month there too). Months are China's (UTC+8).
       */
      monthlyCoupons: async (ctx) => {
        const month = new Date(rt.now() + 8 * 3600_000).toISOString().slice(0, 7);
        const levels = await readLevels(em());
        let issued = 0;
        for (const level of levels) {
          if (!level.monthlyCouponTemplateId) continue;
          for (;;) {
            const due = await em().execute<{ user_id: string }[]>(
              `select m.user_id from members m
               where m.level_code = ? and not exists (
                 select 1 from member_monthly_coupons c where c.user_id = m.user_id and c.month = ?)
               order by m.user_id limit ?`,
              [level.code, month, MONTHLY_BATCH],
            );
            if (due.length === 0) break;
            const userIds = due.map((d) => d.user_id);
            const res = await call(ctx, 'coupons.issueMemberMonthly', {
              templateId: level.monthlyCouponTemplateId,
              userIds,
              issueKey: `member-monthly:${month}`,
              levelCode: level.code,
            });
            issued += res.issued;
            // Recorded after the coupons are: a crash in between issues nothing twice (the coupons' issue key).
            await em().execute(
              `insert into member_monthly_coupons (user_id, month, level_code, template_id, issued_at)
               select user_id, ?, ?, ?, ? from unnest(?::text[]) as t(user_id)
               on conflict (user_id, month) do nothing`,
              [
                month,
                level.code,
                level.monthlyCouponTemplateId,
                new Date(rt.now()),
                `{${userIds.join(',')}}`,
              ],
            );
            rt.log.info(
              { month, level: level.code, members: userIds.length, issued: res.issued },
              'member monthly coupons',
            );
            if (due.length < MONTHLY_BATCH) break;
          }
        }
        return { month, issued };
      },

      /**
       * Sweeper: the level-up gifts (升级礼) queued by level changes go to the coupons module, once per shopper and
       * level. Returns the coupons issued, the gifts skipped (stopped template) and the pending gifts looked at.
       */
      levelGifts: async (ctx) => issueLevelGifts(ctx),

      /**
       * Sweeper: the scheduled review. Each shopper not reviewed for a day gets the level their growth in the window
       * reaches now, up or down, one transaction each. Returns how many were reviewed and moved.
       */
      review: async (ctx) => {
        const now = new Date(rt.now());
        const due = await em().execute<{ user_id: string }[]>(
          'select user_id from members where evaluated_at <= ? order by evaluated_at, user_id limit ?',
          [new Date(now.getTime() - REVIEW_EVERY_MS), REVIEW_BATCH],
        );
        const changes: LevelChange[] = [];
        for (const { user_id } of due) {
          const change = await em().transactional((tx) =>
            evaluateMember(tx, user_id, now, { upOnly: false, reason: 'schedule' }),
          );
          if (change) changes.push(change);
        }
        reportLevelChanges(rt.log, changes);
        // Gifts the review queued go out now rather than at the next gift sweep.
        if (changes.some((c) => c.gifts.length > 0)) {
          await issueLevelGifts(ctx).catch((err) =>
            rt.log.error({ err }, 'level-up gifts not issued; the gift sweep retries'),
          );
        }
        return { reviewed: due.length, changed: changes.length };
      },
    },
  });
}
