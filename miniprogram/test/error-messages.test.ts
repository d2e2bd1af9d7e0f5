/**
 * The shopper's error-message table against the gateway's one error registry: every code the gateway can send
 * has a sentence of its own (a new code in the registry, `@tuanmiao/contract`, fails here until it gets one).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERRORS, type ErrorCode } from '@tuanmiao/contract';
import './support/ts-resolve.ts';

const { SHOPPER_MESSAGES, shopperMessageFor } = await import('../services/error-messages');

test('every code of the gateway error registry has a Chinese sentence', () => {
  const missing = Object.keys(ERRORS).filter((code) => SHOPPER_MESSAGES[code] === undefined);
  assert.deepEqual(missing, []);
  for (const code of Object.keys(ERRORS)) {
    const message = shopperMessageFor(code, ERRORS[code as ErrorCode].status);
    assert.match(message, /[\u4e00-\u9fff]/, `${code} reads as Chinese`);
    assert.notEqual(message, SHOPPER_MESSAGES.UNKNOWN, `${code} has its own sentence`);
  }
});
