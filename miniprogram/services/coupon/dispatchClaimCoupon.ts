import type { CouponClaim } from '../api-types';
import { api } from '../request';

/**
 * `POST /api/coupons/:templateId/claims` → the coupon claimed (抢券). The `requestId` is made once per tap on
 * "立即领取" and reused by its retries: a lost answer never claims a second coupon.
 */
export async function dispatchClaimCoupon(
  templateId: string,
  requestId: string,
): Promise<CouponClaim['coupon']> {
  const res = await api.request<CouponClaim>({
    method: 'POST',
    path: `/api/coupons/${templateId}/claims`,
    data: { requestId },
  });
  return res.coupon;
}
