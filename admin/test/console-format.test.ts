/**
 * The console's words for times, audit entries and order lines (issue: one date format in both languages,
 * readable audit log, order lines by product and SKU), and a check that no page formats a time by itself.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Product } from '../src/api/types.ts';
import { AUDIT_ACTIONS, AUDIT_FIELDS, auditActionLabel, describeAuditDetail } from '../src/audit-detail.ts';
import { formatClock, formatDateTime, formatDateTimeSeconds } from '../src/dates.ts';
import { type MessageKey, messages } from '../src/i18n/messages.ts';
import { orderItemLabel } from '../src/order-items.ts';

const src = new URL('../src/', import.meta.url).pathname;

test('one date format, with the year, whatever the language', () => {
  const at = '2026-11-30T01:08:51.000Z';
  const local = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}`;
  const time = `${pad(local.getHours())}:${pad(local.getMinutes())}`;
  assert.equal(formatDateTime(at), `${day} ${time}`);
  assert.equal(formatDateTimeSeconds(at), `${day} ${time}:51`);
  assert.equal(formatClock(at), `${time}:51`);
  assert.equal(formatDateTime(null), '-');
});

test('no page formats a time by itself: every one goes through src/dates.ts', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory()) walk(`${path}/`);
      else if (/\.tsx?$/.test(entry.name) && path !== `${src}dates.ts`) {
        const text = readFileSync(path, 'utf8');
        for (const pattern of [
          /toLocale(Date|Time)?String\(/,
          /dayjs\([^)]*\)\.format\(/,
          /Intl\.DateTimeFormat/,
        ]) {
          if (pattern.test(text)) offenders.push(`${path.slice(src.length)}: ${pattern}`);
        }
      }
    }
  };
  walk(src);
  assert.deepEqual(offenders, []);
});

test('audit actions and detail fields have words in both languages', () => {
  for (const locale of ['zh-CN', 'en'] as const) {
    const t = (key: MessageKey) => messages[locale][key];
    for (const action of AUDIT_ACTIONS) {
      const label = auditActionLabel(action, t);
      assert.ok(label && label !== action, `${locale} ${action}`);
    }
    for (const field of AUDIT_FIELDS)
      assert.ok(messages[locale][`audit.field.${field}`], `${locale} ${field}`);
  }
  const en = (key: MessageKey) => messages.en[key];
  assert.equal(auditActionLabel('campaign.kill_switch.on', en), 'Kill switch on');
  assert.equal(auditActionLabel('some.new_action', en), 'some.new_action');
});

test('an audit detail reads as labelled values: money in yuan, times formatted, yes/no, no JSON', () => {
  const en = (key: MessageKey) => messages.en[key];
  const lines = describeAuditDetail(
    {
      title: 'Tea sale',
      priceFen: 990,
      startsAt: '2026-11-30T01:08:51.000Z',
      dryRun: true,
      fields: ['title', 'stockTotal'],
      newThing: 3,
    },
    en,
  );
  assert.deepEqual(lines, [
    { label: 'Title', value: 'Tea sale' },
    { label: 'Price', value: '¥9.90' },
    { label: 'Starts', value: formatDateTime('2026-11-30T01:08:51.000Z') },
    { label: 'Dry run', value: 'Yes' },
    { label: 'Changed fields', value: 'Title, Stock' },
    { label: 'newThing', value: '3' },
  ]);
  assert.deepEqual(describeAuditDetail({}, en), []);
  assert.deepEqual(describeAuditDetail(null, en), []);
});

test('an order line names the product and its SKU; the stored title only when the SKU is gone', () => {
  const products = [
    {
      id: 'prd_1',
      title: '西湖龙井 明前特级',
      skus: [
        { id: 'sku_a', name: '100g 罐装' },
        { id: 'sku_b', name: '250g 礼盒' },
      ],
    },
  ] as unknown as Product[];
  assert.equal(orderItemLabel('sku_b', '龙井 1 元秒杀', products), '西湖龙井 明前特级 · 250g 礼盒');
  assert.equal(orderItemLabel('sku_gone', '龙井 1 元秒杀', products), '龙井 1 元秒杀');
  assert.equal(orderItemLabel('sku_a', '龙井 1 元秒杀', undefined), '龙井 1 元秒杀');
});
