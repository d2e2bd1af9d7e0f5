/**
 * The points mall (积分商城): one redemption is one PostgreSQL transaction that claims the shopper's requestId,
 * takes one unit of stock, counts the shopper's redemption and spends the points, each with a guarded UPDATE; any
 * refusal rolls all of them back. Locks are taken in one order (the requestId's unique key, the item row, the
 * shopper's count row, the shopper's balance row), so racing redemptions queue instead of deadlocking, and none can
 * take stock, exceed the limit or spend points another one already took.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { pointsMallRedemptionsTotal } from '@tuanmiao/observability';
import type { Logger } from 'pino';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { applyPointsChange, noPointsEffects, reportPointsEffects } from './ledger.ts';
import type { MallItemView, RedemptionView } from './schemas.ts';

export interface MallItemRow {
  id: string;
  title: string;
  description: string;
  image_url: string | null;
  points_cost: number;
  stock_total: number;
  stock_left: number;
  per_user_limit: number;
  status: 'active' | 'stopped';
  starts_at: Date | null;
  ends_at: Date | null;
}

export interface RedemptionRow {
  id: string;
  item_id: string;
  user_id: string;
  request_id: string;
  title: string;
  points: number;
  status: 'redeemed';
  created_at: Date;
}

const iso = (d: Date) => new Date(d).toISOString();

export function mallItemView(r: MallItemRow): MallItemView {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    ...(r.image_url ? { imageUrl: r.image_url } : {}),
    pointsCost: r.points_cost,
    stockTotal: r.stock_total,
    stockLeft: r.stock_left,
    perUserLimit: r.per_user_limit,
    status: r.status,
    ...(r.starts_at ? { startsAt: iso(r.starts_at) } : {}),
    ...(r.ends_at ? { endsAt: iso(r.ends_at) } : {}),
  };
}

export function redemptionView(r: RedemptionRow): RedemptionView {
  return {
    id: r.id,
    itemId: r.item_id,
    title: r.title,
    points: r.points,
    status: r.status,
    createdAt: iso(r.created_at),
  };
}

/** Why a guarded stock UPDATE took nothing: the item's state says which refusal it is. */
function refusalOf(item: MallItemRow | undefined, now: Date): AppError {
  if (!item || item.status === 'stopped') return new AppError('NOT_FOUND', 'No such item in the points mall');
  if (item.starts_at && new Date(item.starts_at) > now) return new AppError('NOT_STARTED');
  if (item.ends_at && new Date(item.ends_at) <= now) return new AppError('ENDED');
  return new AppError('SOLD_OUT');
}

/**
 * Redeems one unit of `itemId` for the shopper, idempotent by requestId: a replay answers the first redemption,
 * and the same requestId for another item is IDEMPOTENCY_KEY_REUSED. Refusals: NOT_FOUND, NOT_STARTED, ENDED,
 * SOLD_OUT, LIMIT_EXCEEDED, INSUFFICIENT_POINTS; each leaves stock, counts and points as they were.
 */
export async function redeemMallItem(
  em: EntityManager,
  log: Logger,
  input: { userId: string; itemId: string; requestId: string; now: Date },
): Promise<RedemptionView> {
  const effects = noPointsEffects();
  const id = newId('rdm');
  let result: 'ok' | 'replayed' = 'ok';
  try {
    const row = await em.transactional(async (tx) => {
      // The requestId first: a concurrent retry waits on its unique key for this one's commit, then replays it.
      const claimed = await tx.execute<RedemptionRow[]>(
        `insert into points_mall_redemptions (id, item_id, user_id, request_id, title, points, status, created_at)
         select ?, id, ?, ?, title, points_cost, 'redeemed', ? from points_mall_items where id = ?
         on conflict (user_id, request_id) do nothing returning *`,
        [id, input.userId, input.requestId, input.now, input.itemId],
      );
      if (!claimed[0]) {
        const earlier = await tx.execute<RedemptionRow[]>(
          'select * from points_mall_redemptions where user_id = ? and request_id = ?',
          [input.userId, input.requestId],
        );
        if (!earlier[0]) throw new AppError('NOT_FOUND', 'No such item in the points mall');
        if (earlier[0].item_id !== input.itemId) throw new AppError('IDEMPOTENCY_KEY_REUSED');
        result = 'replayed';
        return earlier[0];
      }
      const taken = await tx.execute<MallItemRow[]>(
        `update points_mall_items set stock_left = stock_left - 1, updated_at = now()
         where id = ? and status = 'active' and stock_left >= 1
           and (starts_at is null or starts_at <= ?) and (ends_at is null or ends_at > ?)
         returning *`,
        [input.itemId, input.now, input.now],
      );
      if (!taken[0]) {
        const items = await tx.execute<MallItemRow[]>('select * from points_mall_items where id = ?', [
          input.itemId,
        ]);
        throw refusalOf(items[0], input.now);
      }
      const item = taken[0];
      const counted = await tx.execute<{ redeemed: number }[]>(
        `insert into points_mall_user_counts (item_id, user_id, redeemed) values (?, ?, 1)
         on conflict (item_id, user_id) do update set redeemed = points_mall_user_counts.redeemed + 1
           where points_mall_user_counts.redeemed < ?
         returning redeemed`,
        [item.id, input.userId, item.per_user_limit],
      );
      if (!counted[0]) {
        throw new AppError('LIMIT_EXCEEDED', `At most ${item.per_user_limit} of this item per shopper`, {
          perUserLimit: item.per_user_limit,
        });
      }
      const change = await applyPointsChange(tx, {
        userId: input.userId,
        delta: -claimed[0].points,
        reason: 'mall_redeem',
        sourceRef: id,
      });
      if (change) effects.changes.push(change);
      return claimed[0];
    });
    pointsMallRedemptionsTotal.inc({ result });
    if (result === 'ok') {
      reportPointsEffects(log, effects);
      log.info(
        { redemptionId: row.id, itemId: row.item_id, userId: row.user_id, points: row.points },
        'points mall redemption',
      );
    }
    return redemptionView(row);
  } catch (err) {
    pointsMallRedemptionsTotal.inc({ result: err instanceof AppError ? String(err.type) : 'error' });
    throw err;
  }
}
