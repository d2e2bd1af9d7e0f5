import type { Campaign, CampaignType } from '../api-types';
import { api } from '../request';

/** `GET /api/campaigns[?type=]` → campaigns, live and upcoming among them. */
export async function fetchCampaigns(type?: CampaignType): Promise<Campaign[]> {
  const res = await api.request<{ items: Campaign[] }>({ path: '/api/campaigns', query: { type } });
  return res.items;
}
