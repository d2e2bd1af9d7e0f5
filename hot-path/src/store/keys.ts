/**
 * The key layout of one campaign (or one stock bucket of it, `<campaignId>#<b>`: see `buckets.ts`): every key shares
 * the hash tag `{c:<id>}`, so one slot owns them all.
 */
export interface CampaignKeys {
  /**
   * Metadata, the units left (`left`), the position (`gen`, `seq`), the acknowledged one (`ackGen`, `ackSeq`), and
   * each shopper's holding (field `holdingField(userId)`): the units the user holds and a line per reservation the
   * user made (see `parse.ts` `holdingLines`). One hash, so a reservation reads the gate and the holding in one
   * HMGET and writes the units left, the position and the holding in one HSET.
   */
  meta: string;
  /** The older layout's holdings, in a hash of their own: only ever deleted (a rebuild writes them in `meta`). */
  legacyHoldings: string;
  released: string;
  stream: string;
  forming: string;
  lease: string;
  rebuild: string;
  /** A stock bucket's moves: move id → units (negative when taken); see `moveStock-2.lua`. */
  moves: string;
  group(groupId: string): string;
}

export function campaignKeys(prefix: string, campaignId: string): CampaignKeys {
  const base = `${prefix}tm:{c:${campaignId}}:`;
  return {
    meta: `${base}meta`,
    legacyHoldings: `${base}holdings`,
    released: `${base}released`,
    stream: `${base}stream`,
    forming: `${base}forming`,
    lease: `${base}lease`,
    rebuild: `${base}rebuild`,
    moves: `${base}moves`,
    group: (groupId) => `${base}g:${groupId}`,
  };
}

/** A shopper's holding in the metadata hash: '@' and the user id (no metadata field starts with '@'). */
export function holdingField(userId: string): string {
  return `@${userId}`;
}

/** The consumer group every settlement consumer joins. */
export const SETTLEMENT_GROUP = 'settlement';
