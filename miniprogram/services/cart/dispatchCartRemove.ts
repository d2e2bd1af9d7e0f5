import type { Cart } from '../api-types';
import { api } from '../request';

/** `DELETE /api/cart/items/:skuId` → the cart without that SKU. */
export function dispatchCartRemove(skuId: string): Promise<Cart> {
  return api.request<Cart>({ method: 'DELETE', path: `/api/cart/items/${encodeURIComponent(skuId)}` });
}
