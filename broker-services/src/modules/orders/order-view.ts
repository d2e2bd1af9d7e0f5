/** Shapes order rows for shoppers and admins. */

import type { OrderRow } from './order-machine.ts';
import type { AdminOrderView, OrderView } from './schemas.ts';

const iso = (d: Date | null | undefined): string | undefined => (d ? new Date(d).toISOString() : undefined);

export function toOrderView(o: OrderRow): OrderView {
  return {
    id: o.id,
    status: o.status,
    campaignId: o.campaign_id,
    ...(o.group_id ? { groupId: o.group_id } : {}),
    items: [{ skuId: o.sku_id, title: o.title, quantity: o.quantity, unitPriceFen: o.unit_price_fen }],
    totalFen: o.total_fen,
    createdAt: iso(o.created_at)!,
    expiresAt: iso(o.expires_at)!,
    ...(o.paid_at ? { paidAt: iso(o.paid_at) } : {}),
    ...(o.cancelled_at ? { cancelledAt: iso(o.cancelled_at) } : {}),
    ...(o.shipped_at ? { shippedAt: iso(o.shipped_at) } : {}),
    ...(o.refunded_at ? { refundedAt: iso(o.refunded_at) } : {}),
    ...(o.tracking_no ? { trackingNo: o.tracking_no } : {}),
  };
}

export function toAdminOrderView(o: OrderRow, transitions?: AdminOrderView['transitions']): AdminOrderView {
  return { ...toOrderView(o), userId: o.user_id, dryRun: o.dry_run, ...(transitions ? { transitions } : {}) };
}
