import type { ApplicableCoupons } from '../api-types';
import { api } from '../request';

/** `POST /api/me/coupons/applicable` → my coupons that apply to these items, best first, with their discount. */
export function fetchApplicableCoupons(
  items: ReadonlyArray<{ skuId: string; quantity: number }>,
): Promise<ApplicableCoupons> {
  return api.request<ApplicableCoupons>({
    method: 'POST',
    path: '/api/me/coupons/applicable',
    data: { items: items.map((i) => ({ skuId: i.skuId, quantity: i.quantity })) },
  });
}
