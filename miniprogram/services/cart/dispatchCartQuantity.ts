import type { Cart } from '../api-types';
import { api } from '../request';

/**
 * `PUT /api/cart/items/:skuId {quantity}` → the cart: sets (not adds) how many of a SKU are in it, so a resent
 * request lands in the same state; 0 removes the line.
 */
export function dispatchCartQuantity(skuId: string, quantity: number): Promise<Cart> {
  return api.request<Cart>({
    method: 'PUT',
    path: `/api/cart/items/${encodeURIComponent(skuId)}`,
    data: { quantity },
  });
}
