import type { RefundRequest, RefundRequestInput } from '../api-types';
import { api } from '../request';

/** `POST /api/orders/:id/refund-requests {kind, reason}` → the after-sale request, `pending` until decided. */
export function dispatchRefundRequest(orderId: string, input: RefundRequestInput): Promise<RefundRequest> {
  return api.request<RefundRequest>({
    method: 'POST',
    path: `/api/orders/${encodeURIComponent(orderId)}/refund-requests`,
    data: { ...input },
  });
}
