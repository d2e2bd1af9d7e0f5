import type { GroupEntry } from '../api-types';
import { api } from '../request';

export interface JoinGroupCommand {
  groupId: string;
  requestId: string;
  admissionToken?: string;
}

/** `POST /api/groupbuy/groups/:groupId/members` takes a slot in someone's group. */
export function dispatchJoinGroup(command: JoinGroupCommand): Promise<GroupEntry> {
  const data: Record<string, unknown> = { requestId: command.requestId };
  if (command.admissionToken) data.admissionToken = command.admissionToken;
  return api.request<GroupEntry>({
    method: 'POST',
    path: `/api/groupbuy/groups/${encodeURIComponent(command.groupId)}/members`,
    data,
  });
}
