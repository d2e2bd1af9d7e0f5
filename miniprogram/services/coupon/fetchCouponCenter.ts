import type { CouponTemplate } from '../api-types';
import { api } from '../request';

/** `GET /api/coupons` → the coupon center: coupons to claim now or soon, with their claim window. */
export async function fetchCouponCenter(): Promise<CouponTemplate[]> {
  return (await api.request<{ items: CouponTemplate[] }>({ path: '/api/coupons' })).items;
}
