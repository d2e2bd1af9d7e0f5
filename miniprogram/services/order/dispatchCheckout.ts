import type { CheckoutRequest, Order } from '../api-types';
import { api } from '../request';

/**
 * `POST /api/orders` → the new order at the regular price, stock taken for every item or none (SOLD_OUT names
 * the SKU). The `requestId` is made once per tap on "提交订单" and reused by its retries: never two orders.
 */
export async function dispatchCheckout(command: CheckoutRequest): Promise<Order> {
  const res = await api.request<{ order: Order }>({
    method: 'POST',
    path: '/api/orders',
    data: { ...command, items: command.items.map((i) => ({ skuId: i.skuId, quantity: i.quantity })) },
  });
  return res.order;
}
