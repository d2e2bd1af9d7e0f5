/**
 * orders: the order state machine after settlement. Shoppers list, read and cancel their orders; admins list,
 * ship and refund; payments are applied here atomically with their payment record; unpaid orders are
 * cancelled at `expiresAt` by a sweeper that any number of processes may run (the guarded transition
 * decides one winner per order). Stock goes back to the hot path exactly once, by the winner. Regular orders
 * (the shop's checkout, ./checkout.ts) run on the same machine; their stock goes back to the SKUs inside the
 * releasing transition. Every order keeps a sealed copy of its delivery address.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServiceSchema } from 'moleculer';
import Type, { type Static } from 'typebox';
import type { CallerMeta } from '../../broker/action.ts';
import { type BusEndpoint, call, defineService, emit } from '../../broker/bus.ts';
import { sweeperMixin } from '../../broker/sweeper.mixin.ts';
import { AppError } from '../../errors.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { Fen, OrderId } from '../../schemas/common.ts';
import { loadKeyring, maskDetail, maskName, maskPhone, openPii, sealPii } from '../addresses/pii-cipher.ts';
import type { AddressSnapshot } from '../addresses/schemas.ts';
import { type AuditInput, persistAudit, recordAudit, requireAdmin, requireUser } from '../admin/audit.ts';
import type { CouponChange } from '../coupons/coupon-machine.ts';
import {
  applyCouponToOrder,
  type CouponOnOrderResult,
  couponsOnOrders,
  type PricedLine,
  removeCouponFromOrder,
  reportCouponChanges,
} from '../coupons/order-coupons.ts';
import { recordShipments } from '../fulfilment/shipments.ts';
import { recordShippingRecord, shippingRecordViews } from '../fulfilment/shipping-records.ts';
import type { ConfirmedPayment } from '../payments/provider.ts';
import { appliedPaymentOf, createRefund, markPaymentLate, recordPayment } from '../payments/records.ts';
import { noPointsEffects, pointsOnOrderTransition, reportPointsEffects } from '../points/order-effects.ts';
import { findByRequest, mergeLines, orderAddressContext, placeRegularOrder } from './checkout.ts';
import { ordersContract } from './contract.ts';
import { type GroupOutcomeDeps, onGroupFailed, onGroupSucceeded } from './group-outcomes.ts';
import {
  type OrderRow,
  type OrderSql,
  type OrderStatus,
  type OrderTransitioned,
  ormSql,
  transitionOrders,
} from './order-machine.ts';
import { type OrderExtras, type OrderLineRow, toAdminOrderView, toOrderView } from './order-view.ts';
import type { OrderForPayment } from './schemas.ts';
import {
  cancelExpiredOrders,
  recordOrderTransitions,
  requireTransition,
  transitionOrder,
} from './transitions.ts';

const PAGE = 20;
/** Orders one expiry statement cancels; a sweep runs up to EXPIRY_BATCHES_PER_SWEEP of them back to back. */
const EXPIRY_BATCH = 500;
const EXPIRY_BATCHES_PER_SWEEP = 20;
/** Expiring orders closed at the payment channel at once (WeChat Pay's close-order is one HTTP call each). */
const CHANNEL_CONCURRENCY = 16;
/** Stock returns to the hot path in flight at once. */
const RELEASE_CONCURRENCY = 32;

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

const PaymentInput = Type.Object({
  orderId: OrderId,
  provider: Type.Union([Type.Literal('wechat'), Type.Literal('dev')]),
  providerTxnId: Type.String({ minLength: 1, maxLength: 64 }),
  amountFen: Fen,
  paidAt: Type.String({ format: 'date-time' }),
});
type PaymentInput = Static<typeof PaymentInput>;
type PaymentOutcome = 'applied' | 'duplicate' | 'late_refunded';

