/** The console's words for a coupon template's value and its redemption rate, in both languages. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { couponValue, redemptionPercent } from '../src/coupon-format.ts';
import { type MessageKey, messages } from '../src/i18n/messages.ts';

const tr =
  (locale: 'zh-CN' | 'en') =>
  (key: MessageKey, values: Record<string, string | number> = {}) =>
    messages[locale][key].replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));

test('a template reads as 满减, 折扣 with its cap and threshold, or 无门槛', () => {
  const zh = tr('zh-CN');
  const en = tr('en');
  const amount = { kind: 'amount_off' as const, amountOffFen: 2000, minSpendFen: 10000 };
  assert.equal(couponValue(amount, zh), '满¥100.00减¥20.00');
  assert.equal(couponValue(amount, en), '¥20.00 off ¥100.00');
  const percent = { kind: 'percent_off' as const, percentOff: 20, maxOffFen: 1500, minSpendFen: 0 };
  assert.equal(couponValue(percent, zh), '减20%（最高¥15.00）');
  assert.equal(couponValue({ ...percent, minSpendFen: 5000 }, en), 'Over ¥50.00: 20% off (at most ¥15.00)');
  const free = { kind: 'no_threshold' as const, amountOffFen: 500, minSpendFen: 0 };
  assert.equal(couponValue(free, zh), '无门槛减¥5.00');
  assert.equal(couponValue(free, en), '¥5.00 off, no threshold');
});

test('the redemption rate as a percentage with one decimal', () => {
  assert.equal(redemptionPercent(0), '0.0%');
  assert.equal(redemptionPercent(0.4567), '45.7%');
  assert.equal(redemptionPercent(1), '100.0%');
});
