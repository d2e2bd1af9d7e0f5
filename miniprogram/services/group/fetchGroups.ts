import type { Group } from '../api-types';
import { api } from '../request';

/** `GET /api/groupbuy/:campaignId/groups` → the forming groups one may join, closest to full first. */
export async function fetchGroups(campaignId: string): Promise<Group[]> {
  const res = await api.request<{ items: Group[] }>({
    path: `/api/groupbuy/${encodeURIComponent(campaignId)}/groups`,
  });
  return res.items;
}
