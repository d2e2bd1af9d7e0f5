import type { Coupon, CouponStatus } from '../api-types';
import { api } from '../request';

/** `GET /api/me/coupons?status=` → my coupons of one status (an unused one past its validity is expired). */
export async function fetchMyCoupons(status?: CouponStatus): Promise<Coupon[]> {
  return (await api.request<{ items: Coupon[] }>({ path: '/api/me/coupons', query: { status } })).items;
}
