/**
 * Exactly one typed builder per script: the only place that assembles a script's KEYS and ARGV. The Redis store
 * calls them, and so does the benchmark for its raw EVALSHA baseline.
 */
import { type CampaignKeys, HOT_LAYOUT } from './keys.ts';
import { holdingLine, holdingValue, packCampaignFacts } from './parse.ts';
import {
  assertMemberId,
  assertRequestId,
  type CampaignDef,
  type ClaimCouponInput,
  type HotPosition,
  type JoinGroupInput,
  LEVEL_CODE_PATTERN,
  type OpenGroupInput,
  ORIGIN,
  type RebuildState,
  type ReserveSeckillInput,
  requestFingerprint,
} from './types.ts';

export interface ScriptCall {
  script: string;
  keys: string[];
  args: Array<string | number>;
}

/**
 * Metadata fields as the scripts read them (flags as 0/1; `facts` packed once for every stream entry; `gate` the
 * type while the campaign sells, else the type and its refusal: stopped -2, kill switch -3).
 */
export function campaignMetaFields(def: CampaignDef): Array<string | number> {
  return [
    'gate',
    def.stopped ? `${def.type} -2` : def.killSwitch ? `${def.type} -3` : def.type,
    'facts',
    packCampaignFacts(def),
    'type',
    def.type,
    'title',
    def.title,
    'skuId',
    def.skuId,
    'priceFen',
    def.priceFen,
    'startsAt',
    def.startsAtMs,
    'endsAt',
    def.endsAtMs,
    'perUserLimit',
    def.perUserLimit,
    'groupSize',
    def.groupSize ?? 0,
    'groupTtlMs',
    def.groupTtlMs ?? 0,
    'stopped',
    def.stopped ? 1 : 0,
    'killSwitch',
    def.killSwitch ? 1 : 0,
    'dryRun',
    def.dryRun ? 1 : 0,
    'levels',
    levelTable(def),
    'buckets',
    def.stockBuckets ?? 1,
    'layout',
    HOT_LAYOUT,
  ];
}

/**
 * The campaign's level benefits as the scripts read them: `;<code>:<limit>:<earlyMs>;` per level (limit 0: the
 * campaign's own), '' when none. Always written, so a load or rebuild without benefits clears earlier ones.
 * One string the gate finds a level in with a plain search: no JSON decode on the hot path.
 */
export function levelTable(def: CampaignDef): string {
  const rows = (def.levelBenefits ?? []).filter((b) => LEVEL_CODE_PATTERN.test(b.levelCode));
  if (rows.length === 0) return '';
  return `;${rows.map((b) => `${b.levelCode}:${b.perUserLimit ?? 0}:${b.earlyAccessMs ?? 0}`).join(';')};`;
}

/** The level code passed to a reserve script: '' (no benefit) unless it is a well-formed code. */
function levelArg(levelCode: string | undefined): string {
  return levelCode !== undefined && LEVEL_CODE_PATTERN.test(levelCode) ? levelCode : '';
}

/**
 * Loads a campaign, or one stock bucket of it (see `buckets.ts`): `bucket.share` the units a new bucket is primed
 * with ('-' for a bucket after the first once primed: its share is never set by a load); bucket 0 of a bucketed
 * campaign also carries the campaign's total.
 */
export function loadCampaignCall(
  k: CampaignKeys,
  def: CampaignDef,
  bucket?: { share: number | '-'; campaignTotal?: number },
): ScriptCall {
  return {
    script: 'loadCampaign',
    keys: [k.meta],
    args: [bucket ? bucket.share : def.stockTotal, bucket?.campaignTotal ?? '', ...campaignMetaFields(def)],
  };
}

/** One step of a move of units between two stock buckets (see `moveStock-2.lua`). */
export function moveStockCall(
  k: CampaignKeys,
  mode: 'take' | 'give',
  moveId: string,
  units: number,
  generation: string,
  floor: HotPosition = ORIGIN,
): ScriptCall {
  return {
    script: 'moveStock',
    keys: [k.meta, k.moves],
    args: [mode, moveId, units, generation, floor.generation, floor.seq],
  };
}

/**
 * The head of a reservation's line (see `holdingLine`): what the caller knows, sent ready-made so that the script
 * only appends what Redis knows (price, position, status, slot). Refuses a request id that would break the line.
 */
function lineHead(
  requestId: string,
  fingerprint: string,
  reservationId: string,
  quantity: number,
  nowMs: number,
  expiresAtMs: number,
): string {
  assertRequestId(requestId);
  return `${requestId}\t${fingerprint}\t${reservationId}\t${quantity}\t${nowMs}\t${expiresAtMs}`;
}

/** `floor`: the position the caller knows the campaign reached; a hot state behind it refuses (-15). */
export function reserveSeckillCall(
  k: CampaignKeys,
  i: ReserveSeckillInput,
  floor: HotPosition = ORIGIN,
): ScriptCall {
  const fingerprint = requestFingerprint({ kind: 'seckill', quantity: i.quantity });
  return {
    script: 'reserveSeckill',
    keys: [k.meta, k.stream],
    args: [
      i.userId,
      lineHead(i.requestId, fingerprint, i.reservationId, i.quantity, i.nowMs, i.nowMs + i.paymentTtlMs),
      i.quantity,
      i.nowMs,
      floor.generation,
      floor.seq,
      levelArg(i.levelCode),
    ],
  };
}

/** One claim of a coupon template; the claim's line is kept in the user's holding. */
export function claimCouponCall(
  k: CampaignKeys,
  i: ClaimCouponInput,
  floor: HotPosition = ORIGIN,
): ScriptCall {
  const head = lineHead(
    i.requestId,
    requestFingerprint({ kind: 'claim' }),
    i.reservationId,
    1,
    i.nowMs,
    i.nowMs,
  );
  return {
    script: 'claimCoupon',
    keys: [k.meta, k.stream],
    args: [i.userId, head, i.nowMs, floor.generation, floor.seq],
  };
}

