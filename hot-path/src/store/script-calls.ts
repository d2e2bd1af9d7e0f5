/**
 * Exactly one typed builder per script: the only place that assembles a script's KEYS and ARGV. The Redis store
 * calls them, and so does the benchmark for its raw EVALSHA baseline.
 */
import type { CampaignKeys } from './keys.ts';
import {
  type CampaignDef,
  type ClaimCouponInput,
  type HotPosition,
  type JoinGroupInput,
  LEVEL_CODE_PATTERN,
  type OpenGroupInput,
  ORIGIN,
  type RebuildState,
  type Reservation,
  type ReserveSeckillInput,
  requestFingerprint,
} from './types.ts';

export interface ScriptCall {
  script: string;
  keys: string[];
  args: Array<string | number>;
}

/** Metadata fields as the scripts read them (flags as 0/1). */
export function campaignMetaFields(def: CampaignDef): Array<string | number> {
  return [
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

export function loadCampaignCall(k: CampaignKeys, def: CampaignDef): ScriptCall {
  return {
    script: 'loadCampaign',
    keys: [k.meta, k.stock],
    args: [def.stockTotal, ...campaignMetaFields(def)],
  };
}

/** `floor`: the position the caller knows the campaign reached; a hot state behind it refuses (-14). */
export function reserveSeckillCall(
  k: CampaignKeys,
  i: ReserveSeckillInput,
  retentionMs: number,
  floor: HotPosition = ORIGIN,
): ScriptCall {
  return {
    script: 'reserveSeckill',
    keys: [k.meta, k.stock, k.users, k.requests, k.stream, k.record(i.reservationId)],
    args: [
      i.userId,
      i.requestId,
      i.quantity,
      i.reservationId,
      i.nowMs,
      i.paymentTtlMs,
      retentionMs,
      requestFingerprint({ kind: 'seckill', quantity: i.quantity }),
      floor.generation,
      floor.seq,
      levelArg(i.levelCode),
    ],
  };
}

/** One claim of a coupon template; the claim record is kept until the claim window ends plus `retentionMs`. */
export function claimCouponCall(
  k: CampaignKeys,
  i: ClaimCouponInput,
  retentionMs: number,
  floor: HotPosition = ORIGIN,
): ScriptCall {
  return {
    script: 'claimCoupon',
    keys: [k.meta, k.stock, k.users, k.requests, k.stream, k.record(i.reservationId)],
    args: [i.userId, i.requestId, i.reservationId, i.nowMs, retentionMs, floor.generation, floor.seq],
  };
}

/** Open and join take the same keys and arguments: the campaign's, the new reservation's, the group's. */
function groupSlotCall(
  script: 'openGroup' | 'joinGroup',
  k: CampaignKeys,
  i: OpenGroupInput | JoinGroupInput,
  retentionMs: number,
  floor: HotPosition,
): ScriptCall {
  return {
    script,
    keys: [
      k.meta,
      k.stock,
      k.users,
      k.requests,
      k.stream,
      k.record(i.reservationId),
      k.group(i.groupId),
      k.forming,
    ],
    args: [
      i.userId,
      i.requestId,
      i.groupId,
      i.reservationId,
      i.nowMs,
      i.paymentTtlMs,
      retentionMs,
      requestFingerprint(script === 'openGroup' ? { kind: 'open' } : { kind: 'join', groupId: i.groupId }),
      floor.generation,
      floor.seq,
      levelArg(i.levelCode),
    ],
  };
}

export function openGroupCall(
  k: CampaignKeys,
  i: OpenGroupInput,
  retentionMs: number,
  floor: HotPosition = ORIGIN,
): ScriptCall {
  return groupSlotCall('openGroup', k, i, retentionMs, floor);
}

export function joinGroupCall(
  k: CampaignKeys,
  i: JoinGroupInput,
  retentionMs: number,
  floor: HotPosition = ORIGIN,
): ScriptCall {
  return groupSlotCall('joinGroup', k, i, retentionMs, floor);
}

export function releaseReservationCall(
  k: CampaignKeys,
  reservationId: string,
  groupId: string | undefined,
  nowMs: number,
  floor: HotPosition = ORIGIN,
): ScriptCall {
  return {
    script: 'releaseReservation',
    keys: [
      k.meta,
      k.stock,
      k.users,
      k.released,
      k.stream,
      k.record(reservationId),
      k.group(groupId ?? ''),
      k.forming,
    ],
    args: [reservationId, nowMs, floor.generation, floor.seq],
  };
}

export function closeGroupCall(k: CampaignKeys, groupId: string, status: 'succeeded' | 'failed'): ScriptCall {
  return { script: 'closeGroup', keys: [k.group(groupId), k.forming], args: [groupId, status] };
}

export function ackSettledCall(
  k: CampaignKeys,
  groupName: string,
  entries: Array<{ id: string; reservationId: string }>,
): ScriptCall {
  return {
    script: 'ackSettled',
    keys: [k.stream, k.meta],
    args: [groupName, ...entries.flatMap((e) => [e.id, e.reservationId])],
  };
}

export function acquireLeaseCall(k: CampaignKeys, holder: string, leaseMs: number): ScriptCall {
  return { script: 'acquireLease', keys: [k.lease], args: [holder, leaseMs] };
}

export function releaseLeaseCall(k: CampaignKeys, holder: string): ScriptCall {
  return { script: 'releaseLease', keys: [k.lease], args: [holder] };
}

export function suspendCampaignCall(k: CampaignKeys): ScriptCall {
  return { script: 'suspendCampaign', keys: [k.stock, k.rebuild], args: [] };
}

export function rebuildBeginCall(k: CampaignKeys, token: string, lockMs: number): ScriptCall {
  return {
    script: 'rebuildBegin',
    keys: [k.meta, k.stock, k.users, k.requests, k.released, k.forming, k.rebuild],
    args: [token, lockMs],
  };
}

export interface RebuildChunk {
  users: RebuildState['users'];
  requests: RebuildState['requests'];
  released: string[];
  records: Array<{ id: string; fields: string[]; expireAtMs: number }>;
  groups: Array<{ id: string; fields: string[]; expireAtMs: number; forming: boolean; taken: number }>;
}

export function rebuildChunkCall(k: CampaignKeys, token: string, chunk: RebuildChunk): ScriptCall {
  return {
    script: 'rebuildChunk',
    keys: [k.stock, k.users, k.requests, k.released, k.forming, k.rebuild],
    args: [token, JSON.stringify(chunk)],
  };
}

export function rebuildFinishCall(
  k: CampaignKeys,
  token: string,
  def: CampaignDef,
  stockLeft: number,
  generation: number | undefined,
): ScriptCall {
  // A new generation starts its seq at 0; without one (a caller that predates positions) both stay as they are.
  const position = generation === undefined ? [] : ['gen', generation, 'seq', 0];
  return {
    script: 'rebuildFinish',
    keys: [k.meta, k.stock, k.rebuild],
    args: [token, stockLeft, 'stockTotal', def.stockTotal, ...campaignMetaFields(def), ...position],
  };
}

/** The record hash fields of a reservation, as the scripts write them. */
export function reservationFields(r: Reservation): string[] {
  const f = [
    'id',
    r.id,
    'userId',
    r.userId,
    'requestId',
    r.requestId,
    'quantity',
    String(r.quantity),
    'unitPriceFen',
    String(r.unitPriceFen),
    'createdAt',
    String(r.createdAtMs),
    'expiresAt',
    String(r.expiresAtMs),
    'status',
    r.status,
  ];
  if (r.groupId !== undefined) f.push('groupId', r.groupId, 'slot', String(r.slot ?? 0));
  if (r.fingerprint !== undefined) f.push('fp', r.fingerprint);
  return f;
}
