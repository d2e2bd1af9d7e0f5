import type { Order } from '../api-types';
import { api } from '../request';

/** `GET /api/orders/:id` (another shopper's order is NOT_FOUND). */
export async function fetchOrder(orderId: string): Promise<Order> {
  const res = await api.request<Order | { order: Order }>({
    path: `/api/orders/${encodeURIComponent(orderId)}`,
  });
  return 'order' in res ? res.order : res;
}
