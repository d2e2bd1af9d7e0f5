/**
 * The hot-path store contract: atomic stock and group-slot reservation, release, and the settlement stream.
 * Implemented by RedisHotPathStore (Lua on the campaign's hash slot) and MemoryHotPathStore (embedded default).
 */
import type { HotPathObserver } from '../observer.ts';
import type { ReservationRefusal } from './refusal-codes.ts';

/**
 * `coupon`: a limited coupon template whose claims are a flash event (抢券): its total is the stock, each claim one
 * unit, settled into the coupons module's tables instead of orders (see `SettlementOptions.sinks`).
 */
export type CampaignType = 'seckill' | 'groupbuy' | 'coupon';

export interface CampaignDef {
  id: string;
  type: CampaignType;
  title: string;
  skuId: string;
  priceFen: number;
  startsAtMs: number;
  endsAtMs: number;
  stockTotal: number;
  perUserLimit: number;
  groupSize?: number;
  groupTtlMs?: number;
  stopped: boolean;
  killSwitch: boolean;
  dryRun: boolean;
  /**
   * What shoppers of chosen membership levels get on this campaign: a higher per-user limit, an earlier
   * opening, or both. A shopper whose level is not listed (or who passes no level) gets the campaign's own.
   */
  levelBenefits?: LevelBenefit[];
  /**
   * Stock buckets (库存分桶, seckill only, 1–16, fixed at creation): the stock split over this many hash tags so
   * that the campaign's reservations spread over several Redis slots; see `buckets.ts`. 1 or absent: one.
   */
  stockBuckets?: number;
}

/** One membership level's benefit on a campaign (the membership module owns the level codes). */
export interface LevelBenefit {
  levelCode: string;
  /** Replaces the campaign's `perUserLimit` for shoppers of this level (never below it). */
  perUserLimit?: number;
  /** Shoppers of this level may reserve this long before `startsAtMs`. */
  earlyAccessMs?: number;
}

/** A level code as the scripts accept it (the membership module's `LevelCode` pattern). */
export const LEVEL_CODE_PATTERN = /^[a-z][a-z0-9_]{0,19}$/;

/**
 * The per-user limit and the opening time that hold for a shopper of `levelCode` on `def`: the level's benefit
 * when the campaign lists that level, else the campaign's own. The scripts decide the same from the metadata.
 */
export function effectiveTerms(
  def: Pick<CampaignDef, 'perUserLimit' | 'startsAtMs' | 'levelBenefits'>,
  levelCode: string | undefined,
): { perUserLimit: number; opensAtMs: number } {
  const b = levelCode === undefined ? undefined : def.levelBenefits?.find((l) => l.levelCode === levelCode);
  return {
    perUserLimit: b?.perUserLimit ?? def.perUserLimit,
    opensAtMs: def.startsAtMs - (b?.earlyAccessMs ?? 0),
  };
}

/** `pending` until settled into an order, `settled` once its order is committed, `released` once its units went back. */
export type ReservationStatus = 'pending' | 'settled' | 'released';

export interface Reservation {
  id: string;
  campaignId: string;
  userId: string;
  requestId: string;
  quantity: number;
  unitPriceFen: number;
  groupId?: string;
  slot?: number;
  createdAtMs: number;
  expiresAtMs: number;
  status: ReservationStatus;
  /** Deterministic: `ord_` + the part after `rsv_`. The order exists in PostgreSQL once status is `settled`. */
  orderId: string;
  /** What the request that made it asked for (see `requestFingerprint`); absent only on a record that predates it. */
  fingerprint?: string;
}

export type GroupStatus = 'forming' | 'succeeded' | 'failed';

export interface GroupMember {
  userId: string;
  slot: number;
}

export interface GroupState {
  id: string;
  campaignId: string;
  leaderId: string;
  size: number;
  slotsTaken: number;
  members: GroupMember[];
  status: GroupStatus;
  createdAtMs: number;
  expiresAtMs: number;
}

/**
 * Where a campaign's hot state is: `seq` goes up by one with every stream entry (reservation or release) and
 * `generation` by one with every rebuild (issued by PostgreSQL), so positions only ever grow, compared generation
 * first. A hot state whose position is below one already seen (settled into PostgreSQL, or answered to a shopper)
 * came back from an older copy of Redis and must not sell until rebuilt.
 */
export interface HotPosition {
  generation: number;
  seq: number;
}

/** True when `a` is strictly behind `b`. */
export function isBehind(a: HotPosition, b: HotPosition): boolean {
  return a.generation < b.generation || (a.generation === b.generation && a.seq < b.seq);
}

/** The later of two positions. */
export function laterPosition(a: HotPosition, b: HotPosition): HotPosition {
  return isBehind(a, b) ? b : a;
}

