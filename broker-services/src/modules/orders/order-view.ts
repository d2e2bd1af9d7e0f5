/** Shapes order rows for shoppers and admins. */

import type { AddressSnapshot } from '../addresses/schemas.ts';
import type { AppliedCoupon } from '../coupons/schemas.ts';
import type { ShippingRecordView } from '../fulfilment/schemas.ts';
import type { OrderRow } from './order-machine.ts';
import type { AdminOrderView, OrderView } from './schemas.ts';

const iso = (d: Date | null | undefined): string | undefined => (d ? new Date(d).toISOString() : undefined);

/** A line of a regular order (`order_items`). */
export interface OrderLineRow {
  order_id: string;
  line: number;
  sku_id: string;
  product_id: string;
  title: string;
  sku_title: string;
  quantity: number;
  unit_price_fen: number;
}

export interface OrderExtras {
  lines?: OrderLineRow[];
  address?: AddressSnapshot;
  /** The coupon on each order that has one, by order id. */
  coupons?: ReadonlyMap<string, AppliedCoupon>;
  /** Admin views only. */
  shippingRecord?: ShippingRecordView;
  /** AFTER_SALE_DAYS: a completed order shows until when it takes refund requests. */
  afterSaleDays?: number;
}

/** When the after-sale period of an order completed at `completedAt` ends (AFTER_SALE_DAYS later). */
export function afterSaleEnds(completedAt: Date, afterSaleDays: number): Date {
  return new Date(new Date(completedAt).getTime() + afterSaleDays * 86400_000);
}

export function toOrderView(o: OrderRow, extras: OrderExtras = {}): OrderView {
  const lines = extras.lines?.filter((l) => l.order_id === o.id).sort((a, b) => a.line - b.line) ?? [];
  const coupon = extras.coupons?.get(o.id);
  return {
    id: o.id,
    status: o.status,
    ...(o.campaign_id ? { campaignId: o.campaign_id } : {}),
    kind: o.campaign_type,
    ...(o.group_id ? { groupId: o.group_id } : {}),
    items:
      lines.length > 0
        ? lines.map((l) => ({
            skuId: l.sku_id,
            title: l.title,
            skuTitle: l.sku_title,
            productId: l.product_id,
            quantity: l.quantity,
            unitPriceFen: l.unit_price_fen,
          }))
        : [{ skuId: o.sku_id, title: o.title, quantity: o.quantity, unitPriceFen: o.unit_price_fen }],
    totalFen: o.total_fen,
    itemsFen: o.total_fen,
    discountFen: o.discount_fen ?? 0,
    pointsUsed: o.points_used ?? 0,
    payableFen: o.payable_fen ?? o.total_fen,
    ...(coupon ? { coupon } : {}),
    ...(extras.address ? { address: extras.address } : {}),
    createdAt: iso(o.created_at)!,
    expiresAt: iso(o.expires_at)!,
    ...(o.payment_started_at ? { paymentStartedAt: iso(o.payment_started_at) } : {}),
    ...(o.paid_at ? { paidAt: iso(o.paid_at) } : {}),
    ...(o.cancelled_at ? { cancelledAt: iso(o.cancelled_at) } : {}),
    ...(o.shipped_at ? { shippedAt: iso(o.shipped_at) } : {}),
    ...(o.completed_at ? { completedAt: iso(o.completed_at) } : {}),
    ...(o.completed_at && o.status === 'completed' && extras.afterSaleDays !== undefined
      ? { afterSaleUntil: iso(afterSaleEnds(o.completed_at, extras.afterSaleDays)) }
      : {}),
    ...(o.refunded_at ? { refundedAt: iso(o.refunded_at) } : {}),
    ...(o.tracking_no ? { trackingNo: o.tracking_no } : {}),
  };
}

export function toAdminOrderView(
  o: OrderRow,
  transitions?: AdminOrderView['transitions'],
  extras: OrderExtras = {},
): AdminOrderView {
  return {
    ...toOrderView(o, extras),
    userId: o.user_id,
    dryRun: o.dry_run,
    ...(transitions ? { transitions } : {}),
    ...(extras.shippingRecord ? { shippingRecord: extras.shippingRecord } : {}),
  };
}
