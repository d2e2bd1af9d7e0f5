import type { GroupEntry } from '../api-types';
import { api } from '../request';

export interface OpenGroupCommand {
  campaignId: string;
  requestId: string;
  admissionToken?: string;
}

/** `POST /api/groupbuy/:campaignId/groups` opens a group with the caller as leader in its first slot. */
export function dispatchOpenGroup(command: OpenGroupCommand): Promise<GroupEntry> {
  const data: Record<string, unknown> = { requestId: command.requestId };
  if (command.admissionToken) data.admissionToken = command.admissionToken;
  return api.request<GroupEntry>({
    method: 'POST',
    path: `/api/groupbuy/${encodeURIComponent(command.campaignId)}/groups`,
    data,
  });
}
