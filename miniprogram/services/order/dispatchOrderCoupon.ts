import type { Order } from '../api-types';
import { api } from '../request';

/**
 * `PUT /api/orders/:id/coupon {couponId}` → my unpaid seckill or group-buy order with that coupon on it (the one
 * it held goes back to my coupons) and its new payable amount. PUT: sent again, the same state.
 */
export function dispatchOrderCoupon(orderId: string, couponId: string): Promise<Order> {
  return api.request<Order>({
    method: 'PUT',
    path: `/api/orders/${encodeURIComponent(orderId)}/coupon`,
    data: { couponId },
  });
}
