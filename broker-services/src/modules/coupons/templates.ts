/**
 * Coupon templates: their row, the rules a new one must meet, the views, when a claimed coupon is valid, and the
 * hot-path definition of a claimable one (a campaign of type `coupon`: total = stock, one unit per claim).
 */
import type { CampaignDef } from '@tuanmiao/hot-path';
import { AppError } from '../../errors.ts';
import type {
  AdminCouponTemplateView,
  CouponKind,
  CouponScope,
  CouponTemplateStats,
  CouponTemplateView,
  CreateCouponTemplateBody,
  TemplateStatus,
} from './schemas.ts';

export interface TemplateRow {
  id: string;
  name: string;
  description: string;
  kind: CouponKind;
  amount_off_fen: number | null;
  percent_off: number | null;
  max_off_fen: number | null;
  min_spend_fen: number;
  scope: CouponScope;
  scope_ids: string[];
  total: number;
  per_user_limit: number;
  claim_starts_at: Date;
  claim_ends_at: Date;
  valid_days: number | null;
  valid_from: Date | null;
  valid_until: Date | null;
  combines_with_seckill: boolean;
  combines_with_groupbuy: boolean;
  returned_on_refund: boolean;
  claimable: boolean;
  issue_on: 'new_member' | 'group_failed' | null;
  stopped_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const DAY_MS = 86_400_000;

/** A template row as the driver returns it (times as text through MikroORM's raw queries), with Dates. */
export function templateRow(raw: TemplateRow): TemplateRow {
  const at = (v: Date | string) => (v instanceof Date ? v : new Date(v));
  const maybe = (v: Date | string | null) => (v === null ? null : at(v));
  return {
    ...raw,
    claim_starts_at: at(raw.claim_starts_at),
    claim_ends_at: at(raw.claim_ends_at),
    valid_from: maybe(raw.valid_from),
    valid_until: maybe(raw.valid_until),
    stopped_at: maybe(raw.stopped_at),
    created_at: at(raw.created_at),
    updated_at: at(raw.updated_at),
  };
}

/** The rules of a new template beyond its schema: the fields its kind needs, a window, one kind of validity. */
export function checkNewTemplate(b: CreateCouponTemplateBody): void {
  const bad = (field: string, message: string): never => {
    throw new AppError('VALIDATION_FAILED', message, { field });
  };
  if (b.kind === 'amount_off') {
    if (b.amountOffFen === undefined) bad('amountOffFen', 'amount_off needs amountOffFen');
    if ((b.minSpendFen ?? 0) <= (b.amountOffFen ?? 0))
      bad('minSpendFen', 'minSpendFen must exceed amountOffFen');
    if (b.percentOff !== undefined) bad('percentOff', 'amount_off takes no percentOff');
  } else if (b.kind === 'percent_off') {
    if (b.percentOff === undefined) bad('percentOff', 'percent_off needs percentOff');
    if (b.amountOffFen !== undefined) bad('amountOffFen', 'percent_off takes no amountOffFen');
  } else {
    if (b.amountOffFen === undefined) bad('amountOffFen', 'no_threshold needs amountOffFen');
    if (b.percentOff !== undefined) bad('percentOff', 'no_threshold takes no percentOff');
    if ((b.minSpendFen ?? 0) !== 0) bad('minSpendFen', 'no_threshold has no minimum spend');
  }
  if (Date.parse(b.claimEndsAt) <= Date.parse(b.claimStartsAt))
    bad('claimEndsAt', 'claimEndsAt must be after claimStartsAt');
  if ((b.validDays === undefined) === (b.validUntil === undefined))
    bad('validDays', 'give either validDays or validUntil');
  if (b.validFrom !== undefined && b.validUntil === undefined)
    bad('validFrom', 'validFrom goes with validUntil');
  // A coupon claimed at the last moment of the window must still be usable: fixed validity outlasts the window.
  if (b.validUntil !== undefined && Date.parse(b.validUntil) <= Date.parse(b.claimEndsAt))
    bad('validUntil', 'validUntil must be after the end of the claim window');
  if (
    b.validFrom !== undefined &&
    b.validUntil !== undefined &&
    Date.parse(b.validFrom) >= Date.parse(b.validUntil)
  )
    bad('validFrom', 'validFrom must be before validUntil');
  if ((b.scope ?? 'all') === 'all' ? (b.scopeIds ?? []).length > 0 : (b.scopeIds ?? []).length === 0)
    bad(
      'scopeIds',
      'scopeIds lists the products or categories of a scoped coupon, and nothing for scope all',
    );
  const prefix = b.scope === 'products' ? 'prd_' : b.scope === 'categories' ? 'cat_' : undefined;
  if (prefix && (b.scopeIds ?? []).some((id) => !id.startsWith(prefix)))
    bad('scopeIds', `scope ${b.scope} takes ${prefix} ids`);
  if (b.issueOn !== undefined && b.claimable === true)
    bad('claimable', 'a gift the system issues is not claimed');
}

/** When a coupon of this template, claimed or issued at `atMs`, is valid: fixed dates or N days from then. */
export function validityOf(t: TemplateRow, atMs: number): { validFrom: Date; validUntil: Date } {
  if (t.valid_days !== null)
    return { validFrom: new Date(atMs), validUntil: new Date(atMs + t.valid_days * DAY_MS) };
  return { validFrom: t.valid_from ?? new Date(atMs), validUntil: t.valid_until ?? new Date(atMs) };
}

export function templateStatus(t: TemplateRow, nowMs: number): TemplateStatus {
  if (t.stopped_at) return 'stopped';
  if (nowMs < t.claim_starts_at.getTime()) return 'scheduled';
  if (nowMs >= t.claim_ends_at.getTime()) return 'ended';
  return 'live';
}

/** The hot-path definition of a claimable template: claims are reservations of one unit of a `coupon` campaign. */
export function toClaimDefinition(t: TemplateRow): CampaignDef & { type: 'coupon' } {
  return {
    id: t.id,
    type: 'coupon',
    title: t.name,
    skuId: '',
    priceFen: 0,
    startsAtMs: t.claim_starts_at.getTime(),
    endsAtMs: t.claim_ends_at.getTime(),
    stockTotal: t.total,
    perUserLimit: t.per_user_limit,
    stopped: t.stopped_at !== null,
    killSwitch: false,
    dryRun: false,
  };
}

const iso = (d: Date) => d.toISOString();

export function toTemplateView(t: TemplateRow, left: number, nowMs: number): CouponTemplateView {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    kind: t.kind,
    ...(t.amount_off_fen !== null ? { amountOffFen: t.amount_off_fen } : {}),
    ...(t.percent_off !== null ? { percentOff: t.percent_off } : {}),
    ...(t.max_off_fen !== null ? { maxOffFen: t.max_off_fen } : {}),
    minSpendFen: t.min_spend_fen,
    scope: t.scope,
    scopeIds: t.scope_ids,
    total: t.total,
    left,
    perUserLimit: t.per_user_limit,
    claimStartsAt: iso(t.claim_starts_at),
    claimEndsAt: iso(t.claim_ends_at),
    ...(t.valid_days !== null ? { validDays: t.valid_days } : {}),
    ...(t.valid_from !== null ? { validFrom: iso(t.valid_from) } : {}),
    ...(t.valid_until !== null ? { validUntil: iso(t.valid_until) } : {}),
    status: templateStatus(t, nowMs),
  };
}

export function toAdminTemplateView(
  t: TemplateRow,
  stats: CouponTemplateStats,
  nowMs: number,
): AdminCouponTemplateView {
  return {
    ...toTemplateView(t, stats.left, nowMs),
    combinesWithSeckill: t.combines_with_seckill,
    combinesWithGroupbuy: t.combines_with_groupbuy,
    returnedOnRefund: t.returned_on_refund,
    claimable: t.claimable,
    ...(t.issue_on ? { issueOn: t.issue_on } : {}),
    createdAt: iso(t.created_at),
    stats,
  };
}
