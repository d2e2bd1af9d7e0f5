import type { Admission } from '../api-types';
import { api } from '../request';

/**
 * `POST /api/campaigns/:id/admission` → an admission token for a campaign whose waiting room is on.
 * Rejects with ApiError `QUEUED` (429, `Retry-After`, `details.queuePosition`) while the shopper waits.
 */
export function dispatchAdmission(campaignId: string): Promise<Admission> {
  return api.request<Admission>({
    method: 'POST',
    path: `/api/campaigns/${encodeURIComponent(campaignId)}/admission`,
  });
}
