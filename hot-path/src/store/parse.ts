/** Turns what the scripts return (flat field/value lists, reservation lines, stream entries) into the contract's types. */
import { campaignOfShard } from './buckets.ts';
import type {
  GroupMember,
  GroupState,
  GroupStatus,
  HotPosition,
  Reservation,
  ReservationStatus,
  SettlementEntry,
} from './types.ts';
import { isBehind, orderIdFor } from './types.ts';

/** A script's reply that is a table of numbers (integers, or integer strings read back from a hash), as numbers. */
export function numberTable(reply: unknown): number[] {
  return Array.isArray(reply) ? reply.map(Number) : [];
}

export function flatToMap(flat: unknown): Map<string, string> {
  const m = new Map<string, string>();
  if (!Array.isArray(flat)) return m;
  for (let i = 0; i + 1 < flat.length; i += 2) m.set(String(flat[i]), String(flat[i + 1]));
  return m;
}

/**
 * A reservation's line, as the scripts keep it in its user's holding and write it to the stream's `r` field
 * (`recordReservation.lua`): tab-separated requestId, fingerprint, reservationId, quantity, createdAt, expiresAt,
 * unitPriceFen, gen, seq, status, then groupId and slot for a group's member. Status `p` (pending until the
 * campaign's acknowledged position reaches gen/seq), `s` settled, `r` released.
 */
const LINE = {
  requestId: 0,
  fingerprint: 1,
  id: 2,
  quantity: 3,
  createdAt: 4,
  expiresAt: 5,
  unitPriceFen: 6,
  gen: 7,
  seq: 8,
  status: 9,
  groupId: 10,
  slot: 11,
} as const;

/** The line of a reservation (a rebuild writes them); `position` is its stream entry's, for a pending one. */
export function holdingLine(r: Reservation, position?: HotPosition): string {
  const status = r.status === 'released' ? 'r' : r.status === 'settled' ? 's' : 'p';
  const f = [
    r.requestId,
    r.fingerprint ?? '',
    r.id,
    String(r.quantity),
    String(r.createdAtMs),
    String(r.expiresAtMs),
    String(r.unitPriceFen),
    position ? String(position.generation) : '',
    position ? String(position.seq) : '',
    status,
  ];
  if (r.groupId !== undefined) f.push(r.groupId, String(r.slot ?? 0));
  return f.join('\t');
}

/** A user's holding: the units held, then one line per reservation (see `holdingLine`). */
export function holdingValue(units: number, lines: string[]): string {
  return [String(units), ...lines].join('\n');
}

/**
 * The reservation of one line. `acked`: the campaign's acknowledged position (settlement commits a campaign's
 * entries in stream order, so a pending line at or below it has settled).
 */
export function lineToReservation(
  campaignId: string,
  userId: string,
  line: string,
  acked: HotPosition,
): Reservation {
  const f = line.split('\t');
  const id = f[LINE.id] ?? '';
  const gen = f[LINE.gen] ?? '';
  const seq = f[LINE.seq] ?? '';
  const code = f[LINE.status];
  const status: ReservationStatus =
    code === 'r'
      ? 'released'
      : code === 's' ||
          (gen !== '' && seq !== '' && !isBehind(acked, { generation: Number(gen), seq: Number(seq) }))
        ? 'settled'
        : 'pending';
  const r: Reservation = {
    id,
    campaignId,
    userId,
    requestId: f[LINE.requestId] ?? '',
    quantity: Number(f[LINE.quantity]),
    unitPriceFen: Number(f[LINE.unitPriceFen]),
    createdAtMs: Number(f[LINE.createdAt]),
    expiresAtMs: Number(f[LINE.expiresAt]),
    status,
    orderId: orderIdFor(id),
  };
  const groupId = f[LINE.groupId];
  if (groupId !== undefined && groupId !== '') {
    r.groupId = groupId;
    r.slot = Number(f[LINE.slot]);
  }
  const fingerprint = f[LINE.fingerprint];
  if (fingerprint) r.fingerprint = fingerprint;
  return r;
}

