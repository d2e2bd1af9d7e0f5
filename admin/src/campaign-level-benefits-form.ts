/** A campaign's membership level benefits as the campaign form edits them, and the request they make. */
import type { Campaign, CreateCampaignRequest } from './api/types.ts';

type LevelBenefits = NonNullable<CreateCampaignRequest['levelBenefits']>;

export interface LevelBenefitForm {
  levelCode?: string;
  /** Empty: the campaign's own limit. */
  perUserLimit?: number | null;
  /** Empty: no early access. */
  earlyAccessMinutes?: number | null;
}

/** The form's rows from a campaign's benefits. */
export function toLevelBenefitsForm(campaign: Pick<Campaign, 'levelBenefits'>): LevelBenefitForm[] {
  return campaign.levelBenefits.map((b) => ({
    levelCode: b.levelCode,
    perUserLimit: b.perUserLimit ?? null,
    earlyAccessMinutes: b.earlyAccessMinutes ?? null,
  }));
}

/**
 * The request's benefits from the form's rows: a row without a level, or with neither a limit nor early access,
 * says nothing and is left out (the server checks the rest: the limit against the campaign's, the level exists).
 */
export function fromLevelBenefitsForm(rows: readonly LevelBenefitForm[] | undefined): LevelBenefits {
  const out: LevelBenefits = [];
  for (const r of rows ?? []) {
    if (!r.levelCode) continue;
    const limit = r.perUserLimit ?? undefined;
    const early = r.earlyAccessMinutes ?? undefined;
    if (limit === undefined && early === undefined) continue;
    out.push({
      levelCode: r.levelCode,
      ...(limit !== undefined ? { perUserLimit: limit } : {}),
      ...(early !== undefined ? { earlyAccessMinutes: early } : {}),
    });
  }
  return out;
}
