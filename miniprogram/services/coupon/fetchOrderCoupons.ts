import type { ApplicableCoupons } from '../api-types';
import { api } from '../request';

/**
 * `GET /api/orders/:id/coupons` → my coupons for my unpaid seckill or group-buy order at its campaign price, best
 * first, with what each takes off (the one the order holds among them).
 */
export function fetchOrderCoupons(orderId: string): Promise<ApplicableCoupons> {
  return api.request<ApplicableCoupons>({ path: `/api/orders/${encodeURIComponent(orderId)}/coupons` });
}
