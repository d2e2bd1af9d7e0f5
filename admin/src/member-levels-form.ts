/** The member levels form's values and the request they make (benefits one a line), without React. */
import type { MemberLevels, MemberLevelsInput } from './api/types.ts';

export interface LevelForm {
  code: string;
  name: string;
  threshold: number;
  discountPercent: number;
  /** One benefit a line. */
  benefits?: string;
  /** The coupon template (`cpt_…`) its members get each month; empty: none. */
  monthlyCouponTemplateId?: string;
  /** The coupon template (`cpt_…`) a shopper gets on reaching the level (升级礼); empty: none. */
  levelUpCouponTemplateId?: string;
}
export interface LevelsForm {
  windowDays: number;
  levels: LevelForm[];
}

/** The form's values from the server's levels. */
export function toLevelsForm(data: MemberLevels): LevelsForm {
  return {
    windowDays: data.windowDays,
    levels: data.levels.map((l) => ({
      code: l.code,
      name: l.name,
      threshold: l.threshold,
      discountPercent: l.discountPercent,
      benefits: l.benefits.join('\n'),
      monthlyCouponTemplateId: l.monthlyCouponTemplateId ?? '',
      levelUpCouponTemplateId: l.levelUpCouponTemplateId ?? '',
    })),
  };
}

/** The request from the form: benefits one a line, blank lines dropped. */
export function fromLevelsForm(v: LevelsForm): MemberLevelsInput {
  return {
    windowDays: v.windowDays,
    levels: v.levels.map((l) => ({
      code: l.code.trim(),
      name: l.name.trim(),
      threshold: l.threshold,
      discountPercent: l.discountPercent,
      benefits: (l.benefits ?? '')
        .split('\n')
        .map((b) => b.trim())
        .filter((b) => b.length > 0),
      monthlyCouponTemplateId: l.monthlyCouponTemplateId?.trim() || null,
      levelUpCouponTemplateId: l.levelUpCouponTemplateId?.trim() || null,
    })),
  };
}
