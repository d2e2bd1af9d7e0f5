/**
 * A `requestId` (API.md: 8–64 characters) for one operator action, made once when its form opens and reused by
 * every resend, so that a retry after a lost answer is the same action, not a second one. `getRandomValues`,
 * unlike `randomUUID`, works on a console served over plain HTTP inside a private network.
 */
export function newRequestId(prefix = 'adm'): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
