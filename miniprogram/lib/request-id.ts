/**
 * A client `requestId` (API.md: 8–64 chars) for one shopper action. The gateway answers the same user with the
 * same id with the same result, so an id is made once per tap and reused by every retry of that tap.
 */
export function newRequestId(prefix = 'mp'): string {
  const random = Array.from({ length: 4 }, () =>
    Math.floor(Math.random() * 0x1_0000_0000)
      .toString(36)
      .padStart(7, '0'),
  ).join('');
  return `${prefix}_${Date.now().toString(36)}${random}`.slice(0, 64);
}
