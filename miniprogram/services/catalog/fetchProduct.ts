import type { ShopProduct } from '../api-types';
import { api } from '../request';

/** `GET /api/products/:id` → the product with its SKUs' stock and any live campaign price; off sale is NOT_FOUND. */
export function fetchProduct(productId: string): Promise<ShopProduct> {
  return api.request<ShopProduct>({ path: `/api/products/${encodeURIComponent(productId)}`, auth: false });
}