/** The reservation `reservationId` of a user's holding, or null when the holding has none of that id. */
export function findInHolding(
  campaignId: string,
  userId: string,
  holding: string | null,
  reservationId: string,
  acked: HotPosition,
): Reservation | null {
  if (!holding) return null;
  for (const line of holding.split('\n').slice(1)) {
    if (line.split('\t')[LINE.id] === reservationId)
      return lineToReservation(campaignId, userId, line, acked);
  }
  return null;
}

/** The acknowledged position of an HMGET of `ackGen`, `ackSeq` (ORIGIN when none was acknowledged). */
export function ackedPosition(reply: unknown): HotPosition {
  const [gen, seq] = Array.isArray(reply) ? reply : [];
  return { generation: Number(gen ?? 0) || 0, seq: Number(seq ?? 0) || 0 };
}

/**
 * A group as the scripts keep it, one field of its campaign's metadata (`groupField`, see `groupField.lua`):
 * tab-separated leaderId, size, createdAt, expiresAt, status, the free slots ascending (each followed by a comma),
 * and the members (`,userId:slot` each, then a final comma).
 */
export function packGroup(g: GroupState): string {
  const taken = new Set(g.members.map((m) => m.slot));
  let free = '';
  for (let slot = 1; slot <= g.size; slot++) if (!taken.has(slot)) free += `${slot},`;
  const members = g.members.map((m) => `${m.userId}:${m.slot},`).join('');
  return `${g.leaderId}\t${g.size}\t${g.createdAtMs}\t${g.expiresAtMs}\t${g.status}\t${free}\t,${members}`;
}

/** A group's field (`packGroup`) as the contract's group, or null when there is none. */
export function unpackGroup(campaignId: string, groupId: string, value: unknown): GroupState | null {
  if (typeof value !== 'string') return null;
  const [leaderId, size, createdAt, expiresAt, status, , members] = value.split('\t');
  if (members === undefined)
    throw new Error(`group ${groupId} is not in the hot layout: ${value.slice(0, 80)}`);
  const list: GroupMember[] = [];
  for (const m of members.split(',')) {
    if (m === '') continue;
    const colon = m.lastIndexOf(':');
    list.push({ userId: m.slice(0, colon), slot: Number(m.slice(colon + 1)) });
  }
  list.sort((a, b) => a.slot - b.slot);
  return {
    id: groupId,
    campaignId,
    leaderId: leaderId ?? '',
    size: Number(size),
    slotsTaken: list.length,
    members: list,
    status: status as GroupStatus,
    createdAtMs: Number(createdAt),
    expiresAtMs: Number(expiresAt),
  };
}

function num(v: unknown): number | undefined {
  return v === undefined || v === null || v === '' ? undefined : Number(v);
}

/**
 * The campaign facts a stream entry carries in its `f` field, packed once when the campaign is loaded
 * (`campaignMetaFields`): type, dry run (0/1), SKU, title; the title last, so it may hold any character.
 */
export function packCampaignFacts(def: {
  type: string;
  dryRun: boolean;
  skuId: string;
  title: string;
}): string {
  return `${def.type}\t${def.dryRun ? 1 : 0}\t${def.skuId}\t${def.title}`;
}

function unpackCampaignFacts(
  facts: string,
): Pick<SettlementEntry, 'campaignType' | 'dryRun' | 'skuId' | 'title'> {
  const a = facts.indexOf('\t');
  const b = facts.indexOf('\t', a + 1);
  const c = facts.indexOf('\t', b + 1);
  const type = facts.slice(0, a);
  return {
    campaignType: type === 'groupbuy' || type === 'coupon' ? type : 'seckill',
    dryRun: facts.slice(a + 1, b) === '1',
    skuId: facts.slice(b + 1, c),
    title: c < 0 ? '' : facts.slice(c + 1),
  };
}

/**
 * Parses a stream entry's fields as the scripts write them (flat name, value list): `u` the user, `r` the
 * reservation's line (see `holdingLine`), `f` the campaign's packed facts, `g` the group's leader, size, createdAt
 * and expiresAt (a group's member), and for a release `x` its time and `p` its own position. An entry written by
 * the older layout (one `e` field of JSON) still parses, so what it left unsettled settles after an upgrade.
 */