export const ORIGIN: HotPosition = Object.freeze({ generation: 0, seq: 0 });

/** What reconciliation reads in one atomic step: the unsettled entries with the counters and position beside them. */
export interface HotSnapshot {
  entries: StreamEntry[];
  counters: CampaignCounters | null;
  position: HotPosition | null;
}

export interface CampaignCounters {
  stockTotal: number;
  stockLeft: number;
  /** Stream entries (reservations and releases) not yet committed to PostgreSQL. */
  unsettled: number;
}

/** One stock bucket's counters (see `buckets.ts`): its share of the stock, which moves as buckets drain. */
export interface BucketCounters extends CampaignCounters {
  bucket: number;
  /** The bucket's hot-state id: the campaign's id for bucket 0, `<id>#<b>` after. */
  shardId: string;
  /** Bucket 0 of a campaign with stock buckets: the campaign's total, which the buckets' shares add up to. */
  campaignTotal?: number;
}

export interface ReserveSeckillInput {
  campaignId: string;
  userId: string;
  requestId: string;
  quantity: number;
  reservationId: string;
  nowMs: number;
  paymentTtlMs: number;
  /** The shopper's membership level code, when the campaign has level benefits (see `CampaignDef.levelBenefits`). */
  levelCode?: string;
  /**
   * The campaign's stock buckets, when the caller knows them (`CampaignDef.stockBuckets`): saves the store a read
   * of the bucket count the first time it meets the campaign.
   */
  buckets?: number;
}

/** One claim of a coupon template (a `coupon` campaign): one unit, no payment, idempotent by requestId. */
export interface ClaimCouponInput {
  /** The coupon template's id: its keys share the hash tag `{c:<templateId>}`. */
  campaignId: string;
  userId: string;
  requestId: string;
  /** `clm_<ulid>`; the coupon it settles into is `cpn_<the same ulid>` (see `couponIdFor`). */
  reservationId: string;
  nowMs: number;
}

export interface OpenGroupInput {
  campaignId: string;
  userId: string;
  requestId: string;
  groupId: string;
  reservationId: string;
  nowMs: number;
  paymentTtlMs: number;
  /** The shopper's membership level code, when the campaign has level benefits (see `CampaignDef.levelBenefits`). */
  levelCode?: string;
}

export interface JoinGroupInput {
  campaignId: string;
  groupId: string;
  userId: string;
  requestId: string;
  reservationId: string;
  nowMs: number;
  paymentTtlMs: number;
  /** The shopper's membership level code, when the campaign has level benefits (see `CampaignDef.levelBenefits`). */
  levelCode?: string;
}

export interface ReleaseInput {
  campaignId: string;
  reservationId: string;
  userId: string;
  quantity: number;
  groupId?: string;
}

export type Refused = { ok: false; code: ReservationRefusal };
export type ReserveResult = { ok: true; reservation: Reservation; replayed: boolean } | Refused;
export type GroupResult =
  | { ok: true; group: GroupState; reservation: Reservation; replayed: boolean }
  | Refused;

export type LoadCampaignResult = { state: 'primed' | 'refreshed' | 'needs_rebuild'; stockTotal: number };

/** What settlement needs to write one stream entry into PostgreSQL; all values as written by the script. */
export interface SettlementEntry {
  kind: 'reserve' | 'release';
  campaignId: string;
  reservationId: string;
  userId: string;
  requestId: string;
  quantity: number;
  unitPriceFen: number;
  createdAtMs: number;
  expiresAtMs: number;
  campaignType: CampaignType;
  skuId: string;
  title: string;
  dryRun: boolean;
  releasedAtMs?: number;
  groupId?: string;
  slot?: number;
  groupLeaderId?: string;
  groupSize?: number;
  groupCreatedAtMs?: number;
  groupExpiresAtMs?: number;
  /** The shard (stock bucket, see `buckets.ts`) whose stream the entry came from, when not the campaign itself. */
  shardId?: string;
  /** The campaign's position this entry took (absent on entries written before positions existed). */
  generation?: number;
  seq?: number;
}

export interface StreamEntry {
  /** The stream entry id (`<ms>-<seq>`). */
  id: string;
  /** The parsed entry. A store that has `raw` parses it only when this is read. */
  readonly entry: SettlementEntry;
  /**
   * The entry's fields as stored (Redis: a flat name, value list of strings), so the settlement consumer can hand
   * it to a worker thread unparsed: parsing and copying a batch then happen off the main thread. Parse with
   * `parseSettlementEntry`.
   */
  raw?: readonly string[];
  /** True when taken over from a consumer that did not acknowledge it in time. */
  reclaimed: boolean;
}

export interface PendingSummary {
  pending: number;
  oldestPendingAgeMs: number;
}

