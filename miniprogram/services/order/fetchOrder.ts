import type { Order } from '../api-types';
import { api } from '../request';

/** `GET /api/orders/:id` (another shopper's order is NOT_FOUND). */
export function fetchOrder(orderId: string): Promise<Order> {
  return api.request<Order>({
    path: `/api/orders/${encodeURIComponent(orderId)}`,
  });
}
