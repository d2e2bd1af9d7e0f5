/**
 * What the member card shows, without `wx`: my level and its discount in the shopper's words, how far the next
 * level is, and every level with what it gives.
 */
import type { MemberCard, MemberLevel } from '../services/api-types';

/** "95 折" for 5% off; "" without a discount. */
export function discountLabel(discountPercent: number): string {
  if (discountPercent <= 0) return '';
  const tenths = 100 - discountPercent;
  return `${tenths % 10 === 0 ? tenths / 10 : tenths} 折`;
}

export interface LevelRowView {
  code: string;
  name: string;
  /** "成长值 1000"; "入会即享" for the lowest level. */
  requirement: string;
  /** "会员价 95 折 · 生日礼", or "基础会员权益". */
  gives: string;
  current: boolean;
}

export interface MemberCardView {
  levelName: string;
  /** "会员价 95 折" or "". */
  discount: string;
  growth: number;
  /** 0–100, the width of the progress bar. */
  progressPercent: number;
  /** "再获得 200 成长值升级为黄金会员", or "已是最高等级". */
  next: string;
  benefits: string[];
  levels: LevelRowView[];
}

function levelRow(level: MemberLevel, currentCode: string): LevelRowView {
  const discount = discountLabel(level.discountPercent);
  const gives = [...new Set([...(discount ? [`会员价 ${discount}`] : []), ...level.benefits])];
  return {
    code: level.code,
    name: level.name,
    requirement: level.threshold === 0 ? '入会即享' : `成长值 ${level.threshold}`,
    gives: gives.length > 0 ? gives.join(' · ') : '基础会员权益',
    current: level.code === currentCode,
  };
}

export function memberCardView(card: MemberCard): MemberCardView {
  const discount = discountLabel(card.level.discountPercent);
  return {
    levelName: card.level.name,
    discount: discount ? `会员价 ${discount}` : '',
    growth: card.growth,
    progressPercent: card.progressPercent,
    next: card.nextLevel
      ? `再获得 ${card.growthToNext ?? 0} 成长值升级为${card.nextLevel.name}`
      : '已是最高等级',
    benefits: card.benefits,
    levels: card.levels.map((l) => levelRow(l, card.level.code)),
  };
}
