import type { MallItem } from '../api-types';
import { api } from '../request';

/** `GET /api/points-mall/items` → the items on offer now, with their points cost, stock left and limit. */
export async function fetchMallItems(): Promise<MallItem[]> {
  return (await api.request<{ items: MallItem[] }>({ path: '/api/points-mall/items' })).items;
}
