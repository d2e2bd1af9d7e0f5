/** The key layout of one campaign: every key shares the hash tag `{c:<campaignId>}`, so one slot owns them all. */
export interface CampaignKeys {
  meta: string;
  stock: string;
  users: string;
  requests: string;
  released: string;
  stream: string;
  forming: string;
  lease: string;
  rebuild: string;
  record(reservationId: string): string;
  group(groupId: string): string;
}

export function campaignKeys(prefix: string, campaignId: string): CampaignKeys {
  const base = `${prefix}tm:{c:${campaignId}}:`;
  return {
    meta: `${base}meta`,
    stock: `${base}stock`,
    users: `${base}users`,
    requests: `${base}requests`,
    released: `${base}released`,
    stream: `${base}stream`,
    forming: `${base}forming`,
    lease: `${base}lease`,
    rebuild: `${base}rebuild`,
    record: (reservationId) => `${base}r:${reservationId}`,
    group: (groupId) => `${base}g:${groupId}`,
  };
}

/** The consumer group every settlement consumer joins. */
export const SETTLEMENT_GROUP = 'settlement';
