import type { Order } from '../api-types';
import { api } from '../request';

/** `POST /api/orders/:id/receipt` → the order, `completed` (确认收货 of a shipped order). */
export function dispatchReceipt(orderId: string): Promise<Order> {
  return api.request<Order>({ method: 'POST', path: `/api/orders/${encodeURIComponent(orderId)}/receipt` });
}
