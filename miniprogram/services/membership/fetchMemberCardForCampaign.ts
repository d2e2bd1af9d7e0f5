import type { Campaign, MemberCard } from '../api-types';
import { fetchMemberCard } from './fetchMemberCard';

/**
 * `GET /api/me/membership`, only for a campaign with level benefits (to show the shopper's own terms). Null
 * otherwise, or when it fails: the page then shows the campaign's own terms, which never promise too much.
 */
export async function fetchMemberCardForCampaign(campaign: Campaign): Promise<MemberCard | null> {
  if (campaign.levelBenefits.length === 0) return null;
  try {
    return await fetchMemberCard();
  } catch {
    return null;
  }
}
