import type { RefundRequest } from '../api-types';
import { api } from '../request';

/** `GET /api/orders/:id/refund-requests` → my after-sale requests of this order, newest first, with the decision. */
export async function fetchRefundRequests(orderId: string): Promise<RefundRequest[]> {
  return (
    await api.request<{ items: RefundRequest[] }>({
      path: `/api/orders/${encodeURIComponent(orderId)}/refund-requests`,
    })
  ).items;
}
