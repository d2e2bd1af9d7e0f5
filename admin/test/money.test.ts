/** Yuan ↔ fen conversions and the message tables: the pieces of the console that run without a browser. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ERROR_CODES } from '@tuanmiao/contract';
import { buildPath, CLIENT_ERROR_CODES, endpoints } from '../src/api/client.ts';
import { errorMessages, format, messages } from '../src/i18n/messages.ts';
import { fenToYuanString, formatFen, parseYuanToFen } from '../src/money.ts';

describe('money', () => {
  test('formats fen as yuan with two decimals and thousands separators', () => {
    assert.equal(fenToYuanString(1234), '12.34');
    assert.equal(fenToYuanString(5), '0.05');
    assert.equal(fenToYuanString(-5), '-0.05');
    assert.equal(formatFen(123456789), '¥1,234,567.89');
    assert.equal(formatFen(0), '¥0.00');
    assert.throws(() => fenToYuanString(1.5), RangeError);
  });

  test('parses typed yuan into integer fen without float error', () => {
    assert.equal(parseYuanToFen('12.34'), 1234);
    assert.equal(parseYuanToFen('0.29'), 29); // 0.29 * 100 is 28.999999999999996 in floats
    assert.equal(parseYuanToFen('1.005'), null);
    assert.equal(parseYuanToFen('19.9'), 1990);
    assert.equal(parseYuanToFen('¥1,299.00'), 129900);
    assert.equal(parseYuanToFen(' 7 '), 700);
    assert.equal(parseYuanToFen('-1'), null);
    assert.equal(parseYuanToFen('abc'), null);
    assert.equal(parseYuanToFen(''), null);
  });

  test('round-trips every fen value of a wide range', () => {
    for (let fen = 0; fen < 100_000; fen += 7) assert.equal(parseYuanToFen(fenToYuanString(fen)), fen);
  });
});

describe('messages', () => {
  test('both locales carry the same keys and error codes, none empty', () => {
    assert.deepEqual(Object.keys(messages.en).sort(), Object.keys(messages['zh-CN']).sort());
    assert.deepEqual(Object.keys(errorMessages.en).sort(), Object.keys(errorMessages['zh-CN']).sort());
    for (const table of [...Object.values(messages), ...Object.values(errorMessages)]) {
      for (const [key, text] of Object.entries(table)) assert.ok(text.length > 0, key);
    }
  });

  test('has a sentence for exactly the gateway error registry and the client codes', () => {
    const expected = [...ERROR_CODES, ...CLIENT_ERROR_CODES].sort();
    for (const table of Object.values(errorMessages)) assert.deepEqual(Object.keys(table).sort(), expected);
  });

  test('fills placeholders and leaves unknown ones visible', () => {
    assert.equal(format('确定停止活动「{title}」？', { title: '双11' }), '确定停止活动「双11」？');
    assert.equal(format('{a} {b}', { a: 1 }), '1 {b}');
  });
});

describe('api paths', () => {
  test('fills and encodes path parameters and refuses a missing one', () => {
    assert.equal(buildPath(endpoints.getOrder.path, { id: 'ord_1/2' }), '/api/admin/orders/ord_1%2F2');
    assert.throws(() => buildPath(endpoints.getOrder.path), /missing path parameter id/);
  });
});