export default function createOrdersService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();
  const ring = loadKeyring(rt.config);

  function addressOf(o: OrderRow): AddressSnapshot | undefined {
    if (!o.address_pii || !o.address_key_id) return undefined;
    return openPii<AddressSnapshot>(
      ring,
      orderAddressContext(o.id, o.user_id),
      o.address_key_id,
      o.address_pii,
    );
  }

  /** Lines of the regular orders among `rows` (campaign orders have their one line on the row). */
  async function linesOf(rows: OrderRow[]): Promise<OrderLineRow[]> {
    const ids = rows.filter((r) => r.campaign_type === 'regular').map((r) => r.id);
    if (ids.length === 0) return [];
    return em().execute<OrderLineRow[]>(
      `select * from order_items where order_id in (${ids.map(() => '?').join(', ')})`,
      ids,
    );
  }

  /** The coupon on each of these orders (../coupons reads its own tables). */
  const couponsOf = (rows: OrderRow[]) =>
    couponsOnOrders(
      ormSql(em()),
      rows.map((r) => r.id),
    );

  /** The shopper's view: their own address in full. */
  async function shopperViews(rows: OrderRow[]) {
    const [lines, coupons] = await Promise.all([linesOf(rows), couponsOf(rows)]);
    return rows.map((o) => {
      const address = addressOf(o);
      return toOrderView(o, {
        lines,
        coupons,
        afterSaleDays: rt.config.afterSaleDays,
        ...(address ? { address } : {}),
      });
    });
  }
  const shopperView = async (row: OrderRow) => (await shopperViews([row]))[0]!;

  /** The operator's view: the address masked (the full one is GET /api/admin/orders/:id/address, audited). */
  async function adminExtras(rows: OrderRow[]): Promise<Map<string, OrderExtras>> {
    const [lines, coupons] = await Promise.all([linesOf(rows), couponsOf(rows)]);
    const shipped = rows.filter((r) => r.shipped_at !== null).map((r) => r.id);
    const records = await shippingRecordViews(em(), shipped);
    return new Map(
      rows.map((o) => {
        const a = addressOf(o);
        const address = a
          ? { ...a, name: maskName(a.name), phone: maskPhone(a.phone), detail: maskDetail(a.detail) }
          : undefined;
        const shippingRecord = records.get(o.id);
        return [
          o.id,
          {
            lines,
            coupons,
            afterSaleDays: rt.config.afterSaleDays,
            ...(address ? { address } : {}),
            ...(shippingRecord ? { shippingRecord } : {}),
          },
        ];
      }),
    );
  }
  const adminView = async (row: OrderRow, transitions?: Parameters<typeof toAdminOrderView>[1]) =>
    toAdminOrderView(row, transitions, (await adminExtras([row])).get(row.id));

  async function loadOrder(id: string, userId?: string): Promise<OrderRow> {
    const rows = await em().execute<OrderRow[]>(
      `select * from orders where id = ?${userId ? ' and user_id = ?' : ''}`,
      userId ? [id, userId] : [id],
    );
    if (!rows[0]) throw new AppError('NOT_FOUND', 'No such order');
    return rows[0];
  }

  /** A campaign order's one line at its campaign price, as coupon pricing reads it (scope: product, category). */
  async function campaignLines(via: BusEndpoint, o: OrderRow): Promise<PricedLine[]> {
    const [sku] = (await call(via, 'catalog.skusForSale', { ids: [o.sku_id] })).items;
    if (!sku) throw new AppError('NOT_FOUND', 'The product of this order no longer exists');
    return [
      {
        productId: sku.productId,
        categoryIds: sku.categoryIds,
        quantity: o.quantity,
        unitPriceFen: o.unit_price_fen,
      },
    ];
  }

  /**
   * Changes the coupon on the shopper's unpaid campaign order and its discount with it, in one transaction that
   * holds the order's row: a payment start, a cancellation or the expiry sweep waits for it, or it for them, and
   * then sees their result. The coupon's move (../coupons, `change`) and the order's new discount commit together
   * or not at all. Refusals change nothing: another shopper's order is NOT_FOUND, a shop order
   * COUPON_CHOSEN_AT_CHECKOUT, an order not unpaid ORDER_NOT_PAYABLE, one past its time ORDER_EXPIRED, one whose
   * payment started at the channel PAYMENT_STARTED (its amount is fixed there, see `startPayment`).
   */
  async function changeOrderCoupon(
    orderId: string,
    userId: string,
    change: (sql: OrderSql, o: OrderRow, now: Date) => Promise<CouponOnOrderResult>,
  ): Promise<OrderRow> {
    const now = new Date(rt.now());
    let changes: CouponChange[] = [];
    const row = await em().transactional(async (tx) => {
      const sql = ormSql(tx);
      const [o] = (
        await sql.query<OrderRow>('select * from orders where id = $1 and user_id = $2 for update', [
          orderId,
          userId,
        ])
      ).rows;
      if (!o) throw new AppError('NOT_FOUND', 'No such order');
      if (o.campaign_type === 'regular') throw new AppError('COUPON_CHOSEN_AT_CHECKOUT');
      if (o.status !== 'pending_payment') {
        throw new AppError('ORDER_NOT_PAYABLE', `An order that is ${o.status} takes no coupon change`);
      }
      if (new Date(o.expires_at).getTime() <= now.getTime()) throw new AppError('ORDER_EXPIRED');
      if (o.payment_started_at) throw new AppError('PAYMENT_STARTED');
      const res = await change(sql, o, now);
      changes = res.changes;
      if (res.changes.length === 0) return o;
      const [updated] = (
        await sql.query<OrderRow>(
          'update orders set discount_fen = $1, updated_at = now() where id = $2 returning *',
          [res.orderDiscountFen, o.id],
        )
      ).rows;
      return updated!;
    });
    reportCouponChanges(rt.log, changes);
    if (changes.length > 0) {
      rt.log.info(
        { orderId, userId, discountFen: row.discount_fen, payableFen: row.payable_fen },
        'order price changed with its coupon',
      );
    }
    return row;
  }

  /** Returns the order's units to the hot path; idempotent there, so a retry after a crash is harmless. */
  async function releaseStock(row: OrderRow): Promise<void> {
    // A regular order's stock went back to its SKUs inside the releasing transition.
    if (!row.campaign_id || !row.reservation_id) return;
    await rt.store.releaseReservation({
      campaignId: row.campaign_id,
      reservationId: row.reservation_id,
      userId: row.user_id,
      quantity: row.quantity,
      ...(row.group_id ? { groupId: row.group_id } : {}),
    });
  }

  /**
   * Applies a confirmed payment. One transaction records the payment (unique per provider transaction, so a
   * replay is a no-op) and moves the order to paid; a payment that lands on an order already cancelled is
   * recorded as `late_refunded` with a pending refund, never reopening the order nor taking stock again.
   */
  async function applyPayment(p: PaymentInput, bus: BusEndpoint): Promise<PaymentOutcome> {
    const order = await loadOrder(p.orderId);
    if (p.amountFen !== order.payable_fen) {
      throw new AppError('PAYMENT_AMOUNT_MISMATCH', 'Paid amount differs from the order total', {
        expectedFen: order.payable_fen,
        paidFen: p.amountFen,
      });
    }
    let transitioned: OrderTransitioned[] = [];
    let pointsEffects = noPointsEffects();
    const outcome = await em().transactional(async (tx) => {
      // The payment row first: a concurrent apply of the same transaction (the notification and the expiry
      // sweep, or two redeliveries) waits here on the unique key and then sees a duplicate, never a late one.
      const paymentId = await recordPayment(tx, p);
      if (!paymentId) return 'duplicate' as const;
      const paid = await transitionOrders(ormSql(tx), {
        kind: 'move',
        ids: [p.orderId],
        at: [new Date(p.paidAt)],
        to: 'paid',
        from: ['pending_payment'],
        reason: 'payment_confirmed',
        actor: p.provider,
        stamp: ['paid_at'],
      });
      if (paid.length === 1) {
        transitioned = paid;
        // The points the order held are spent with the payment.
        pointsEffects = await pointsOnOrderTransition(tx, paid[0]!.row, 'paid', new Date(p.paidAt));
        return 'applied' as const;
      }
      await markPaymentLate(tx, paymentId);
      await createRefund(tx, {
        orderId: p.orderId,
        outRefundNo: `late_${p.providerTxnId}`,
        amountFen: p.amountFen,
        orderTotalFen: order.payable_fen,
        reason: 'late_payment',
      });
      return 'late_refunded' as const;
    });
    if (outcome === 'applied') {
      recordOrderTransitions(rt.log, transitioned, 'payment_confirmed', p.provider);
      reportPointsEffects(rt.log, pointsEffects);
      void emit(bus, 'order.paid', {
        version: 1,
        orderId: order.id,
        campaignId: order.campaign_id,
        groupId: order.group_id,
        userId: order.user_id,
      });
    } else if (outcome === 'late_refunded') {
      rt.log.warn({ orderId: p.orderId, status: order.status }, 'payment after cancellation: refunding');
      void emit(bus, 'refund.requested', { version: 1, orderId: order.id });
    }
    return outcome;
  }

  /**
   * Closes an expiring order at the payment channel so that it can no longer be paid, and answers the channel's
   * payment when it had been paid after all (its notification was lost, or is still on its way). A channel that
   * cannot be reached does not hold the stock hostage: the order is cancelled, WeChat Pay refuses payment after
   * the order's time_expire anyway, and a payment that still lands is refunded as late.
   */
  async function closeAtChannel(orderId: string): Promise<ConfirmedPayment | null> {
    try {
      await rt.payments.closePayment(orderId);
      return null;
    } catch (closeErr) {
      // ORDERPAID, or no answer: only the channel's own record of the payment tells which.
      try {
        return await rt.payments.queryPayment(orderId);
      } catch (queryErr) {
        rt.log.warn({ orderId, closeErr, queryErr }, 'payment channel unreachable at expiry; cancelling');
        return null;
      }
    }
  }

  /**
   * Cancels every unpaid order past its expiry, after closing it at the channel; an order the channel says was
   * paid is paid instead. Works in batches: the channel calls of a batch run side by side (a few at a time),
   * its cancellations are one statement (cancelExpiredOrders), its stock returns side by side; full batches
   * follow each other within one call, so a backlog after a restart drains at once rather than one batch per
   * sweep interval. Returns how many this call cancelled.
   */
  async function expireDue(
    bus: BusEndpoint,
    batchSize = EXPIRY_BATCH,
    maxBatches = EXPIRY_BATCHES_PER_SWEEP,
  ): Promise<number> {
    let cancelled = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      const now = new Date(rt.now());
      const due = await em().execute<{ id: string }[]>(
        `select id from orders where status = 'pending_payment' and expires_at <= ? order by expires_at limit ?`,
        [now, batchSize],
      );
      const unpaid: string[] = [];
      await eachLimited(due, CHANNEL_CONCURRENCY, async ({ id }) => {
        try {
          const paid = await closeAtChannel(id);
          if (!paid) {
            unpaid.push(id);
            return;
          }
          rt.log.warn({ orderId: id }, 'payment found at the channel at expiry (notification missing)');
          await applyPayment(
            {
              orderId: id,
              provider: rt.payments.name,
              providerTxnId: paid.providerTxnId,
              amountFen: paid.amountFen,
              paidAt: paid.paidAt.toISOString(),
            },
            bus,
          );
        } catch (err) {
          // One order that cannot be settled (a wrong amount at the channel) must not stop the others.
          rt.log.error({ err, orderId: id }, 'order expiry failed; will retry');
        }
      });
      const rows = await cancelExpiredOrders(em(), rt.log, unpaid, now);
      cancelled += rows.length;
      // Committed as released: a stock return lost here is re-sent by reconciliation (finishReleases).
      await eachLimited(rows, RELEASE_CONCURRENCY, async (row) => {
        try {
          await releaseStock(row);
        } catch (err) {
          rt.log.error(
            { err, orderId: row.id },
            'stock return after expiry failed; reconciliation re-sends it',
          );
        }
      });
      if (due.length < batchSize) break;
    }
    return cancelled;
  }

  /** A page by id (ids grow with time): newest first by default, or oldest first (the fulfilment queue's FIFO). */
  async function page(
    where: string[],
    values: unknown[],
    cursor: string | undefined,
    limit: number,
    order: 'newest' | 'oldest' = 'newest',
  ) {
    if (cursor) {
      where.push(order === 'oldest' ? 'id > ?' : 'id < ?');
      values.push(cursor);
    }
    const rows = await em().execute<OrderRow[]>(
      `select * from orders ${where.length ? `where ${where.join(' and ')}` : ''}
       order by id ${order === 'oldest' ? 'asc' : 'desc'} limit ?`,
      [...values, limit + 1],
    );
    const more = rows.length > limit;
    const items = rows.slice(0, limit);
    return { items, nextCursor: more ? items[items.length - 1]?.id : undefined };
  }

  /** Cancels an order for a reason of the system (group failed, robot fill), its stock back; true if this call did. */
  async function cancelForSystem(orderId: string, reason: string): Promise<boolean> {
    const now = new Date(rt.now());
    const done = await transitionOrder(em(), rt.log, {
      orderId,
      to: 'cancelled',
      reason,
      actor: 'system',
      at: now,
      stamp: ['cancelled_at', 'stock_released_at'],
      cancelReason: reason,
    });
    if (done) await releaseStock(done.row);
    return done !== null;
  }

  /**
   * Refunds a paid or shipped order for a reason of the system (group failed, after-sale); an approved after-sale
   * request may refund a completed one too. True if this call did.
   */
  async function refundForSystem(
    bus: BusEndpoint,
    orderId: string,
    reason: string,
    afterSale = false,
  ): Promise<boolean> {
    const from = afterSale ? AFTER_SALE_REFUNDABLE : REFUNDABLE;
    const done = await transitionToRefunding(em(), rt, orderId, from, reason, reason, 'system');
    if (done) void emit(bus, 'refund.requested', { version: 1, orderId });
    return done !== null;
  }

  const groupOutcomes = (bus: BusEndpoint): GroupOutcomeDeps => ({
    em,
    log: rt.log,
    refund: (orderId, reason) => refundForSystem(bus, orderId, reason),
    cancel: cancelForSystem,
  });

  return defineService(ordersContract, {
    mixins: [
      sweeperMixin({ action: 'orders.expireDue', intervalMs: rt.config.sweepIntervalMs, log: rt.log }),
      sweeperMixin({ action: 'orders.autoReceive', intervalMs: rt.config.sweepIntervalMs * 5, log: rt.log }),
    ],
    actions: {
      /**
       * Checkout at the regular price: several SKUs in one order, stock taken for all or none, the address
       * snapshotted, idempotent by requestId (a replay answers the first order). A coupon is locked to the order
       * in its transaction (../coupons); points are refused until the marketing module provides them.
       */
      checkout: async (ctx) => {
        const user = requireUser(ctx.meta);
        const lines = mergeLines(ctx.params.items);
        const earlier = await findByRequest(em(), user.id, ctx.params.requestId);
        if (earlier) return { order: await shopperView(earlier) };
        const address = await call(ctx, 'addresses.snapshot', {
          id: ctx.params.addressId,
          userId: user.id,
        });
        const now = new Date(rt.now());
        const placed = await placeRegularOrder(em(), rt.log, ring, {
          userId: user.id,
          requestId: ctx.params.requestId,
          lines,
          address,
          now,
          expiresAt: new Date(now.getTime() + rt.config.paymentTtlSeconds * 1000),
          ...(ctx.params.couponId !== undefined ? { couponId: ctx.params.couponId } : {}),
          ...(ctx.params.pointsToUse ? { pointsToUse: ctx.params.pointsToUse } : {}),
        });
        if (!placed) {
          // A concurrent request with the same requestId committed first: answer its order.
          const order = await findByRequest(em(), user.id, ctx.params.requestId);
          if (!order) throw new AppError('INTERNAL');
          return { order: await shopperView(order) };
        }
        await call(ctx, 'cart.removeBought', { userId: user.id, skuIds: lines.map((l) => l.skuId) }).catch(
          (err) => {
            rt.log.warn({ err, orderId: placed.row.id }, 'cart lines of a placed order not removed');
          },
        );
        // Its lines and address as just written: no second read, no decryption of what was just sealed.
        return { order: toOrderView(placed.row, { lines: placed.lines, address }) };
      },

      /**
       * Internal (payments.start): the order's delivery address. Sets it from one of the shopper's addresses while
       * the order is unpaid; answers whether the order has one now.
       */
      ensureAddress: async (ctx) => {
        const order = await loadOrder(ctx.params.id, ctx.params.userId);
        if (!ctx.params.addressId) return { hasAddress: order.address_pii !== null };
        const address = await call(ctx, 'addresses.snapshot', {
          id: ctx.params.addressId,
          userId: ctx.params.userId,
        });
        const { keyId, sealed } = sealPii(ring, orderAddressContext(order.id, order.user_id), address);
        const set = await em().execute<{ id: string }[]>(
          `update orders set address_pii = ?, address_key_id = ?, updated_at = now()
             where id = ? and user_id = ? and status = 'pending_payment' returning id`,
          [sealed, keyId, order.id, order.user_id],
        );
        return { hasAddress: set.length === 1 || order.address_pii !== null };
      },

      /** The caller's orders, newest first. */
      listMine: async (ctx) => {
        const user = requireUser(ctx.meta);
        const res = await page(['user_id = ?'], [user.id], ctx.params.cursor, ctx.params.limit ?? PAGE);
        return {
          items: await shopperViews(res.items),
          ...(res.nextCursor ? { nextCursor: res.nextCursor } : {}),
        };
      },

      /** One of the caller's orders; another user's order is NOT_FOUND. */
      get: async (ctx) => {
        const user = requireUser(ctx.meta);
        return shopperView(await loadOrder(ctx.params.id, user.id));
      },

      /**
       * Internal (payments): what paying an order needs to know of it. With `userId`, another user's order is
       * NOT_FOUND.
       */
      forPayment: async (ctx): Promise<OrderForPayment> => {
        const o = await loadOrder(ctx.params.id, ctx.params.userId);
        return {
          id: o.id,
          userId: o.user_id,
          status: o.status,
          title: o.title,
          payableFen: o.payable_fen,
          expiresAt: new Date(o.expires_at).toISOString(),
        };
      },

      /**
       * Internal (payments.start): paying starts at the channel now. Fixes the unpaid order's price from here on
       * (a WeChat Pay prepay carries the amount and cannot be re-created for another; a coupon change after this
       * is PAYMENT_STARTED) and answers what to charge. The guarded UPDATE waits for a coupon change holding the
       * order's row, so the amount answered is the one the order keeps.
       */
      startPayment: async (ctx): Promise<OrderForPayment> => {
        const rows = await em().execute<OrderRow[]>(
          `update orders set payment_started_at = coalesce(payment_started_at, ?), updated_at = now()
           where id = ? and user_id = ? and status = 'pending_payment' returning *`,
          [new Date(rt.now()), ctx.params.id, ctx.params.userId],
        );
        const o = rows[0];
        if (!o) {
          const now = await loadOrder(ctx.params.id, ctx.params.userId);
          throw new AppError('ORDER_NOT_PAYABLE', `An order that is ${now.status} cannot be paid`);
        }
        return {
          id: o.id,
          userId: o.user_id,
          status: o.status,
          title: o.title,
          payableFen: o.payable_fen,
          expiresAt: new Date(o.expires_at).toISOString(),
        };
      },

      /**
       * One of my coupons on my unpaid campaign order (seckill or group buy), replacing the one it held; the order's
       * discount and payable amount change with it in one transaction (see changeOrderCoupon and
       * ../coupons/order-coupons.ts for every refusal).
       */
      applyCoupon: async (ctx) => {
        const user = requireUser(ctx.meta);
        const order = await loadOrder(ctx.params.id, user.id);
        const orderKind = order.campaign_type;
        if (orderKind === 'regular') throw new AppError('COUPON_CHOSEN_AT_CHECKOUT');
        const lines = await campaignLines(ctx, order);
        const row = await changeOrderCoupon(order.id, user.id, (sql, o, now) =>
          applyCouponToOrder(sql, {
            couponId: ctx.params.couponId,
            userId: user.id,
            orderId: o.id,
            lines,
            orderKind,
            now,
            order: { totalFen: o.total_fen, discountFen: o.discount_fen, pointsFen: o.points_fen },
          }),
        );
        return shopperView(row);
      },

      /** Takes the coupon off my unpaid campaign order; its discount goes with it (none held: the order as it is). */
      removeCoupon: async (ctx) => {
        const user = requireUser(ctx.meta);
        const row = await changeOrderCoupon(ctx.params.id, user.id, (sql, o) =>
          removeCouponFromOrder(sql, {
            orderId: o.id,
            userId: user.id,
            order: { totalFen: o.total_fen, discountFen: o.discount_fen, pointsFen: o.points_fen },
          }),
        );
        return shopperView(row);
      },

      /** The settled order of a reservation, if any (internal). */
      findByReservation: async (ctx) => {
        const rows = await em().execute<OrderRow[]>(
          'select * from orders where reservation_id = ? and user_id = ?',
          [ctx.params.reservationId, ctx.params.userId],
        );
        return rows[0] ? { order: toAdminOrderView(rows[0]) } : { order: null };
      },

      /** The shopper cancels an unpaid order; its stock goes back to the campaign. */
      cancel: async (ctx) => {
        const user = requireUser(ctx.meta);
        const order = await loadOrder(ctx.params.id, user.id);
        const now = new Date(rt.now());
        const done = await transitionOrder(em(), rt.log, {
          orderId: order.id,
          userId: user.id,
          to: 'cancelled',
          reason: 'shopper_cancel',
          actor: user.id,
          at: now,
          stamp: ['cancelled_at', 'stock_released_at'],
          cancelReason: 'shopper_cancel',
        });
        if (!done) {
          if (order.status === 'cancelled') return shopperView(order);
          throw new AppError('INVALID_TRANSITION', `An order that is ${order.status} cannot be cancelled`);
        }
        await releaseStock(done.row);
        return shopperView(done.row);
      },

      /** Internal: cancel one order for a reason of the system (group failed, operator), releasing stock. */
      cancelForSystem: async (ctx) => ({
        cancelled: await cancelForSystem(ctx.params.id, ctx.params.reason),
      }),

      /**
       * Internal: applies a confirmed payment. One transaction records the payment (unique per provider
       * transaction, so a replay is a no-op) and moves the order to paid; a payment that lands on an order
       * already cancelled is recorded as `late_refunded` and refunded in full, never reopening the order.
       */
      applyPayment: async (ctx) => ({
        outcome: await applyPayment(ctx.params, ctx),
      }),

      /** Admin: orders filtered by status and campaign, newest first (or oldest first: the fulfilment queue). */
      adminList: async (ctx) => {
        requireAdmin(ctx.meta);
        const where: string[] = [];
        const values: unknown[] = [];
        if (ctx.params.status) {
          where.push('status = ?');
          values.push(ctx.params.status);
        }
        if (ctx.params.campaignId) {
          where.push('campaign_id = ?');
          values.push(ctx.params.campaignId);
        }
        const res = await page(where, values, ctx.params.cursor, ctx.params.limit ?? PAGE, ctx.params.order);
        return {
          items: await (async () => {
            const extras = await adminExtras(res.items);
            return res.items.map((o) => toAdminOrderView(o, undefined, extras.get(o.id)));
          })(),
          ...(res.nextCursor ? { nextCursor: res.nextCursor } : {}),
        };
      },

      /** Admin: one order with its transition history. */
      adminGet: async (ctx) => {
        requireAdmin(ctx.meta);
        const order = await loadOrder(ctx.params.id);
        const transitions = await em().execute<
          { from_status: string | null; to_status: string; reason: string; actor: string; at: Date }[]
        >('select * from order_transitions where order_id = ? order by id', [order.id]);
        return adminView(
          order,
          transitions.map((t) => ({
            from: t.from_status as OrderRow['status'] | null,
            to: t.to_status as OrderRow['status'],
            reason: t.reason,
            actor: t.actor,
            at: new Date(t.at).toISOString(),
          })),
        );
      },

      /** Admin (fulfilment roles): the order's delivery address in full; each read is in the audit log. */
      adminRevealAddress: async (ctx) => {
        const admin = requireAdmin(ctx.meta);
        if (admin.role !== 'owner' && admin.role !== 'operator') throw new AppError('FORBIDDEN');
        const order = await loadOrder(ctx.params.id);
        const address = addressOf(order);
        if (!address) throw new AppError('NOT_FOUND', 'This order has no address yet');
        await recordAudit(em(), ctx.meta, {
          action: 'order.address.reveal',
          objectType: 'order',
          objectId: order.id,
          detail: { userId: order.user_id },
        });
        return address;
      },

      /**
       * Admin: ship a paid order with its tracking number (or several packages). The same transaction writes the
       * order's WeChat shipping record, which the fulfilment sweeper sends to WeChat until it is accepted.
       */
      ship: async (ctx) => {
        const admin = requireAdmin(ctx.meta);
        const order = await loadOrder(ctx.params.id);
        // A payment WeChat Pay took is recorded at WeChat as shipped (its funds stay frozen until then).
        const paid = await appliedPaymentOf(em(), order.id);
        const wechat = paid?.provider === 'wechat' ? paid : null;
        const payerOpenid = wechat ? (await call(ctx, 'users.openid', { id: order.user_id })).openid : '';
        const now = new Date(rt.now());
        const packages = [
          { carrier: ctx.params.carrier ?? 'other', trackingNo: ctx.params.trackingNo },
          ...(ctx.params.morePackages ?? []),
        ];
        const done = await requireTransition(em(), rt.log, {
          orderId: ctx.params.id,
          to: 'shipped',
          reason: 'admin_ship',
          actor: admin.id,
          at: now,
          stamp: ['shipped_at'],
          trackingNo: ctx.params.trackingNo,
          // The packages and the audit entry commit with the transition, or none of them does.
          inTransaction: async (tx) => {
            await recordShipments(tx, ctx.params.id, packages);
            await recordShippingRecord(tx, {
              orderId: order.id,
              wechatTransactionId: wechat?.providerTxnId ?? null,
              payerOpenid,
              itemDesc: order.title,
              receiverPhone: addressOf(order)?.phone,
              packages,
              at: now,
            });
            await recordAudit(tx, ctx.meta, {
              action: 'order.ship',
              objectType: 'order',
              objectId: ctx.params.id,
              detail: { packages },
            });
          },
        });
        return adminView(done.row);
      },

      /** The shopper confirms receipt of a shipped order (shipped → completed). */
      confirmReceipt: async (ctx) => {
        const user = requireUser(ctx.meta);
        const order = await loadOrder(ctx.params.id, user.id);
        if (order.status === 'completed') return shopperView(order);
        const done = await requireTransition(em(), rt.log, {
          orderId: order.id,
          userId: user.id,
          to: 'completed',
          reason: 'shopper_receipt',
          actor: user.id,
          at: new Date(rt.now()),
          stamp: ['completed_at'],
        });
        return shopperView(done.row);
      },

      /** Completes shipped orders nobody confirmed within AUTO_RECEIPT_DAYS (the sweeper calls it). */
      autoReceive: async () => {
        const before = new Date(rt.now() - rt.config.autoReceiptDays * 86400_000);
        const due = await em().execute<{ id: string }[]>(
          `select id from orders where status = 'shipped' and shipped_at <= ? order by shipped_at limit 200`,
          [before],
        );
        let completed = 0;
        for (const { id } of due) {
          const done = await transitionOrder(em(), rt.log, {
            orderId: id,
            to: 'completed',
            reason: 'auto_receipt',
            actor: 'system',
            at: new Date(rt.now()),
            stamp: ['completed_at'],
          });
          if (done) completed++;
        }
        return { completed };
      },

      /** Admin: refund a paid (or shipped) order in full through the payment provider. */
      refund: async (ctx) => {
        const admin = requireAdmin(ctx.meta);
        await loadOrder(ctx.params.id);
        const done = await requestRefund(
          em(),
          rt,
          ctx.params.id,
          'admin_refund',
          ctx.params.reason,
          admin.id,
          {
            meta: ctx.meta,
            input: {
              action: 'order.refund',
              objectType: 'order',
              objectId: ctx.params.id,
              detail: { reason: ctx.params.reason },
            },
          },
        );
        void emit(ctx, 'refund.requested', { version: 1, orderId: ctx.params.id });
        return adminView(done.row);
      },

      /** Internal: refund a paid order for a reason of the system (its group failed). */
      refundForSystem: async (ctx) => {
        const refunding = await refundForSystem(ctx, ctx.params.id, ctx.params.reason, ctx.params.afterSale);
        if (refunding) return { refunding, status: 'refunding' as const };
        return { refunding, status: (await loadOrder(ctx.params.id)).status };
      },

      /** Internal: a refund succeeded at the provider: the order becomes refunded and, unshipped, its stock returns. */
      completeRefund: async (ctx) => {
        const now = new Date(rt.now());
        const order = await loadOrder(ctx.params.id);
        if (order.status !== 'refunding') return { refunded: false };
        const done = await transitionOrder(em(), rt.log, {
          orderId: order.id,
          to: 'refunded',
          reason: 'refund_succeeded',
          actor: 'system',
          at: now,
          stamp: order.shipped_at ? ['refunded_at'] : ['refunded_at', 'stock_released_at'],
        });
        if (done && !order.shipped_at) await releaseStock(done.row);
        return { refunded: done !== null };
      },

      /** Runs the expiry sweep once (the timer calls it too); returns how many orders it cancelled. */
      expireDue: async (ctx) => ({
        cancelled: await expireDue(ctx),
      }),
    },
    events: {
      /** A group filled: its paid orders are ready to ship. */
      'group.succeeded': async (ctx) => {
        await onGroupSucceeded(groupOutcomes(ctx), ctx.params);
      },
      /** A group expired unfilled: its paid orders are refunded, its unpaid ones cancelled, now. */
      'group.failed': async (ctx) => {
        await onGroupFailed(groupOutcomes(ctx), ctx.params);
      },
    },
  });
}

