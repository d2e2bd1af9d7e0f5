import type { Campaign } from '../services/api-types';
import { type CampaignPhase, campaignPhase } from './countdown';
import { discountLabel } from './money';

export interface CampaignCardView {
  phase: CampaignPhase;
  typeLabel: string;
  discount: string;
  soldPercent: number;
  soldOut: boolean;
  countdownTarget: string;
  countdownPrefix: string;
  url: string;
}

/** What the card shows for a campaign at server time `nowMs`. */
export function campaignCardView(campaign: Campaign, nowMs: number): CampaignCardView {
  const phase: CampaignPhase = campaignPhase(campaign, nowMs);
  const sold = Math.max(0, campaign.stockTotal - campaign.stockLeft);
  const soldPercent = campaign.stockTotal > 0 ? Math.floor((sold * 100) / campaign.stockTotal) : 0;
  return {
    phase,
    typeLabel: campaign.type === 'groupbuy' ? `${campaign.groupSize ?? 2}人团` : '秒杀',
    discount: discountLabel(campaign.priceFen, campaign.originalPriceFen),
    soldPercent,
    soldOut: phase === 'live' && campaign.stockLeft <= 0,
    countdownTarget: phase === 'upcoming' ? campaign.startsAt : phase === 'live' ? campaign.endsAt : '',
    countdownPrefix: phase === 'upcoming' ? '距开始' : '距结束',
    url:
      campaign.type === 'groupbuy'
        ? `/pages/group/campaign/index?id=${encodeURIComponent(campaign.id)}`
        : `/pages/seckill/detail/index?id=${encodeURIComponent(campaign.id)}`,
  };
}

/** The home page's two lists at server time `nowMs`: live (ending soonest first) and upcoming (soonest first). */
export function splitCampaigns(
  campaigns: Campaign[],
  nowMs: number,
): { live: Campaign[]; upcoming: Campaign[] } {
  const live: Campaign[] = [];
  const upcoming: Campaign[] = [];
  for (const campaign of campaigns) {
    const phase = campaignPhase(campaign, nowMs);
    if (phase === 'live') live.push(campaign);
    else if (phase === 'upcoming') upcoming.push(campaign);
  }
  live.sort((a, b) => Date.parse(a.endsAt) - Date.parse(b.endsAt));
  upcoming.sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
  return { live, upcoming };
}
