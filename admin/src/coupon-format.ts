/** How the console writes a coupon template's value and its redemption rate. */
import type { AdminCouponTemplate } from './api/types.ts';
import type { MessageKey } from './i18n/messages.ts';
import { formatFen } from './money.ts';

type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** 满100减20 / 8折（最高 ¥15.00）/ 无门槛减 ¥5.00, in the console's language. */
export function couponValue(
  c: Pick<AdminCouponTemplate, 'kind' | 'amountOffFen' | 'percentOff' | 'maxOffFen' | 'minSpendFen'>,
  t: Translate,
): string {
  if (c.kind === 'percent_off') {
    const text = t('coupons.valuePercent', { percent: c.percentOff ?? 0 });
    const cap = c.maxOffFen !== undefined ? t('coupons.valueCap', { cap: formatFen(c.maxOffFen) }) : '';
    const min = c.minSpendFen > 0 ? t('coupons.valueMin', { min: formatFen(c.minSpendFen) }) : '';
    return `${min}${text}${cap}`;
  }
  if (c.kind === 'no_threshold') return t('coupons.valueFree', { off: formatFen(c.amountOffFen ?? 0) });
  return t('coupons.valueAmount', { min: formatFen(c.minSpendFen), off: formatFen(c.amountOffFen ?? 0) });
}

/** 0.4567 → '45.7%'. */
export function redemptionPercent(rate: number): string {
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}
