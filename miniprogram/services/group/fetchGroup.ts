import type { Group } from '../api-types';
import { api } from '../request';

/** `GET /api/groupbuy/groups/:groupId`: members, slots taken, status, expiry. */
export function fetchGroup(groupId: string): Promise<Group> {
  return api.request<Group>({
    path: `/api/groupbuy/groups/${encodeURIComponent(groupId)}`,
  });
}
