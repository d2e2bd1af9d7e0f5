/**
 * Carrier push signatures: HMAC-SHA256 of `<timestamp>.<raw body>` with the secret shared with the carrier,
 * hex, in `x-carrier-signature`, the Unix timestamp in `x-carrier-timestamp`. A push older or newer than five
 * minutes is refused, so a captured push cannot be replayed later (and a replay within the window only repeats
 * events already stored, which are deduplicated by their id).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const PUSH_WINDOW_SECONDS = 300;

export function signCarrierPush(secret: string, timestamp: string, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}

/** 'ok', or why the push is refused. */
export function verifyCarrierPush(
  secret: string,
  headers: Record<string, string>,
  rawBody: string,
  nowMs: number,
): 'ok' | 'missing' | 'stale' | 'bad_signature' {
  const timestamp = headers['x-carrier-timestamp'];
  const signature = headers['x-carrier-signature'];
  if (!timestamp || !signature || !/^[0-9]{1,12}$/.test(timestamp) || !/^[0-9a-f]{64}$/.test(signature)) {
    return 'missing';
  }
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > PUSH_WINDOW_SECONDS) return 'stale';
  const expected = Buffer.from(signCarrierPush(secret, timestamp, rawBody), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex')) ? 'ok' : 'bad_signature';
}
