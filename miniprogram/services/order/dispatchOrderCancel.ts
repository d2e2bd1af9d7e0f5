import type { Order } from '../api-types';
import { api } from '../request';

/** `POST /api/orders/:id/cancel` → the order, cancelled; its stock goes back to the campaign. */
export function dispatchOrderCancel(orderId: string): Promise<Order> {
  return api.request<Order>({
    method: 'POST',
    path: `/api/orders/${encodeURIComponent(orderId)}/cancel`,
  });
}
