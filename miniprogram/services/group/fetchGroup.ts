import type { Group } from '../api-types';
import { api } from '../request';

/** `GET /api/groupbuy/groups/:groupId`: members, slots taken, status, expiry. */
export async function fetchGroup(groupId: string): Promise<Group> {
  const res = await api.request<Group | { group: Group }>({
    path: `/api/groupbuy/groups/${encodeURIComponent(groupId)}`,
  });
  return 'group' in res ? res.group : res;
}
