import type { Campaign } from '../api-types';
import { api } from '../request';

/** `GET /api/campaigns/:id`. */
export function fetchCampaign(campaignId: string): Promise<Campaign> {
  return api.request<Campaign>({ path: `/api/campaigns/${encodeURIComponent(campaignId)}` });
}
