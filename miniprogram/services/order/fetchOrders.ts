import type { Order, OrderPage } from '../api-types';
import { api } from '../request';

/** `GET /api/orders[?cursor=]` → my orders, newest first, one page at a time. */
export async function fetchOrders(cursor?: string | null, limit = 20): Promise<OrderPage> {
  const res = await api.request<{ items: Order[]; nextCursor?: string | null }>({
    path: '/api/orders',
    query: { cursor, limit },
  });
  return { items: res.items, nextCursor: res.nextCursor ?? null };
}
