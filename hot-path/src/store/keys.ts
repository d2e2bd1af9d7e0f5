/**
 * The key layout of one campaign (or one stock bucket of it, `<campaignId>#<b>`: see `buckets.ts`): every key shares
 * the hash tag `{c:<id>}`, so one slot owns them all.
 */
export interface CampaignKeys {
  /**
   * Metadata, the units left (`left`), the position (`gen`, `seq`), the acknowledged one (`ackGen`, `ackSeq`), and
   * each shopper's holding (field `holdingField(userId)`): the units the user holds and a line per reservation the
   * user made (see `parse.ts` `holdingLines`), and each group (field `groupField(groupId)`, see `parse.ts`
   * `packGroup`). One hash, so a reservation (or a group's join) reads the gate, the holding (and the group) in one
   * HMGET and writes the units left, the position, the holding (and the group) in one HSET.
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
  };
}

/** A shopper's holding in the metadata hash: '@' and the user id (no metadata field starts with '@'). */
export function holdingField(userId: string): string {
  return `@${userId}`;
}

/** A group in the metadata hash: '#' and the group id (no metadata field starts with '#'). */
export function groupField(groupId: string): string {
  return `#${groupId}`;
}

/**
 * The layout these scripts read, kept in the metadata (`layout`): state written by another one (groups in hashes
 * of their own, before this field) is taken offline by `loadCampaign` until a rebuild writes it in this one.
 */
export const HOT_LAYOUT = 'groups-in-meta';

/** The consumer group every settlement consumer joins. */
export const SETTLEMENT_GROUP = 'settlement';
