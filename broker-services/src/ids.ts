/** Prefixed, time-sortable identifiers (`ord_01J…`): the prefix names the kind, the ULID sorts by creation. */
import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * ulid's own generator asks the CSPRNG for one byte per character (sixteen calls per new millisecond), a
 * thirtieth of a reservation's CPU; this one draws the same bytes from a pool refilled 4 KiB at a time.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;
function pooledRandom(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return (pool[used++] as number) / 256;
}

/** ulid's monotonic generator: ids made in one millisecond by this process still sort by creation. */
const nextUlid = monotonicFactory(pooledRandom);

export type IdPrefix =
  | 'usr'
  | 'adm'
  | 'prd'
  | 'sku'
  | 'cmp'
  | 'rsv'
  | 'ord'
  | 'grp'
  | 'pay'
  | 'rfd'
  | 'cat'
  | 'adr'
  | 'shp'
  | 'swr'
  | 'ars'
  | 'pmi'
  | 'rdm'
  | 'cpt'
  | 'cpn'
  | 'clm';

/** A new identifier with the given kind prefix. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${nextUlid()}`;
}

/**
 * The order id a reservation settles into: the reservation's own ULID, so it is known before settlement (without
 * the campaign's ULID its id may carry: an order id is WeChat Pay's out_trade_no, at most 32 characters). The
 * hot path's `orderIdFor` is the same function.
 */
export function orderIdForReservation(reservationId: string): string {
  return `ord_${reservationId.slice(4).replace(/_[0-9A-HJKMNP-TV-Z]{26}$/, '')}`;
}

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
const CAMPAIGN_ID = new RegExp(`^cmp_(${ULID})$`);
const OF_CAMPAIGN = new RegExp(`^(?:grp|rsv)_${ULID}_(${ULID})$`);
/** What a campaign's ids end with (`_<campaign ULID>`, or nothing), by campaign id: one match per campaign. */
const campaignSuffixes = new Map<string, string>();

/**
 * A new id of a group or a reservation of a campaign, carrying the campaign's: `grp_<ULID>_<campaign ULID>`. It
 * leads to its campaign with no search (`campaignOfId`), and still sorts by creation (its own ULID first). The
 * order a reservation settles into is `ord_<ULID>` (orderIdForReservation); its row names the campaign.
 */
export function newCampaignScopedId(prefix: 'grp' | 'rsv', campaignId: string): string {
  let suffix = campaignSuffixes.get(campaignId);
  if (suffix === undefined) {
    const campaign = CAMPAIGN_ID.exec(campaignId);
    // A campaign id that is not `cmp_<ULID>` (none is made so) cannot be carried: the id stays plain.
    suffix = campaign ? `_${campaign[1]}` : '';
    if (campaignSuffixes.size >= 10_000) campaignSuffixes.clear();
    campaignSuffixes.set(campaignId, suffix);
  }
  return `${newId(prefix)}${suffix}`;
}

/**
 * The campaign a group or reservation id names, or undefined for a plain id (one made before ids carried their
 * campaign: look it up where it is stored).
 */
export function campaignOfId(id: string): string | undefined {
  const m = OF_CAMPAIGN.exec(id);
  return m ? `cmp_${m[1]}` : undefined;
}
