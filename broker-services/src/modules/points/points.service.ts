/**
 * points: each shopper's points (积分) as an append-only ledger with its balance (./ledger.ts), the operator's rules,
 * expiry on the operator's schedule and the ledger's reconciliation (two sweepers), and the points mall (./mall.ts).
 * What orders do to points happens in the orders module's own transactions through ./order-effects.ts.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServiceSchema } from 'moleculer';
import { call, defineService } from '../../broker/bus.ts';
import { sweeperMixin } from '../../broker/sweeper.mixin.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { persistAudit, requireAdmin, requireUser } from '../admin/audit.ts';
import { pointsContract } from './contract.ts';
import { expireDuePoints } from './expiry.ts';
import { applyPointsChange, noPointsEffects, reportPointsEffects } from './ledger.ts';
import {
  type MallItemRow,
  mallItemView,
  type RedemptionRow,
  redeemMallItem,
  redemptionView,
} from './mall.ts';
import { findLedgerDrift, reconcilePoints } from './reconcile.ts';
import { readPointsRules, writePointsRules } from './rules.ts';
import type { LedgerEntryView, PointsView } from './schemas.ts';

const PAGE = 20;

interface LedgerRow {
  id: string;
  user_id: string;
  delta: number;
  reason: LedgerEntryView['reason'];
  source_ref: string;
  order_id: string | null;
  expires_at: Date | null;
  balance_after: number;
  note: string | null;
  shortfall: number;
  created_at: Date;
}

const iso = (d: Date) => new Date(d).toISOString();

function entryView(r: LedgerRow): LedgerEntryView {
  return {
    id: String(r.id),
    userId: r.user_id,
    delta: r.delta,
    reason: r.reason,
    sourceRef: r.source_ref,
    ...(r.order_id ? { orderId: r.order_id } : {}),
    balanceAfter: r.balance_after,
    ...(r.expires_at ? { expiresAt: iso(r.expires_at) } : {}),
    ...(r.note ? { note: r.note } : {}),
    ...(r.shortfall > 0 ? { shortfall: r.shortfall } : {}),
    at: iso(r.created_at),
  };
}

export default function createPointsService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();

  async function balanceOf(userId: string): Promise<number> {
    const rows = await em().execute<{ balance: number }[]>(
      'select balance from points_balances where user_id = ?',
      [userId],
    );
    return rows[0]?.balance ?? 0;
  }

  /** A page of the ledger, newest first, keyed by the ledger id (a bigserial). */
  async function ledgerPage(where: string[], values: unknown[], cursor: string | undefined, limit: number) {
    if (cursor) {
      if (!/^[0-9]{1,18}$/.test(cursor)) throw new AppError('VALIDATION_FAILED', 'Unknown cursor');
      where.push('id < ?');
      values.push(cursor);
    }
    const rows = await em().execute<LedgerRow[]>(
      `select * from points_ledger ${where.length ? `where ${where.join(' and ')}` : ''} order by id desc limit ?`,
      [...values, limit + 1],
    );
    const more = rows.length > limit;
    const items = rows.slice(0, limit);
    return { items, nextCursor: more ? String(items[items.length - 1]!.id) : undefined };
  }

  return defineService(pointsContract, {
    mixins: [
      sweeperMixin({ action: 'points.expireDue', intervalMs: rt.config.sweepIntervalMs * 10, log: rt.log }),
      // Reconciliation sums the whole ledger per shopper (one grouped scan), so it runs every few minutes, not
      // every sweep; a drift it finds alerts at once.
      sweeperMixin({ action: 'points.reconcile', intervalMs: rt.config.sweepIntervalMs * 300, log: rt.log }),
    ],
    actions: {
      /** The caller's balance and ledger, newest first. */
      mine: async (ctx): Promise<PointsView> => {
        const user = requireUser(ctx.meta);
        const page = await ledgerPage(
          ['user_id = ?'],
          [user.id],
          ctx.params.cursor,
          ctx.params.limit ?? PAGE,
        );
        return {
          balance: await balanceOf(user.id),
          items: page.items.map((r) => ({
            delta: r.delta,
            reason: r.reason,
            ...(r.order_id ? { orderId: r.order_id } : {}),
            at: iso(r.created_at),
            ...(r.expires_at ? { expiresAt: iso(r.expires_at) } : {}),
          })),
          ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
        };
      },

      /** Internal: a shopper's balance (the member card, GET /api/me). */
      balance: async (ctx) => ({
        balance: await balanceOf(ctx.params.userId),
      }),

      /** Admin: the rules in force. */
      getRules: async (ctx) => {
        requireAdmin(ctx.meta);
        return readPointsRules(em());
      },

      /** Admin: replaces the rules; the change and its audit entry commit together. */
      setRules: async (ctx) => {
        requireAdmin(ctx.meta);
        return em().transactional(async (tx) => {
          const before = await readPointsRules(tx);
          const after = await writePointsRules(tx, ctx.params);
          persistAudit(tx, ctx.meta, {
            action: 'points.rules.update',
            objectType: 'points_rules',
            objectId: 'points_rules',
            detail: { before, after },
          });
          await tx.flush();
          return after;
        });
      },

      /** Admin: the ledger, filtered by shopper, order or reason, newest first. */
      ledger: async (ctx) => {
        requireAdmin(ctx.meta);
        const where: string[] = [];
        const values: unknown[] = [];
        if (ctx.params.userId) {
          where.push('user_id = ?');
          values.push(ctx.params.userId);
        }
        if (ctx.params.orderId) {
          where.push('order_id = ?');
          values.push(ctx.params.orderId);
        }
        if (ctx.params.reason) {
          where.push('reason = ?');
          values.push(ctx.params.reason);
        }
        const page = await ledgerPage(where, values, ctx.params.cursor, ctx.params.limit ?? PAGE);
        return {
          items: page.items.map(entryView),
          ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
        };
      },

      /**
       * Admin: adds or takes a shopper's points, idempotent by requestId (a replay answers the first entry); the
       * change and its audit entry commit together.
       */
      adjust: async (ctx) => {
        requireAdmin(ctx.meta);
        if (ctx.params.delta === 0) throw new AppError('VALIDATION_FAILED', 'delta must not be 0');
        await call(ctx, 'users.get', { id: ctx.params.userId });
        const effects = noPointsEffects();
        const sourceRef = `adjust:${ctx.params.requestId}`;
        const rules = await readPointsRules(em());
        await em().transactional(async (tx) => {
          const change = await applyPointsChange(tx, {
            userId: ctx.params.userId,
            delta: ctx.params.delta,
            reason: 'admin_adjust',
            sourceRef,
            note: ctx.params.note,
            // A grant is earned points like an order's: it expires on the same schedule.
            ...(ctx.params.delta > 0 && rules.expiryDays
              ? { expiresAt: new Date(rt.now() + rules.expiryDays * 86400_000) }
              : {}),
          });
          if (!change) return;
          effects.changes.push(change);
          persistAudit(tx, ctx.meta, {
            action: 'points.adjust',
            objectType: 'user',
            objectId: ctx.params.userId,
            detail: { delta: change.delta, note: ctx.params.note, requestId: ctx.params.requestId },
          });
          await tx.flush();
        });
        reportPointsEffects(rt.log, effects);
        const rows = await em().execute<LedgerRow[]>(
          `select * from points_ledger where user_id = ? and reason = 'admin_adjust' and source_ref = ?`,
          [ctx.params.userId, sourceRef],
        );
        const entry = rows[0]!;
        if (entry.delta !== ctx.params.delta || entry.note !== ctx.params.note) {
          throw new AppError('IDEMPOTENCY_KEY_REUSED');
        }
        return { entry: entryView(entry), balance: await balanceOf(ctx.params.userId) };
      },

      /** Admin: reconciles now (the sweeper does it on its own too); lists shoppers whose ledger does not sum. */
      reconcileNow: async (ctx) => {
        requireAdmin(ctx.meta);
        await reconcilePoints(em(), rt.log);
        const items = await findLedgerDrift(em());
        return { driftUsers: items.length, items };
      },

      /** Sweeper: reconciles the ledger and sets tm_points_ledger_drift_users. */
      reconcile: async () => ({
        driftUsers: (await reconcilePoints(em(), rt.log)).length,
      }),

      /** The points mall as shoppers see it: active items in their window, cheapest first. */
      mallItems: async () => {
        const now = new Date(rt.now());
        const rows = await em().execute<MallItemRow[]>(
          `select * from points_mall_items where status = 'active'
             and (starts_at is null or starts_at <= ?) and (ends_at is null or ends_at > ?)
           order by points_cost, id limit 200`,
          [now, now],
        );
        return { items: rows.map(mallItemView) };
      },

      /** Redeems one unit of an item for points (stock, limit and points in one transaction; see ./mall.ts). */
      redeem: async (ctx) => {
        const user = requireUser(ctx.meta);
        return {
          order: await redeemMallItem(em(), rt.log, {
            userId: user.id,
            itemId: ctx.params.id,
            requestId: ctx.params.requestId,
            now: new Date(rt.now()),
          }),
        };
      },

      /** The caller's redemptions, newest first. */
      myRedemptions: async (ctx) => {
        const user = requireUser(ctx.meta);
        const limit = ctx.params.limit ?? PAGE;
        const rows = await em().execute<RedemptionRow[]>(
          `select * from points_mall_redemptions where user_id = ?${ctx.params.cursor ? ' and id < ?' : ''}
           order by id desc limit ?`,
          ctx.params.cursor ? [user.id, ctx.params.cursor, limit + 1] : [user.id, limit + 1],
        );
        const items = rows.slice(0, limit);
        return {
          items: items.map(redemptionView),
          ...(rows.length > limit ? { nextCursor: items[items.length - 1]!.id } : {}),
        };
      },

      /** Admin: every item of the points mall, stopped ones included, newest first. */
      adminMallItems: async (ctx) => {
        requireAdmin(ctx.meta);
        const rows = await em().execute<MallItemRow[]>(
          'select * from points_mall_items order by id desc limit 500',
        );
        return { items: rows.map(mallItemView) };
      },

      /** Admin: adds an item to the points mall; the item and its audit entry commit together. */
      createMallItem: async (ctx) => {
        requireAdmin(ctx.meta);
        const b = ctx.params;
        if (b.startsAt && b.endsAt && new Date(b.endsAt) <= new Date(b.startsAt)) {
          throw new AppError('VALIDATION_FAILED', 'endsAt must be after startsAt');
        }
        return em().transactional(async (tx) => {
          const rows = await tx.execute<MallItemRow[]>(
            `insert into points_mall_items (id, title, description, image_url, points_cost, stock_total, stock_left,
               per_user_limit, status, starts_at, ends_at)
             values (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?) returning *`,
            [
              newId('pmi'),
              b.title,
              b.description ?? '',
              b.imageUrl ?? null,
              b.pointsCost,
              b.stockTotal,
              b.stockTotal,
              b.perUserLimit,
              b.startsAt ? new Date(b.startsAt) : null,
              b.endsAt ? new Date(b.endsAt) : null,
            ],
          );
          const item = rows[0]!;
          persistAudit(tx, ctx.meta, {
            action: 'points_mall.item.create',
            objectType: 'points_mall_item',
            objectId: item.id,
            detail: { ...b },
          });
          await tx.flush();
          return mallItemView(item);
        });
      },

      /**
       * Admin: edits an item. A new stock total moves the units left by the same amount (never below the units
       * already redeemed: CONFLICT); the change and its audit entry commit together.
       */
      patchMallItem: async (ctx) => {
        requireAdmin(ctx.meta);
        const { id, ...b } = ctx.params;
        return em().transactional(async (tx) => {
          // The row lock keeps redemptions out while the total and the units left move together.
          const current = await tx.execute<MallItemRow[]>(
            'select * from points_mall_items where id = ? for update',
            [id],
          );
          const item = current[0];
          if (!item) throw new AppError('NOT_FOUND', 'No such item in the points mall');
          const startsAt = b.startsAt ? new Date(b.startsAt) : item.starts_at;
          const endsAt = b.endsAt ? new Date(b.endsAt) : item.ends_at;
          if (startsAt && endsAt && new Date(endsAt) <= new Date(startsAt)) {
            throw new AppError('VALIDATION_FAILED', 'endsAt must be after startsAt');
          }
          const stockTotal = b.stockTotal ?? item.stock_total;
          const redeemed = item.stock_total - item.stock_left;
          if (stockTotal < redeemed) {
            throw new AppError('CONFLICT', `${redeemed} units are already redeemed`, { redeemed });
          }
          const rows = await tx.execute<MallItemRow[]>(
            `update points_mall_items set title = ?, description = ?, image_url = ?, points_cost = ?,
               stock_total = ?, stock_left = stock_left + (? - stock_total), per_user_limit = ?, status = ?,
               starts_at = ?, ends_at = ?, updated_at = now()
             where id = ? returning *`,
            [
              b.title ?? item.title,
              b.description ?? item.description,
              b.imageUrl ?? item.image_url,
              b.pointsCost ?? item.points_cost,
              stockTotal,
              stockTotal,
              b.perUserLimit ?? item.per_user_limit,
              b.status ?? item.status,
              startsAt,
              endsAt,
              id,
            ],
          );
          persistAudit(tx, ctx.meta, {
            action: 'points_mall.item.update',
            objectType: 'points_mall_item',
            objectId: id,
            detail: { fields: Object.keys(b), ...b },
          });
          await tx.flush();
          return mallItemView(rows[0]!);
        });
      },

      /** Sweeper: expires the points due by now (rules.expiryDays after they were earned). */
      expireDue: async () => expireDuePoints(em(), rt.log, new Date(rt.now())),
    },
  });
}