/** What an operator's refund and the system's refunds take: an order not yet received. */
const REFUNDABLE: readonly OrderStatus[] = ['paid', 'shipped'];
/** An approved after-sale request also refunds a completed order (requested within AFTER_SALE_DAYS). */
const AFTER_SALE_REFUNDABLE: readonly OrderStatus[] = ['paid', 'shipped', 'completed'];

/** Moves an order of `from` to refunding and creates its refund record, in one transaction. */
async function transitionToRefunding(
  em: EntityManager,
  rt: Runtime,
  orderId: string,
  from: readonly OrderStatus[],
  reason: string,
  refundReason: string,
  actor: string,
  audit?: { meta: CallerMeta; input: AuditInput },
): Promise<{ row: OrderRow } | null> {
  return transitionOrder(em, rt.log, {
    orderId,
    to: 'refunding',
    from,
    reason,
    actor,
    // The refund record and the admin's audit entry commit with the transition, or none of them does.
    inTransaction: async (tx, row) => {
      await createRefund(tx, {
        orderId,
        outRefundNo: `rf_${orderId}`,
        amountFen: row.payable_fen,
        orderTotalFen: row.payable_fen,
        reason: refundReason,
      });
      if (audit) {
        persistAudit(tx, audit.meta, audit.input);
        await tx.flush();
      }
    },
  });
}

async function requestRefund(
  em: EntityManager,
  rt: Runtime,
  orderId: string,
  reason: string,
  refundReason: string,
  actor: string,
  audit?: { meta: CallerMeta; input: AuditInput },
): Promise<{ row: OrderRow }> {
  const done = await transitionToRefunding(em, rt, orderId, REFUNDABLE, reason, refundReason, actor, audit);
  if (!done) throw new AppError('INVALID_TRANSITION', 'Only a paid or shipped order can be refunded');
  return done;
}
