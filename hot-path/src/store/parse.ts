/** Turns what the scripts return (flat field/value lists, stream entries as JSON) into the contract's types. */
import type {
  GroupMember,
  GroupState,
  GroupStatus,
  Reservation,
  ReservationStatus,
  SettlementEntry,
} from './types.ts';
import { orderIdFor } from './types.ts';

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

export function recordToReservation(campaignId: string, m: Map<string, string>): Reservation | null {
  const id = m.get('id');
  if (id === undefined) return null;
  const r: Reservation = {
    id,
    campaignId,
    userId: m.get('userId') ?? '',
    requestId: m.get('requestId') ?? '',
    quantity: Number(m.get('quantity')),
    unitPriceFen: Number(m.get('unitPriceFen')),
    createdAtMs: Number(m.get('createdAt')),
    expiresAtMs: Number(m.get('expiresAt')),
    status: (m.get('status') ?? 'pending') as ReservationStatus,
    orderId: orderIdFor(id),
  };
  const groupId = m.get('groupId');
  if (groupId !== undefined) {
    r.groupId = groupId;
    r.slot = Number(m.get('slot'));
  }
  const fingerprint = m.get('fp');
  if (fingerprint !== undefined) r.fingerprint = fingerprint;
  return r;
}

export function hashToGroup(campaignId: string, m: Map<string, string>): GroupState | null {
  const id = m.get('id');
  if (id === undefined) return null;
  const members: GroupMember[] = [];
  for (const [field, value] of m) {
    if (field.startsWith('s:')) members.push({ userId: value, slot: Number(field.slice(2)) });
  }
  members.sort((a, b) => a.slot - b.slot);
  return {
    id,
    campaignId,
    leaderId: m.get('leaderId') ?? '',
    size: Number(m.get('size')),
    slotsTaken: Number(m.get('taken')),
    members,
    status: (m.get('status') ?? 'forming') as GroupStatus,
    createdAtMs: Number(m.get('createdAt')),
    expiresAtMs: Number(m.get('expiresAt')),
  };
}

/** The group hash fields of a group, as the scripts write them. */
export function groupFields(g: GroupState): string[] {
  const f = [
    'id',
    g.id,
    'leaderId',
    g.leaderId,
    'size',
    String(g.size),
    'taken',
    String(g.members.length),
    'status',
    g.status,
    'createdAt',
    String(g.createdAtMs),
    'expiresAt',
    String(g.expiresAtMs),
  ];
  for (const m of g.members) f.push(`s:${m.slot}`, m.userId, `u:${m.userId}`, String(m.slot));
  return f;
}

function num(v: unknown): number | undefined {
  return v === undefined || v === null || v === '' ? undefined : Number(v);
}

/** Parses the JSON payload of a stream entry (strings as written by Lua's cjson). */
export function parseSettlementEntry(campaignId: string, json: string): SettlementEntry {
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
