/**
 * Reconciliation: PostgreSQL is the truth, the hot path a rebuildable cache of it. Compares a campaign's hot
 * position and counters with PostgreSQL's, and rebuilds the hot state from the orders plus whatever unsettled
 * stream entries survived when it is missing (Redis flushed, keys lost, embedded restart), behind (Redis came back
 * from an older copy: an AOF cut short, a promoted lagging replica) or drifting, so nothing is oversold and
 * retries replay.
 */

import { homeBucket, shardIds, splitStock } from '../store/buckets.ts';
import type {
  CampaignDef,
  GroupState,
  HotPathStore,
  HotPosition,
  RebuildOutcome,
  Reservation,
  StreamEntry,
} from '../store/types.ts';
import { isBehind, orderIdFor, requestFingerprint } from '../store/types.ts';
import type { SettledRecords } from './records.ts';

/** Consecutive checks that must all see drift before it alone triggers a rebuild (one could race a settlement). */
const DRIFT_CHECKS = 3;
/** Between checks of a bucketed campaign whose shares alone are short of its total (see reconcileBuckets). */
const MOVE_PAUSE_MS = 100;

export type RebuildReason = 'missing' | 'behind' | 'drift';

/** Anything with pg's `query(text, params)` shape: a pg Pool or Client, or an adapter over MikroORM's connection. */
export interface SqlRunner {
  query<R extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface ReconcileReport {
  campaignId: string;
  /** `rebuilt` when the hot state was missing and has been rebuilt; `present` when it was there; `busy` when another
   * process is rebuilding it right now. */
  outcome: RebuildOutcome;
  /** stock total − live units (orders whose units did not go back to stock, plus reservations not yet settled, minus unsettled releases). */
  expectedStockLeft: number;
  actualStockLeft: number;
  /** actual − expected: positive means units the hot path could still sell that PostgreSQL says are gone. A
   * snapshot: reservations landing between the reads make it move; alert only when it persists. */
  drift: number;
  liveUnits: number;
  unsettledEntries: number;
  /** Why it was rebuilt (or was to be, when `busy`). */
  reason?: RebuildReason;
  /** The latest position PostgreSQL has settled, and the hot state's (null when missing) when checked. */
  settled: HotPosition;
  position: HotPosition | null;
}

/** The latest position settled into PostgreSQL for a campaign (0, 0 before any). */
export async function readSettledPosition(sql: SqlRunner, campaignId: string): Promise<HotPosition> {
  const res = await sql.query<{ settled_generation: string | number; settled_seq: string | number }>(
    'select settled_generation, settled_seq from hot_path_positions where campaign_id = $1',
    [campaignId],
  );
  const row = res.rows[0];
  return { generation: Number(row?.settled_generation ?? 0), seq: Number(row?.settled_seq ?? 0) };
}

/** Issues the generation a rebuild starts: above every generation issued or settled before (PostgreSQL's counter). */
async function issueGeneration(sql: SqlRunner, campaignId: string): Promise<number> {
  const res = await sql.query<{ generation: string | number }>(
    `insert into hot_path_positions (campaign_id, generation) values ($1, 1)
     on conflict (campaign_id) do update
       set generation = greatest(hot_path_positions.generation, hot_path_positions.settled_generation) + 1,
           updated_at = now()
     returning generation`,
    [campaignId],
  );
  return Number(res.rows[0]?.generation);
}

interface Known {
  reservation: Reservation;
  live: boolean;
}

/** A settled reservation as PostgreSQL keeps it (an order, or a claimed coupon). */
export interface SettledUnits {
  reservationId: string;
  requestId: string;
  userId: string;
  quantity: number;
  unitPriceFen: number;
  createdAtMs: number;
  expiresAtMs: number;
  /** False once its units went back to stock (a cancelled order, or a refunded one whose units returned). */
  live: boolean;
  groupId?: string;
  groupLeaderId?: string;
}

/**
 * Where a campaign type's settled units live in PostgreSQL, for reconciliation: `count` is the periodic check's
 * one statement (the sum of live units, and which of `reservationIds` are settled, how many units, live or
 * not), `list` the rebuild's full read. The owner of the units' tables implements it: orders for seckill and
 * group-buy campaigns (`SettledRecords.orders`), coupons for coupon claims.
 */
export interface LiveUnitsSource {
  count(
    sql: SqlRunner,
    campaignId: string,
    reservationIds: string[],
  ): Promise<{ units: number; found: Array<[reservationId: string, quantity: number, live: boolean]> }>;
  list(sql: SqlRunner, campaignId: string): Promise<SettledUnits[]>;
  /**
   * `count` of a campaign with stock buckets (`buckets` > 1), split by the shopper's home bucket (`homeBucketSql`
   * of the order's user id): `units[b]` the live units of bucket b's shoppers. One statement, as `count` is.
   * Needed only by a source whose campaigns may have buckets (orders: seckill).
   */
  countByBucket?(
    sql: SqlRunner,
    campaignId: string,
    buckets: number,
    reservationIds: string[],
  ): Promise<{ units: number[]; found: Array<[reservationId: string, quantity: number, live: boolean]> }>;
}

/** A time from PostgreSQL (a Date, or its text). */
export function ms(v: unknown): number {
  return v instanceof Date ? v.getTime() : new Date(String(v)).getTime();
}

/**
 * Reconciles one campaign (run at start, periodically, and whenever the store suspects its hot state): rebuilds it
 * when it is missing, behind the position PostgreSQL settled, or drifting on consecutive checks.
 */
export async function reconcileCampaign(args: {
  store: HotPathStore;
  /** PostgreSQL: the hot path's own `hot_path_positions`, and what `records` and `units` read through. */
  sql: SqlRunner;
  /** The settled orders and groups, read through their owner (broker-services' orders module). */
  records: SettledRecords;
  def: CampaignDef;
  /** Where the campaign's settled units are in PostgreSQL: its orders unless given (coupon claims: coupons). */
  units?: LiveUnitsSource;
}): Promise<ReconcileReport> {
  const { store, sql, records, def } = args;
  const buckets = store.bucketsFor(def);
  if (buckets > 1) return reconcileBuckets({ store, sql, def, buckets, units: args.units ?? records.orders });
  const settled = await readSettledPosition(sql, def.id);
  // From here on this process refuses to sell on a hot state behind what PostgreSQL settled.
  store.raiseFloor(def.id, settled);
  let reason: RebuildReason = 'missing';
  let position: HotPosition | null = null;
  for (let check = 1; ; check++) {
    // Entries, counter and position in one instant; then PostgreSQL: an entry settled in between shows in both
    // (deduplicated by reservation id), never in neither, because settlement commits before it acknowledges.
    const snap = await store.snapshotUnsettled(def.id);
    position = snap.position;
    if (!snap.counters || !snap.position) break;
    if (isBehind(snap.position, settled)) {
      reason = 'behind';
      break;
    }
    // The periodic check: counts only. Loading every order of a large campaign into this process every 30 s
    // stalled its event loop (the gateway's, in a one-process deployment) for hundreds of milliseconds.
    const liveUnits = await countLiveUnits(sql, args.units ?? records.orders, def.id, snap.entries);
    const left = snap.counters.stockLeft;
    if (left === Math.max(0, snap.counters.stockTotal - liveUnits)) {
      await store.loadCampaign(def);
      return report(store, def, 'present', liveUnits, snap.entries.length, { settled, position });
    }
    if (check >= DRIFT_CHECKS) {
      reason = 'drift';
      break;
    }
  }
  if (reason !== 'missing' && !(await store.suspendCampaign(def.id)))
    return report(store, def, 'busy', 0, 0, { settled, position, reason });
  // Suspended (or missing): nothing is sold from here until the rebuild, so this read of the stream is final.
  const unsettled = await store.listUnsettled(def.id);
  const units = args.units ?? records.orders;
  const settledRows = await units.list(sql, def.id);
  const members = def.type !== 'groupbuy' ? [] : await records.formingGroups(sql, def.id);

  const { known, groups, pendingPositions } = mergeTruth(def, settledRows, members, unsettled);

  let liveUnits = 0;
  const users = new Map<string, number>();
  for (const { reservation: r, live } of known.values()) {
    if (!live) continue;
    liveUnits += r.quantity;
    users.set(r.userId, (users.get(r.userId) ?? 0) + r.quantity);
  }
  for (const g of groups.values()) g.slotsTaken = g.members.length;
  const expectedStockLeft = def.stockTotal - liveUnits;

  const generation = await issueGeneration(sql, def.id);
  const outcome = await store.rebuildCampaign({
    generation,
    def,
    // Never below zero: if the orders already exceed the total, selling stops and the drift reports it.
    stockLeft: Math.max(0, expectedStockLeft),
    users: [...users],
    requests: [...known.values()].map(({ reservation: r }) => [r.userId, r.requestId, r.id]),
    released: [...known.values()].filter((k) => !k.live).map((k) => k.reservation.id),
    reservations: [...known.values()].map((k) => k.reservation),
    pendingPositions,
    groups: [...groups.values()].filter((g) => g.members.length > 0),
  });
  if (outcome === 'rebuilt') store.observer?.hotStateRebuilt?.({ campaignId: def.id, reason });
  return report(store, def, outcome, liveUnits, unsettled.length, { settled, position, reason });
}

/**
 * The truth a rebuild writes: PostgreSQL's settled reservations and forming groups, with the unsettled stream
 * entries laid over them (a reservation not yet an order is live and pending at its position; a release not yet
 * applied takes its order's units back).
 */
function mergeTruth(
  def: CampaignDef,
  settledRows: SettledUnits[],
  members: Awaited<ReturnType<SettledRecords['formingGroups']>>,
  unsettled: StreamEntry[],
): {
  known: Map<string, Known>;
  groups: Map<string, GroupState>;
  pendingPositions: Array<[string, HotPosition]>;
} {
  const known = new Map<string, Known>();
  for (const o of settledRows) {
    const live = o.live;
    const r: Reservation = {
      id: o.reservationId,
      campaignId: def.id,
      userId: o.userId,
      requestId: o.requestId,
      quantity: o.quantity,
      unitPriceFen: o.unitPriceFen,
      createdAtMs: o.createdAtMs,
      expiresAtMs: o.expiresAtMs,
      status: live ? 'settled' : 'released',
      orderId: orderIdFor(o.reservationId),
    };
    if (o.groupId) r.groupId = o.groupId;
    const fingerprint = rebuiltFingerprint(def, r, o.groupLeaderId);
    if (fingerprint !== undefined) r.fingerprint = fingerprint;
    known.set(r.id, { reservation: r, live });
  }

  const byOrder = new Map([...known.values()].map((k) => [k.reservation.orderId, k]));
  const groups = new Map<string, GroupState>();
  for (const m of members) {
    let g = groups.get(m.id);
    if (!g) {
      g = {
        id: m.id,
        campaignId: def.id,
        leaderId: m.leader_id,
        size: Number(m.size),
        slotsTaken: 0,
        members: [],
        status: 'forming',
        createdAtMs: ms(m.created_at),
        expiresAtMs: ms(m.expires_at),
      };
      groups.set(m.id, g);
    }
    if (m.user_id !== null && m.slot !== null) {
      g.members.push({ userId: m.user_id, slot: Number(m.slot) });
      const k = m.order_id ? byOrder.get(m.order_id) : undefined;
      if (k) k.reservation.slot = Number(m.slot);
    }
  }

  const pendingPositions: Array<[string, HotPosition]> = [];
  for (const { entry: e } of unsettled) {
    const k = known.get(e.reservationId);
    if (e.kind === 'reserve') {
      if (k) continue;
      if (e.generation !== undefined && e.seq !== undefined)
        pendingPositions.push([e.reservationId, { generation: e.generation, seq: e.seq }]);
      const r: Reservation = {
        id: e.reservationId,
        campaignId: def.id,
        userId: e.userId,
        requestId: e.requestId,
        quantity: e.quantity,
        unitPriceFen: e.unitPriceFen,
        createdAtMs: e.createdAtMs,
        expiresAtMs: e.expiresAtMs,
        status: 'pending',
        orderId: orderIdFor(e.reservationId),
      };
      if (e.groupId !== undefined) r.groupId = e.groupId;
      const fingerprint = rebuiltFingerprint(def, r, e.groupLeaderId);
      if (fingerprint !== undefined) r.fingerprint = fingerprint;
      if (e.groupId !== undefined) {
        if (e.slot !== undefined) r.slot = e.slot;
        let g = groups.get(e.groupId);
        if (!g && e.groupLeaderId !== undefined) {
          g = {
            id: e.groupId,
            campaignId: def.id,
            leaderId: e.groupLeaderId,
            size: e.groupSize ?? def.groupSize ?? 0,
            slotsTaken: 0,
            members: [],
            status: 'forming',
            createdAtMs: e.groupCreatedAtMs ?? e.createdAtMs,
            expiresAtMs: e.groupExpiresAtMs ?? e.expiresAtMs,
          };
          groups.set(e.groupId, g);
        }
        if (g && e.slot !== undefined && !g.members.some((m) => m.userId === e.userId))
          g.members.push({ userId: e.userId, slot: e.slot });
      }
      known.set(r.id, { reservation: r, live: true });
    } else if (k?.live) {
      // A release not yet settled: its units are back in stock already.
      k.live = false;
      k.reservation.status = 'released';
      const g = k.reservation.groupId === undefined ? undefined : groups.get(k.reservation.groupId);
      if (g) g.members = g.members.filter((m) => m.userId !== k.reservation.userId);
    }
  }

  return { known, groups, pendingPositions };
}

/** The fingerprint of the request that made a reservation, as far as PostgreSQL tells it: a group member is
 * the opener when they lead the group. Unknown (no check on retry) only for a group whose leader is unknown. */
function rebuiltFingerprint(
  def: CampaignDef,
  r: Reservation,
  groupLeaderId: string | undefined,
): string | undefined {
  if (def.type === 'seckill') return requestFingerprint({ kind: 'seckill', quantity: r.quantity });
  if (def.type === 'coupon') return requestFingerprint({ kind: 'claim' });
  if (r.groupId === undefined || groupLeaderId === undefined) return undefined;
  return requestFingerprint(
    groupLeaderId === r.userId ? { kind: 'open' } : { kind: 'join', groupId: r.groupId },
  );
}

async function report(
  store: HotPathStore,
  def: CampaignDef,
  outcome: RebuildOutcome,
  liveUnits: number,
  unsettledEntries: number,
  where: { settled: HotPosition; position: HotPosition | null; reason?: RebuildReason },
): Promise<ReconcileReport> {
  const expectedStockLeft = def.stockTotal - liveUnits;
  const counters = await store.getCampaignCounters(def.id);
  const actualStockLeft = counters?.stockLeft ?? 0;
  return {
    campaignId: def.id,
    outcome,
    expectedStockLeft,
    actualStockLeft,
    drift: actualStockLeft - expectedStockLeft,
    liveUnits,
    unsettledEntries,
    ...where,
  };
}

/**
 * Live units (units not back in stock) as the full rebuild counts them, from a sum in PostgreSQL plus the unsettled
 * stream entries: a reservation not yet an order adds its units, a release not yet applied takes its order's (or
 * its unsettled reservation's) away. The sum and the lookup of the unsettled ids are one statement, so one
 * snapshot: an entry settled meanwhile is counted once, by PostgreSQL.
 */
async function countLiveUnits(
  sql: SqlRunner,
  units: LiveUnitsSource,
  campaignId: string,
  unsettled: StreamEntry[],
): Promise<number> {
  const ids = [...new Set(unsettled.map((u) => u.entry.reservationId))];
  const res = await units.count(sql, campaignId, ids);
  return liveAfter(res.units, settledById(res.found), unsettled);
}

type Found = Array<[reservationId: string, quantity: number, live: boolean]>;

function settledById(found: Found): Map<string, { quantity: number; live: boolean }> {
  return new Map(found.map(([id, quantity, isLive]) => [id, { quantity: Number(quantity), live: isLive }]));
}

/** PostgreSQL's live units with a hot state's unsettled entries laid over them (see `countLiveUnits`). */
function liveAfter(
  units: number,
  settled: Map<string, { quantity: number; live: boolean }>,
  unsettled: StreamEntry[],
): number {
  let live = units;
  /** Unsettled reservations that are not orders yet, still live: their units. */
  const pending = new Map<string, number>();
  for (const { entry: e } of unsettled) {
    const order = settled.get(e.reservationId);
    if (e.kind === 'reserve') {
      if (!order) {
        pending.set(e.reservationId, e.quantity);
        live += e.quantity;
      }
    } else if (pending.has(e.reservationId)) {
      live -= pending.get(e.reservationId) ?? 0;
      pending.delete(e.reservationId);
    } else if (order?.live) {
      live -= order.quantity;
      order.live = false;
    }
  }
  return live;
}

/**
 * Reconciles a seckill campaign kept in stock buckets (see `store/buckets.ts`). The check: every bucket's units
 * left equal its share less its shoppers' live units (PostgreSQL's, split by home bucket in one statement, with
 * the bucket's unsettled entries laid over them), and the shares add up to the campaign's total (units taken from
 * one bucket and not yet given to another make them short). A rebuild takes every bucket offline, reads every
 * stream and PostgreSQL once, and writes every bucket: its shoppers' holdings and a new share, the units left
 * split evenly over the buckets, each in a generation of its own issued by PostgreSQL.
 */
async function reconcileBuckets(args: {
  store: HotPathStore;
  sql: SqlRunner;
  def: CampaignDef;
  units: LiveUnitsSource;
  buckets: number;
}): Promise<ReconcileReport> {
  const { store, sql, def, units, buckets } = args;
  const shards = shardIds(def.id, buckets);
  const settledAt = await Promise.all(shards.map((s) => readSettledPosition(sql, s)));
  shards.forEach((s, b) => {
    store.raiseFloor(s, settledAt[b] ?? { generation: 0, seq: 0 });
  });
  // Where the report says the campaign stands: bucket 0's positions (each bucket has its own).
  const where = (position: HotPosition | null) => ({
    settled: settledAt[0] ?? { generation: 0, seq: 0 },
    position,
  });
  let reason: RebuildReason = 'missing';
  let position: HotPosition | null = null;
  let present: boolean[] = shards.map(() => false);
  for (let check = 1; ; check++) {
    const snaps = await Promise.all(shards.map((s) => store.snapshotUnsettled(s)));
    present = snaps.map((snap) => snap.counters !== null && snap.position !== null);
    position = snaps[0]?.position ?? null;
    if (present.some((p) => !p)) break;
    if (snaps.some((snap, b) => snap.position && isBehind(snap.position, settledAt[b] ?? snap.position))) {
      reason = 'behind';
      break;
    }
    const entries = snaps.flatMap((snap) => snap.entries);
    const ids = [...new Set(entries.map((u) => u.entry.reservationId))];
    if (!units.countByBucket)
      throw new Error(`campaign ${def.id} has stock buckets its units source cannot count`);
    const res = await units.countByBucket(sql, def.id, buckets, ids);
    const settled = settledById(res.found);
    let liveUnits = 0;
    let shares = 0;
    let consistent = true;
    snaps.forEach((snap, b) => {
      const live = liveAfter(res.units[b] ?? 0, settled, snap.entries);
      liveUnits += live;
      const c = snap.counters;
      if (!c) return;
      shares += c.stockTotal;
      if (c.stockLeft !== Math.max(0, c.stockTotal - live)) consistent = false;
    });
    const total = await campaignTotal(store, def.id);
    if (consistent && shares === total) {
      await store.loadCampaign(def);
      return report(store, def, 'present', liveUnits, entries.length, where(position));
    }
    if (check >= DRIFT_CHECKS) {
      reason = 'drift';
      break;
    }
    // Every bucket agrees with its shoppers but the shares are short of the total: a move may be between its
    // take and its give (milliseconds). Checks back to back could all land inside the same move near a sell-out
    // and rebuild every bucket for nothing; a short pause lets it finish. A move whose mover stopped between its
    // steps (a crash, a lost connection) is then finished here from its take: its give applies once by the
    // move's id, so a mover still at work gives nothing twice.
    if (consistent) {
      await new Promise((resolve) => setTimeout(resolve, MOVE_PAUSE_MS));
      await store.completeMoves(def.id, buckets);
    }
  }
  // Every bucket still here goes offline first: from here nothing is sold in any, so these reads are final.
  for (const [b, s] of shards.entries()) {
    if (present[b] && !(await store.suspendCampaign(s)))
      return report(store, def, 'busy', 0, 0, { ...where(position), reason });
  }
  const streams = await Promise.all(shards.map((s) => store.listUnsettled(s)));
  const settledRows = await units.list(sql, def.id);
  const unsettled = streams.flat();
  const { known, pendingPositions } = mergeTruth(def, settledRows, [], unsettled);

  const home = (userId: string) => homeBucket(userId, buckets);
  const live = shards.map(() => 0);
  const users = shards.map(() => new Map<string, number>());
  for (const { reservation: r, live: isLive } of known.values()) {
    if (!isLive) continue;
    const b = home(r.userId);
    live[b] = (live[b] ?? 0) + r.quantity;
    users[b]?.set(r.userId, (users[b]?.get(r.userId) ?? 0) + r.quantity);
  }
  const liveUnits = live.reduce((n, u) => n + u, 0);
  // Never below zero: if the orders already exceed the total, selling stops and the drift reports it.
  const left = splitStock(Math.max(0, def.stockTotal - liveUnits), buckets);
  const byId = new Map(pendingPositions);
  let outcome: RebuildOutcome = 'rebuilt';
  for (const [b, s] of shards.entries()) {
    const mine = [...known.values()].filter((k) => home(k.reservation.userId) === b);
    const generation = await issueGeneration(sql, s);
    const stockLeft = left[b] ?? 0;
    const done = await store.rebuildCampaign({
      generation,
      def: { ...def, id: s, stockTotal: (live[b] ?? 0) + stockLeft },
      ...(b === 0 ? { campaignTotal: def.stockTotal } : {}),
      stockLeft,
      users: [...(users[b] ?? new Map<string, number>())],
      requests: mine.map(({ reservation: r }) => [r.userId, r.requestId, r.id]),
      released: mine.filter((k) => !k.live).map((k) => k.reservation.id),
      reservations: mine.map((k) => k.reservation),
      pendingPositions: mine.flatMap(({ reservation: r }) => {
        const p = byId.get(r.id);
        return p ? [[r.id, p] as [string, HotPosition]] : [];
      }),
      groups: [],
    });
    if (done !== 'rebuilt') outcome = done === 'busy' ? 'busy' : outcome;
  }
  if (outcome === 'rebuilt') store.observer?.hotStateRebuilt?.({ campaignId: def.id, reason });
  return report(store, def, outcome, liveUnits, unsettled.length, { ...where(position), reason });
}

/** The campaign's total as its hot state keeps it (bucket 0's `campaignTotal`): the shares must add up to it. */
async function campaignTotal(store: HotPathStore, campaignId: string): Promise<number> {
  const rows = await store.getBucketCounters(campaignId);
  return rows?.[0]?.campaignTotal ?? Number.NaN;
}
