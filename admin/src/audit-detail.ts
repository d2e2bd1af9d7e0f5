/**
 * The audit log in words: an action code (`campaign.kill_switch.on`) as the operator's sentence, and an entry's
 * detail as labelled values (money in yuan, times in the console's date format, yes/no) instead of raw JSON.
 */
import { formatDateTime } from './dates.ts';
import type { MessageKey } from './i18n/messages.ts';
import { formatFen } from './money.ts';

type Translate = (key: MessageKey) => string;

/** Action codes with a name in the texts; others are shown as their code. */
export const AUDIT_ACTIONS = [
  'admin.create',
  'admin.update',
  'admin.login_failed',
  'address.reveal',
  'campaign.create',
  'campaign.update',
  'campaign.stop',
  'campaign.kill_switch.on',
  'campaign.kill_switch.off',
  'campaign.prewarm',
  'campaign.waiting_room',
  'category.create',
  'category.update',
  'category.delete',
  'coupon.issue',
  'coupon_template.create',
  'coupon_template.update',
  'coupon_template.stop',
  'group.robot_fill',
  'order.ship',
  'order.refund',
  'member_levels.update',
  'order.address.reveal',
  'points.adjust',
  'points.rules.update',
  'points_mall.item.create',
  'points_mall.item.update',
  'product.create',
  'product.update',
  'refund_request.approve',
  'refund_request.reject',
  'refund_request.return',
  'sku.stock_adjust',
] as const;

/** Detail fields with a label in the texts; others are labelled with their key. */
export const AUDIT_FIELDS = [
  'type',
  'title',
  'skuId',
  'priceFen',
  'startsAt',
  'endsAt',
  'stockTotal',
  'perUserLimit',
  'stockBuckets',
  'groupSize',
  'groupTtlSeconds',
  'dryRun',
  'robotFill',
  'enabled',
  'admissionRatePerSecond',
  'verified',
  'username',
  'role',
  'disabled',
  'trackingNo',
  'carrier',
  'reason',
  'skus',
  'fields',
  'campaignId',
  'missing',
  'paidMembers',
  'delta',
  'stock',
  'productId',
  'name',
  'parentId',
  'sortOrder',
] as const;

const isKnown = <T extends string>(list: readonly T[], value: string): value is T =>
  (list as readonly string[]).includes(value);

/** The action's name in the current language, or its code when it has none. */
export function auditActionLabel(action: string, t: Translate): string {
  return isKnown(AUDIT_ACTIONS, action) ? t(`audit.action.${action}`) : action;
}

function fieldLabel(key: string, t: Translate): string {
  return isKnown(AUDIT_FIELDS, key) ? t(`audit.field.${key}`) : key;
}

/** One labelled value of a detail. */
export interface DetailLine {
  label: string;
  value: string;
}

function describeValue(key: string, value: unknown, t: Translate): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'boolean') return value ? t('common.yes') : t('common.no');
  if (typeof value === 'number' && /Fen$/.test(key)) return formatFen(value);
  if (typeof value === 'string' && /At$/.test(key) && !Number.isNaN(Date.parse(value)))
    return formatDateTime(value);
  if (Array.isArray(value)) {
    return value.map((v) => fieldLabel(String(v), t)).join(', ');
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${describeValue(k, v, t)}`)
      .join(', ');
  }
  return String(value);
}

/** The detail as labelled lines, in the order the server wrote them; empty for no detail. */
export function describeAuditDetail(detail: unknown, t: Translate): DetailLine[] {
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    return detail === null || detail === undefined ? [] : [{ label: '', value: String(detail) }];
  }
  return Object.entries(detail as Record<string, unknown>).map(([key, value]) => ({
    label: fieldLabel(key, t),
    value: describeValue(key, value, t),
  }));
}
