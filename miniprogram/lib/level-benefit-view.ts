/**
 * A campaign's membership level benefits in the shopper's words, without `wx`: each level's line ("黄金会员提前
 * 10 分钟 · 限购 4 件"), and the shopper's own terms: their limit and their opening time, which their countdown
 * runs to (an early-access member's sale opens before the campaign's start; the gateway decides the same).
 */
import type { Campaign, MemberCard } from '../services/api-types';

export interface LevelBenefitLine {
  levelCode: string;
  text: string;
  mine: boolean;
}

export interface MyCampaignTerms {
  /** When this shopper may buy: the start, earlier by their level's early access. */
  opensAt: string;
  perUserLimit: number;
  /** "你是黄金会员：提前 10 分钟开抢，限购 4 件", or "" when the shopper's level has no benefit here. */
  notice: string;
  lines: LevelBenefitLine[];
}

/** "10 分钟", "2 小时", "1 小时 30 分钟". */
export function durationLabel(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} 分钟`;
  return m === 0 ? `${h} 小时` : `${h} 小时 ${m} 分钟`;
}

function gives(b: Campaign['levelBenefits'][number]): string[] {
  return [
    ...(b.earlyAccessMinutes ? [`提前 ${durationLabel(b.earlyAccessMinutes)}`] : []),
    ...(b.perUserLimit ? [`限购 ${b.perUserLimit} 件`] : []),
  ];
}

/**
 * The benefit lines and the shopper's own terms. `card` is the shopper's member card (names of the levels and
 * their own level); without it (not signed in, or not loaded) the lines name the level codes and the terms are
 * the campaign's own.
 */
export function myCampaignTerms(
  campaign: Pick<Campaign, 'startsAt' | 'perUserLimit' | 'levelBenefits'>,
  card: Pick<MemberCard, 'level' | 'levels'> | null,
): MyCampaignTerms {
  const nameOf = (code: string) => card?.levels.find((l) => l.code === code)?.name ?? code.toUpperCase();
  const myCode = card?.level.code;
  const lines = campaign.levelBenefits.map((b) => ({
    levelCode: b.levelCode,
    text: `${nameOf(b.levelCode)}${gives(b).join(' · ')}`,
    mine: b.levelCode === myCode,
  }));
  const mine = campaign.levelBenefits.find((b) => b.levelCode === myCode);
  if (!mine || !card) {
    return { opensAt: campaign.startsAt, perUserLimit: campaign.perUserLimit, notice: '', lines };
  }
  const early = mine.earlyAccessMinutes ?? 0;
  const terms = [
    ...(early > 0 ? [`提前 ${durationLabel(early)}开抢`] : []),
    ...(mine.perUserLimit ? [`限购 ${mine.perUserLimit} 件`] : []),
  ];
  return {
    opensAt: new Date(Date.parse(campaign.startsAt) - early * 60_000).toISOString(),
    perUserLimit: mine.perUserLimit ?? campaign.perUserLimit,
    notice: `你是${card.level.name}：${terms.join('，')}`,
    lines,
  };
}
