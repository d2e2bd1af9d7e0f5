import type { Order } from '../api-types';
import { api } from '../request';

/** `POST /api/orders/:id/cancel` → the order, cancelled; its stock goes back to the campaign. */
export async function dispatchOrderCancel(orderId: string): Promise<Order> {
  const res = await api.request<Order | { order: Order }>({
    method: 'POST',
    path: `/api/orders/${encodeURIComponent(orderId)}/cancel`,
  });
  return 'order' in res ? res.order : res;
}
