import type { Order } from '../api-types';
import { api } from '../request';

/** `DELETE /api/orders/:id/coupon` → my unpaid campaign order without a coupon (it goes back to my coupons). */
export function dispatchRemoveOrderCoupon(orderId: string): Promise<Order> {
  return api.request<Order>({ method: 'DELETE', path: `/api/orders/${encodeURIComponent(orderId)}/coupon` });
}
