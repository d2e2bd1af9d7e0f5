import type { Redemption } from '../api-types';
import { api } from '../request';

/** `GET /api/me/points-mall/redemptions` → what I redeemed in the points mall, newest first. */
export async function fetchRedemptions(limit = 50): Promise<Redemption[]> {
  return (
    await api.request<{ items: Redemption[]; nextCursor?: string }>({
      path: '/api/me/points-mall/redemptions',
      query: { limit },
    })
  ).items;
}