/**
 * Open and join take the same arguments: the campaign's and the group's. The group is a field of the metadata (see
 * `groupField.lua`), so a join needs no key of its own; an open also writes the forming index.
 */
function groupSlotCall(
  script: 'openGroup' | 'joinGroup',
  k: CampaignKeys,
  i: OpenGroupInput | JoinGroupInput,
  floor: HotPosition,
): ScriptCall {
  assertMemberId(i.userId);
  const fingerprint = requestFingerprint(
    script === 'openGroup' ? { kind: 'open' } : { kind: 'join', groupId: i.groupId },
  );
  return {
    script,
    keys: script === 'openGroup' ? [k.meta, k.stream, k.forming] : [k.meta, k.stream],
    args: [
      i.userId,
      lineHead(i.requestId, fingerprint, i.reservationId, 1, i.nowMs, i.nowMs + i.paymentTtlMs),
      i.groupId,
      i.nowMs,
      floor.generation,
      floor.seq,
      levelArg(i.levelCode),
    ],
  };
}

export function openGroupCall(k: CampaignKeys, i: OpenGroupInput, floor: HotPosition = ORIGIN): ScriptCall {
  return groupSlotCall('openGroup', k, i, floor);
}

export function joinGroupCall(k: CampaignKeys, i: JoinGroupInput, floor: HotPosition = ORIGIN): ScriptCall {
  return groupSlotCall('joinGroup', k, i, floor);
}

export function releaseReservationCall(
  k: CampaignKeys,
  reservationId: string,
  userId: string,
  nowMs: number,
  floor: HotPosition = ORIGIN,
): ScriptCall {
  return {
    script: 'releaseReservation',
    keys: [k.meta, k.released, k.stream],
    args: [reservationId, userId, nowMs, floor.generation, floor.seq],
  };
}

export function closeGroupCall(k: CampaignKeys, groupId: string, status: 'succeeded' | 'failed'): ScriptCall {
  return { script: 'closeGroup', keys: [k.meta, k.forming], args: [groupId, status] };
}

/** `settledUpTo`: the batch's latest position (moves the acknowledged position, hence reservations to settled). */
export function ackSettledCall(
  k: CampaignKeys,
  groupName: string,
  entries: Array<{ id: string }>,
  settledUpTo: HotPosition | undefined,
): ScriptCall {
  return {
    script: 'ackSettled',
    keys: [k.stream, k.meta],
    args: [
      groupName,
      settledUpTo ? settledUpTo.generation : '',
      settledUpTo ? settledUpTo.seq : '',
      ...entries.map((e) => e.id),
    ],
  };
}

export function acquireLeaseCall(k: CampaignKeys, holder: string, leaseMs: number): ScriptCall {
  return { script: 'acquireLease', keys: [k.lease], args: [holder, leaseMs] };
}

export function releaseLeaseCall(k: CampaignKeys, holder: string): ScriptCall {
  return { script: 'releaseLease', keys: [k.lease], args: [holder] };
}

export function suspendCampaignCall(k: CampaignKeys): ScriptCall {
  return { script: 'suspendCampaign', keys: [k.meta, k.rebuild], args: [] };
}

export function rebuildBeginCall(k: CampaignKeys, token: string, lockMs: number): ScriptCall {
  return {
    script: 'rebuildBegin',
    keys: [k.meta, k.released, k.forming, k.rebuild],
    args: [token, lockMs],
  };
}

export interface RebuildChunk {
  holdings: Array<[userId: string, holding: string]>;
  /** Holding and group fields of the metadata from before the rebuild, deleted before anything is written. */
  drop?: string[];
  released: string[];
  /** Each group's field (`packGroup`); a forming one is indexed by its expiry (epoch ms, as text). */
  groups: Array<{ id: string; value: string; expiresAt: string; forming: boolean }>;
}

export function rebuildChunkCall(k: CampaignKeys, token: string, chunk: RebuildChunk): ScriptCall {
  return {
    script: 'rebuildChunk',
    keys: [k.meta, k.released, k.forming, k.rebuild],
    args: [token, JSON.stringify(chunk)],
  };
}

export function rebuildFinishCall(
  k: CampaignKeys,
  token: string,
  def: CampaignDef,
  stockLeft: number,
  generation: number | undefined,
  campaignTotal?: number,
): ScriptCall {
  // A new generation starts its seq at 0; without one (a caller that predates positions) both stay as they are.
  const position = generation === undefined ? [] : ['gen', generation, 'seq', 0];
  const total = campaignTotal === undefined ? [] : ['campaignTotal', campaignTotal];
  return {
    script: 'rebuildFinish',
    keys: [k.meta, k.rebuild],
    args: [token, stockLeft, 'stockTotal', def.stockTotal, ...campaignMetaFields(def), ...total, ...position],
  };
}

/**
 * Every user's holding of a rebuilt state: the units they hold and a line per reservation they made (settled,
 * released, or pending with its stream position), as the reservation scripts keep them.
 */
export function rebuiltHoldings(state: RebuildState): Array<[userId: string, holding: string]> {
  const positions = new Map(state.pendingPositions ?? []);
  const lines = new Map<string, string[]>();
  for (const r of state.reservations) {
    const own = lines.get(r.userId) ?? [];
    own.push(holdingLine(r, r.status === 'pending' ? positions.get(r.id) : undefined));
    lines.set(r.userId, own);
  }
  const units = new Map(state.users);
  return [...lines].map(([userId, own]) => [userId, holdingValue(Math.max(0, units.get(userId) ?? 0), own)]);
}
