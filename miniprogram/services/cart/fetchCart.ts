import type { Cart } from '../api-types';
import { api } from '../request';

/** `GET /api/cart` → my cart at today's prices; lines off sale or short of stock are not `available`. */
export function fetchCart(): Promise<Cart> {
  return api.request<Cart>({ path: '/api/cart' });
}
