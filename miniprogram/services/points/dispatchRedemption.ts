import type { RedemptionResponse } from '../api-types';
import { api } from '../request';

/**
 * `POST /api/points-mall/items/:id/redemptions {requestId}` → 201 the redemption. The points and the unit are taken
 * together; a resend with the same `requestId` answers the first redemption, never a second one. Refusals:
 * 409 `SOLD_OUT`, `INSUFFICIENT_POINTS`, `LIMIT_EXCEEDED`.
 */
export function dispatchRedemption(itemId: string, requestId: string): Promise<RedemptionResponse> {
  return api.request<RedemptionResponse>({
    method: 'POST',
    path: `/api/points-mall/items/${encodeURIComponent(itemId)}/redemptions`,
    data: { requestId },
  });
}