/** The input of a rebuild: the truth from PostgreSQL (plus unsettled stream entries), already merged. */
export interface RebuildState {
  def: CampaignDef;
  stockLeft: number;
  users: Array<[userId: string, units: number]>;
  requests: Array<[userId: string, requestId: string, reservationId: string]>;
  released: string[];
  /** Live reservations, so that a retried request id replays and a release finds its record. */
  reservations: Reservation[];
  /**
   * The stream position of each pending reservation (one whose entry is still unsettled): it reads settled once
   * settlement has acknowledged past it. Without one a pending reservation reads pending until PostgreSQL has it.
   */
  pendingPositions?: Array<[reservationId: string, position: HotPosition]>;
  /** Forming groups with their active members. */
  groups: GroupState[];
  /** The generation the rebuilt state starts (its seq starts at 0); issued by PostgreSQL, above every earlier one. */
  generation?: number;
  /**
   * Bucket 0 of a campaign with stock buckets: the campaign's total (its `def.stockTotal` is then the bucket's
   * share, `def.id` the bucket's shard id).
   */
  campaignTotal?: number;
}

export type RebuildOutcome = 'rebuilt' | 'present' | 'busy';

export interface HotPathStore {
  readonly kind: 'redis' | 'memory';
  /** Hooks for metrics; the settlement consumer reports through the store's observer unless given its own. */
  readonly observer: HotPathObserver | undefined;
  loadCampaign(def: CampaignDef): Promise<LoadCampaignResult>;
  reserveSeckill(input: ReserveSeckillInput): Promise<ReserveResult>;
  /** Claims one coupon of a `coupon` campaign: gate, idempotency, per-user limit and quantity in one step. */
  claimCoupon(input: ClaimCouponInput): Promise<ReserveResult>;
  openGroup(input: OpenGroupInput): Promise<GroupResult>;
  joinGroup(input: JoinGroupInput): Promise<GroupResult>;
  releaseReservation(input: ReleaseInput): Promise<boolean>;
  closeGroup(campaignId: string, groupId: string, status: 'succeeded' | 'failed'): Promise<boolean>;
  /** A reservation of `userId` (null when that user has none of that id): its line is kept in the user's holding. */
  getReservation(campaignId: string, reservationId: string, userId: string): Promise<Reservation | null>;
  getGroup(campaignId: string, groupId: string): Promise<GroupState | null>;
  listFormingGroups(campaignId: string, nowMs: number, limit: number): Promise<GroupState[]>;
  /** The campaign's counters, summed over its stock buckets (one shard's own when given a shard id `<id>#<b>`). */
  getCampaignCounters(campaignId: string): Promise<CampaignCounters | null>;
  /** Each stock bucket's counters, bucket 0 first (one row for an unbucketed campaign); null when none is there. */
  getBucketCounters(campaignId: string): Promise<BucketCounters[] | null>;
  /**
   * Finishes the moves between a campaign's stock buckets that were taken and never given (a mover stopped
   * between its two steps): each give is applied once by the move's id, and refused when the target bucket was
   * rebuilt since (the rebuild recomputed its share). Returns the units given; 0 for a campaign kept whole.
   */
  completeMoves(campaignId: string, buckets: number): Promise<number>;
  /**
   * How many stock buckets this store keeps a campaign in: the campaign's `stockBuckets` for a seckill on Redis,
   * else 1 (the in-process store holds every campaign whole). Its shards are `shardIds(def.id, bucketsFor(def))`:
   * the ids settlement reads and reconciliation checks.
   */
  bucketsFor(def: Pick<CampaignDef, 'type' | 'stockBuckets'>): number;
  /** True when the campaign's metadata and stock counter are both present. */
  hasCampaignState(campaignId: string): Promise<boolean>;
  /**
   * Drops an ended campaign's hot state (every bucket's keys) once nothing of it is left to settle: `dropped`,
   * `unsettled` (a stream still holds entries: nothing dropped, ask again later) or `missing` (already gone).
   * The caller drops only campaigns ended longer ago than it keeps them (the platform: HOT_STATE_RETENTION_DAYS).
   * `buckets` is the campaign's bucket count from its row: without it the count is read from bucket 0's keys,
   * and a campaign whose bucket 0 is already gone would leave its other buckets' keys behind.
   */
  dropCampaignState(campaignId: string, buckets?: number): Promise<'dropped' | 'unsettled' | 'missing'>;
  /** Rebuilds a campaign's hot state when it is missing; never touches a present one. */
  rebuildCampaign(state: RebuildState): Promise<RebuildOutcome>;
  /**
   * Takes a present hot state offline for a rebuild (it is behind PostgreSQL, or drifts): from then on every
   * reservation is refused `CAMPAIGN_REBUILDING` until `rebuildCampaign` writes it. False while a rebuild runs.
   */
  suspendCampaign(campaignId: string): Promise<boolean>;
  /** The campaign's hot position, or null when its metadata is missing. */
  getHotPosition(campaignId: string): Promise<HotPosition | null>;
  /** The unsettled entries, counters and position read in one atomic step (reconciliation compares them). */
  snapshotUnsettled(campaignId: string): Promise<HotSnapshot>;
  /**
   * Raises the position this store knows the campaign reached: a hot state found behind it refuses to sell
   * (`CAMPAIGN_REBUILDING`) and is reported to `onSuspect` listeners. Replies raise it too.
   */
  raiseFloor(campaignId: string, position: HotPosition): void;
  /** The position this store knows the campaign reached (ORIGIN when none). */
  floorOf(campaignId: string): HotPosition;
  /**
   * Registers a listener told when a campaign's hot state may be behind (a call found it so: its id) or when any
   * may be (the connection came back, possibly to another or restarted server: no id). Returns the unsubscribe.
   */
  onSuspect(listener: (campaignId?: string) => void): () => void;