export function parseSettlementEntry(stream: string, fields: readonly string[]): SettlementEntry {
  const v: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) v[fields[i] as string] = fields[i + 1] as string;
  // `stream` is the hot-state id the entry was read from: a stock bucket's shard id names its campaign first.
  const campaignId = campaignOfShard(stream);
  if (v.e !== undefined) return parseJsonEntry(campaignId, v.e);
  const f = (v.r ?? '').split('\t');
  const released = v.x !== undefined;
  const e: SettlementEntry = {
    kind: released ? 'release' : 'reserve',
    campaignId,
    reservationId: f[LINE.id] ?? '',
    userId: v.u ?? '',
    requestId: f[LINE.requestId] ?? '',
    quantity: Number(f[LINE.quantity]),
    unitPriceFen: Number(f[LINE.unitPriceFen]),
    createdAtMs: Number(f[LINE.createdAt]),
    expiresAtMs: Number(f[LINE.expiresAt]),
    ...unpackCampaignFacts(v.f ?? ''),
  };
  if (stream !== campaignId) e.shardId = stream;
  const [gen, seq] = released ? (v.p ?? '').split('\t') : [f[LINE.gen], f[LINE.seq]];
  const generation = num(gen);
  const position = num(seq);
  if (generation !== undefined && position !== undefined) {
    e.generation = generation;
    e.seq = position;
  }
  if (released) e.releasedAtMs = Number(v.x);
  const groupId = f[LINE.groupId];
  if (groupId !== undefined && groupId !== '') {
    e.groupId = groupId;
    const slot = num(f[LINE.slot]);
    if (slot !== undefined) e.slot = slot;
    const [leaderId, size, createdAt, expiresAt] = (v.g ?? '').split('\t');
    if (leaderId) e.groupLeaderId = leaderId;
    const groupSize = num(size);
    if (groupSize !== undefined) e.groupSize = groupSize;
    const created = num(createdAt);
    if (created !== undefined) e.groupCreatedAtMs = created;
    const expires = num(expiresAt);
    if (expires !== undefined) e.groupExpiresAtMs = expires;
  }
  return e;
}

/** An entry of the older layout: its JSON payload (strings as written by Lua's cjson). */
function parseJsonEntry(campaignId: string, json: string): SettlementEntry {
  const o = JSON.parse(json) as Record<string, unknown>;
  const e: SettlementEntry = {
    kind: o.kind === 'release' ? 'release' : 'reserve',
    campaignId,
    reservationId: String(o.reservationId),
    userId: String(o.userId),
    requestId: String(o.requestId ?? ''),
    quantity: Number(o.quantity),
    unitPriceFen: Number(o.unitPriceFen),
    createdAtMs: Number(o.createdAt),
    expiresAtMs: Number(o.expiresAt),
    campaignType: o.campaignType === 'groupbuy' || o.campaignType === 'coupon' ? o.campaignType : 'seckill',
    skuId: String(o.skuId ?? ''),
    title: String(o.title ?? ''),
    dryRun: o.dryRun === '1' || o.dryRun === true,
  };
  const generation = num(o.gen);
  const seq = num(o.seq);
  if (generation !== undefined && seq !== undefined) {
    e.generation = generation;
    e.seq = seq;
  }
  const releasedAt = num(o.releasedAt);
  if (releasedAt !== undefined) e.releasedAtMs = releasedAt;
  if (typeof o.groupId === 'string' && o.groupId !== '') {
    e.groupId = o.groupId;
    const slot = num(o.slot);
    if (slot !== undefined) e.slot = slot;
    if (typeof o.groupLeaderId === 'string') e.groupLeaderId = o.groupLeaderId;
    const size = num(o.groupSize);
    if (size !== undefined) e.groupSize = size;
    const created = num(o.groupCreatedAt);
    if (created !== undefined) e.groupCreatedAtMs = created;
    const expires = num(o.groupExpiresAt);
    if (expires !== undefined) e.groupExpiresAtMs = expires;
  }
  return e;
}
