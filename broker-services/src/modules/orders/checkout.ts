/**
 * Checkout at the regular price: one order of several SKUs, its stock taken in PostgreSQL in the same
 * transaction that writes the order, all or nothing (see ../catalog/stock.ts for the guarded updates and their
 * lock order). Regular items at normal traffic take stock here rather than through the hot path: a checkout is
 * a few SKUs among thousands at a few orders a second, where one short transaction on indexed rows is plenty and
 * keeps the order, its lines and the stock in one commit; campaigns, where thousands of shoppers want the same
 * unit in the same second, keep the Redis hot path.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { MAX_STORED_FEN } from '../../schemas/common.ts';
import { type PiiKeyring, sealPii } from '../addresses/pii-cipher.ts';
import type { AddressSnapshot } from '../addresses/schemas.ts';
import { countRegularSales, type StockLine, takeRegularStock } from '../catalog/stock.ts';
import { lockCouponForOrder, reportCouponChanges } from '../coupons/order-coupons.ts';
import { memberDiscountFen } from '../membership/order-effects.ts';
import { holdCheckoutPoints, noPointsEffects, reportPointsEffects } from '../points/order-effects.ts';
import { type OrderRow, ormSql, transitionOrders } from './order-machine.ts';
import type { OrderLineRow } from './order-view.ts';
import { recordOrderTransitions } from './transitions.ts';

export interface CheckoutInput {
  userId: string;
  requestId: string;
  lines: StockLine[];
  address: AddressSnapshot;
  expiresAt: Date;
  now: Date;
  /** A coupon of the shopper's to lock to the order (its discount becomes the order's `discount_fen`). */
  couponId?: string;
  /** Points the shopper spends on this order (0 or absent: none). */
  pointsToUse?: number;
}

/** The order's sealed address is bound to the order and its owner. */
export const orderAddressContext = (orderId: string, userId: string) => `order-address:${orderId}:${userId}`;

/** Adds up repeated SKUs; at most 20 distinct lines. */
export function mergeLines(items: readonly StockLine[]): StockLine[] {
  const by = new Map<string, number>();
  for (const i of items) by.set(i.skuId, (by.get(i.skuId) ?? 0) + i.quantity);
  const lines = [...by].map(([skuId, quantity]) => ({ skuId, quantity }));
  if (lines.some((l) => l.quantity > 99)) {
    throw new AppError('VALIDATION_FAILED', 'At most 99 of one SKU in an order');
  }
  return lines;
}

/** An earlier order of the same shopper and requestId, if any (the replay answer). */
export async function findByRequest(
  em: EntityManager,
  userId: string,
  requestId: string,
): Promise<OrderRow | null> {
  const rows = await em.execute<OrderRow[]>(
    'select * from orders where user_id = ? and request_id = ? and campaign_id is null',
    [userId, requestId],
  );
  return rows[0] ?? null;
}

/** A placed order: its row and its lines as written. */
export interface PlacedOrder {
  row: OrderRow;
  lines: OrderLineRow[];
}

/**
 * Takes the stock and writes the order with its lines, sealed address and first transition, in one transaction.
 * Returns null when a concurrent request with the same requestId committed first (the caller reads that one).
 */
export async function placeRegularOrder(
  em: EntityManager,
  log: Logger,
  ring: PiiKeyring,
  input: CheckoutInput,
): Promise<PlacedOrder | null> {
  const orderId = newId('ord');
  const pointsEffects = noPointsEffects();
  const placed = await em.transactional(async (tx) => {
    // The order row first (its requestId is unique per shopper): a second request with the same requestId
    // waits here for the first one's commit and then takes nothing.
    const { keyId, sealed } = sealPii(ring, orderAddressContext(orderId, input.userId), input.address);
    const claimed = await transitionOrders(ormSql(tx), {
      kind: 'create',
      orders: [
        {
          id: orderId,
          reservationId: null,
          requestId: input.requestId,
          userId: input.userId,
          campaignId: null,
          campaignType: 'regular',
          groupId: null,
          skuId: input.lines[0]!.skuId,
          title: '',
          quantity: 1,
          unitPriceFen: 0,
          totalFen: 0,
          dryRun: false,
          createdAt: input.now,
          expiresAt: input.expiresAt,
          addressPii: sealed,
          addressKeyId: keyId,
        },
      ],
      reason: 'checkout',
      actor: input.userId,
    });
    if (!claimed[0]) return null;
    const taken = await takeRegularStock(tx, input.lines);
    const totalFen = taken.reduce((sum, l) => sum + l.unitPriceFen * l.quantity, 0);
    if (totalFen > MAX_STORED_FEN) {
      throw new AppError('VALIDATION_FAILED', 'The order total is larger than one order may hold');
    }
    const units = taken.reduce((sum, l) => sum + l.quantity, 0);
    const first = taken[0]!;
    const title = taken.length > 1 ? `${first.title} 等 ${taken.length} 件` : first.title;
    // The price breakdown: discounts first (the member discount of ../membership, then the coupon's on what is
    // left: locked to the order here, in its transaction, so a coupon that is not free, another live order took
    // it even at this instant, rolls back the order and its stock with it), then the points spent on what is
    // left (held here, ../points).
    const memberFen = await memberDiscountFen(tx, input.userId, totalFen);
    const coupon =
      input.couponId === undefined
        ? undefined
        : await lockCouponForOrder(ormSql(tx), {
            couponId: input.couponId,
            userId: input.userId,
            orderId,
            lines: taken,
            orderKind: 'regular',
            now: input.now,
            capFen: totalFen - memberFen,
          });
    const discountFen = memberFen + (coupon?.discountFen ?? 0);
    const points = input.pointsToUse
      ? await holdCheckoutPoints(
          tx,
          { userId: input.userId, orderId, requested: input.pointsToUse, baseFen: totalFen - discountFen },
          pointsEffects,
        )
      : { pointsUsed: 0, pointsFen: 0 };
    const rows = await tx.execute<OrderRow[]>(
      `update orders set sku_id = ?, title = ?, quantity = ?, unit_price_fen = ?, total_fen = ?,
         discount_fen = ?, points_used = ?, points_fen = ? where id = ? returning *`,
      [
        first.skuId,
        title.slice(0, 200),
        units,
        first.unitPriceFen,
        totalFen,
        discountFen,
        points.pointsUsed,
        points.pointsFen,
        orderId,
      ],
    );
    // Every line in one statement; the lines are built here, so the answer needs no second read of them.
    const lines: OrderLineRow[] = taken.map((l, line) => ({
      order_id: orderId,
      line,
      sku_id: l.skuId,
      product_id: l.productId,
      title: l.title,
      sku_title: l.skuTitle,
      quantity: l.quantity,
      unit_price_fen: l.unitPriceFen,
    }));
    await tx.execute(
      `insert into order_items (order_id, line, sku_id, product_id, title, sku_title, quantity, unit_price_fen)
       values ${lines.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      lines.flatMap((l) => [
        l.order_id,
        l.line,
        l.sku_id,
        l.product_id,
        l.title,
        l.sku_title,
        l.quantity,
        l.unit_price_fen,
      ]),
    );
    await countRegularSales(tx, taken);
    return { row: rows[0]!, lines, claimed, coupon };
  });
  if (!placed) return null;
  recordOrderTransitions(log, placed.claimed, 'checkout', input.userId);
  reportPointsEffects(log, pointsEffects);
  if (placed.coupon) reportCouponChanges(log, [placed.coupon.change]);
  return { row: placed.row, lines: placed.lines };
}