  // Settlement stream primitives (one stream per campaign, one consumer group).
  /** Reads up to `count` new entries for `consumer`, waiting up to `blockMs` when none is there. */
  readSettlementBatch(
    campaignId: string,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<StreamEntry[]>;
  /** Takes over entries pending for longer than `minIdleMs` (a dead consumer's) for `consumer`. */
  claimStaleSettlement(
    campaignId: string,
    consumer: string,
    minIdleMs: number,
    count: number,
  ): Promise<StreamEntry[]>;
  /**
   * Acknowledges committed entries, trims them from the stream and marks their reservations settled (Redis: the
   * campaign's acknowledged position moves to `settledUpTo`). `settledUpTo` (the batch's latest position) raises the
   * floor; a hot state found behind it is reported as suspect.
   */
  ackSettlement(
    campaignId: string,
    entries: Array<{ id: string; reservationId: string }>,
    settledUpTo?: HotPosition,
  ): Promise<number>;
  pendingSettlement(campaignId: string): Promise<PendingSummary>;
  /** Every unsettled entry (delivered or not), oldest first: for reconciliation. */
  listUnsettled(campaignId: string): Promise<StreamEntry[]>;
  /** Takes or renews the settlement lease of a campaign; true while `holder` has it. */
  acquireSettlementLease(campaignId: string, holder: string, leaseMs: number): Promise<boolean>;
  releaseSettlementLease(campaignId: string, holder: string): Promise<void>;
  close(): Promise<void>;
}

/** What a reservation request asked for, beyond the campaign and the caller that key its request id. */
export type ReservationRequest =
  | { kind: 'seckill'; quantity: number }
  | { kind: 'open' }
  | { kind: 'join'; groupId: string }
  | { kind: 'claim' };

/**
 * The fingerprint kept with a request id: a retry with the same id and the same fingerprint replays the first
 * answer, one with another fingerprint (another quantity, another group) is refused as IDEMPOTENCY_KEY_REUSED.
 */
export function requestFingerprint(r: ReservationRequest): string {
  switch (r.kind) {
    case 'seckill':
      return `seckill:${r.quantity}`;
    case 'open':
      return 'open';
    case 'join':
      return `join:${r.groupId}`;
    case 'claim':
      return 'claim';
  }
}

/** Deterministic coupon id of a claim: `cpn_` + the part after `clm_`. */
export function couponIdFor(claimId: string): string {
  return `cpn_${claimId.startsWith('clm_') ? claimId.slice(4) : claimId}`;
}

/**
 * Deterministic order id of a reservation: `ord_` + the reservation's own ULID (the part after `rsv_`, without
 * the campaign's ULID a reservation id may carry after it): the order id is WeChat Pay's out_trade_no, at most
 * 32 characters.
 */
export function orderIdFor(reservationId: string): string {
  const own = reservationId.startsWith('rsv_') ? reservationId.slice(4) : reservationId;
  return `ord_${own.replace(/_[0-9A-HJKMNP-TV-Z]{26}$/, '')}`;
}

/**
 * A request id is kept in a reservation's tab-separated line, found by "newline, id, tab" (`findReplay.lua`): the
 * hot path refuses one holding a tab or a newline (the public API's pattern already excludes both), on either store.
 */
export function assertRequestId(requestId: string): void {
  if (/[\t\n]/.test(requestId)) throw new TypeError('requestId must not contain a tab or a newline');
}

/** A group's member is kept as `,userId:slot,` in its group's field (see `packGroup`): no tab, newline, comma or colon. */
export function assertMemberId(userId: string): void {
  if (/[\t\n,:]/.test(userId))
    throw new TypeError('userId must not contain a tab, a newline, a comma or a colon');
}
