/**
 * The hot path in process, for the embedded default: the same contract and the same refusal order as the Lua
 * scripts. Each operation's critical section is synchronous JavaScript, so it is atomic on the event loop exactly
 * as a script is atomic on Redis. Nothing here survives a restart: reconciliation rebuilds it from PostgreSQL.
 */
import type { HotPathObserver } from '../observer.ts';
import { RefusalCode, toApiErrorCode } from './refusal-codes.ts';
import type {
  BucketCounters,
  CampaignCounters,
  CampaignDef,
  ClaimCouponInput,
  GroupResult,
  GroupState,
  HotPathStore,
  HotPosition,
  HotSnapshot,
  JoinGroupInput,
  LoadCampaignResult,
  OpenGroupInput,
  PendingSummary,
  RebuildOutcome,
  RebuildState,
  ReleaseInput,
  Reservation,
  ReserveResult,
  ReserveSeckillInput,
  SettlementEntry,
  StreamEntry,
} from './types.ts';
import {
  assertRequestId,
  effectiveTerms,
  isBehind,
  ORIGIN,
  orderIdFor,
  requestFingerprint,
} from './types.ts';

interface MemGroup {
  id: string;
  leaderId: string;
  size: number;
  status: GroupState['status'];
  createdAtMs: number;
  expiresAtMs: number;
  slots: Map<number, string>;
  userSlot: Map<string, number>;
}

interface MemStream {
  entries: Map<string, SettlementEntry>;
  undelivered: string[];
  pending: Map<string, { consumer: string; deliveredAtMs: number }>;
  lastMs: number;
  seq: number;
}

interface MemCampaign {
  def: CampaignDef | undefined;
  stockLeft: number | undefined;
  users: Map<string, number>;
  requests: Map<string, string>;
  released: Set<string>;
  records: Map<string, { reservation: Reservation; expireAtMs: number }>;
  groups: Map<string, MemGroup>;
  stream: MemStream;
  lease: { holder: string; untilMs: number } | undefined;
  rebuilding: boolean;
  position: HotPosition;
}

export interface MemoryHotPathStoreOptions {
  retentionMs?: number;
  observer?: HotPathObserver;
}

type Refusal = (typeof RefusalCode)[keyof typeof RefusalCode];

function requestField(userId: string, requestId: string): string {
  return `${userId.length}:${userId}${requestId}`;
}

function groupState(campaignId: string, g: MemGroup): GroupState {
  return {
    id: g.id,
    campaignId,
    leaderId: g.leaderId,
    size: g.size,
    slotsTaken: g.slots.size,
    members: [...g.slots].map(([slot, userId]) => ({ userId, slot })).sort((a, b) => a.slot - b.slot),
    status: g.status,
    createdAtMs: g.createdAtMs,
    expiresAtMs: g.expiresAtMs,
  };
}

export class MemoryHotPathStore implements HotPathStore {
  readonly kind = 'memory' as const;
  readonly observer: HotPathObserver | undefined;
  readonly retentionMs: number;
  #campaigns = new Map<string, MemCampaign>();
  #waiters = new Map<string, Set<() => void>>();
  #floors = new Map<string, HotPosition>();
  #suspectListeners = new Set<(campaignId?: string) => void>();

  constructor(opts: MemoryHotPathStoreOptions = {}) {
    this.retentionMs = opts.retentionMs ?? 7 * 24 * 3600_000;
    this.observer = opts.observer;
  }

  #campaign(id: string): MemCampaign {
    let c = this.#campaigns.get(id);
    if (!c) {
      c = {
        def: undefined,
        stockLeft: undefined,
        users: new Map(),
        requests: new Map(),
        released: new Set(),
        records: new Map(),
        groups: new Map(),
        stream: { entries: new Map(), undelivered: [], pending: new Map(), lastMs: 0, seq: 0 },
        lease: undefined,
        rebuilding: false,
        position: { ...ORIGIN },
      };
      this.#campaigns.set(id, c);
    }
    return c;
  }

  #timed<T>(script: string, run: () => T): T {
    const started = performance.now();
    let outcome = 'ok';
    try {
      const res = run();
      if (typeof res === 'object' && res !== null && 'ok' in res && res.ok === false && 'code' in res)
        outcome = String(res.code);
      return res;
    } catch (err) {
      outcome = 'error';
      throw err;
    } finally {
      this.observer?.scriptDuration?.({ script, store: 'memory', ms: performance.now() - started, outcome });
    }
  }

  onSuspect(listener: (campaignId?: string) => void): () => void {
    this.#suspectListeners.add(listener);
    return () => this.#suspectListeners.delete(listener);
  }

  #suspect(campaignId: string): void {
    for (const listener of this.#suspectListeners) listener(campaignId);
  }

  raiseFloor(campaignId: string, position: HotPosition): void {
    const floor = this.#floors.get(campaignId);
    if (!floor || isBehind(floor, position)) this.#floors.set(campaignId, { ...position });
  }

  floorOf(campaignId: string): HotPosition {
    return this.#floors.get(campaignId) ?? ORIGIN;
  }

  /** Forgets a campaign's hot state entirely, as a Redis restart without persistence would (tests, demos). */
  forgetCampaign(campaignId: string): void {
    this.#campaigns.delete(campaignId);
  }

  /** The in-process store keeps every campaign whole: there is never a move to finish. */
  async completeMoves(_campaignId: string, _buckets: number): Promise<number> {
    return 0;
  }

  /** The in-process store keeps every campaign whole: a bucket count changes nothing here. */
  async dropCampaignState(
    campaignId: string,
    _buckets?: number,
  ): Promise<'dropped' | 'unsettled' | 'missing'> {
    const c = this.#campaigns.get(campaignId);
    if (!c) return 'missing';
    if (c.stream.entries.size > 0) return 'unsettled';
    this.#campaigns.delete(campaignId);
    this.#floors.delete(campaignId);
    return 'dropped';
  }

  async loadCampaign(def: CampaignDef): Promise<LoadCampaignResult> {
    return this.#timed('loadCampaign', () => {
      const c = this.#campaign(def.id);
      if (c.def === undefined && c.stockLeft === undefined) {
        c.stockLeft = def.stockTotal;
        c.def = { ...def };
        return { state: 'primed', stockTotal: def.stockTotal };
      }
      if (c.def === undefined || c.stockLeft === undefined) return { state: 'needs_rebuild', stockTotal: 0 };
      let delta = def.stockTotal - c.def.stockTotal;
      if (delta < 0 && -delta > c.stockLeft) delta = -c.stockLeft;
      c.stockLeft += delta;
      c.def = { ...def, stockTotal: c.def.stockTotal + delta };
      return { state: 'refreshed', stockTotal: c.def.stockTotal };
    });
  }

  #gate(
    campaignId: string,
    c: MemCampaign | undefined,
    nowMs: number,
    type: CampaignDef['type'],
    levelCode?: string,
  ): CampaignDef | Refusal {
    const def = c?.def;
    const refusal = this.#current(c, campaignId);
    if (refusal !== 0) return refusal;
    if (!c || !def) return RefusalCode.NOT_FOUND;
    if (def.type !== type) return RefusalCode.WRONG_CAMPAIGN_TYPE;
    if (def.stopped) return RefusalCode.CAMPAIGN_STOPPED;
    if (def.killSwitch) return RefusalCode.RESERVATIONS_PAUSED;
    // The shopper's level may open the window earlier and raise the limit (the scripts' level table).
    const terms = effectiveTerms(def, levelCode);
    if (nowMs < terms.opensAtMs) return RefusalCode.NOT_STARTED;
    if (nowMs >= def.endsAtMs) return RefusalCode.ENDED;
    return terms.perUserLimit === def.perUserLimit ? def : { ...def, perUserLimit: terms.perUserLimit };
  }

  /** The scripts' "loaded and current" step: missing (-1, or -15 when a floor says it existed), half, or behind. */
  #current(c: MemCampaign | undefined, campaignId: string): Refusal | 0 {
    const floor = this.floorOf(campaignId);
    if (!c?.def) return isBehind(ORIGIN, floor) ? RefusalCode.REBUILDING : RefusalCode.NOT_FOUND;
    if (c.stockLeft === undefined || isBehind(c.position, floor)) return RefusalCode.REBUILDING;
    return 0;
  }

  /** Refusal answer of a reservation call; a -15 reports the campaign as suspect. */
  #refused(campaignId: string, code: number): { ok: false; code: ReturnType<typeof toApiErrorCode> } {
    if (code === RefusalCode.REBUILDING) this.#suspect(campaignId);
    return { ok: false, code: toApiErrorCode(code) };
  }

  /** The earlier reservation of this request id, undefined when there is none, or the refusal of a request id
   * that asked for something else (a record without a fingerprint replays as before). */
  #replay(
    c: MemCampaign,
    i: { userId: string; requestId: string; nowMs: number },
    fingerprint: string,
  ): Reservation | typeof RefusalCode.IDEMPOTENCY_KEY_REUSED | undefined {
    assertRequestId(i.requestId);
    const rsvId = c.requests.get(requestField(i.userId, i.requestId));
    if (rsvId === undefined) return undefined;
    const rec = c.records.get(rsvId);
    if (!rec || rec.expireAtMs <= i.nowMs) throw new Error(`reservation record ${rsvId} expired`);
    const earlier = rec.reservation.fingerprint;
    if (earlier !== undefined && earlier !== fingerprint) return RefusalCode.IDEMPOTENCY_KEY_REUSED;
    return { ...rec.reservation };
  }

  #limitAndStock(c: MemCampaign, def: CampaignDef, userId: string, quantity: number): Refusal | 0 {
    if ((c.users.get(userId) ?? 0) + quantity > def.perUserLimit) return RefusalCode.LIMIT_EXCEEDED;
    if ((c.stockLeft ?? 0) < quantity) return RefusalCode.SOLD_OUT;
    return 0;
  }

  #append(c: MemCampaign, entry: SettlementEntry): void {
    c.position = { generation: c.position.generation, seq: c.position.seq + 1 };
    entry.generation = c.position.generation;
    entry.seq = c.position.seq;
    this.raiseFloor(entry.campaignId, c.position);
    const s = c.stream;
    const now = Date.now();
    if (now > s.lastMs) {
      s.lastMs = now;
      s.seq = 0;
    } else s.seq++;
    const id = `${s.lastMs}-${s.seq}`;
    s.entries.set(id, entry);
    s.undelivered.push(id);
    const waiters = this.#waiters.get(entry.campaignId);
    if (waiters) for (const wake of waiters) wake();
  }

  #record(
    c: MemCampaign,
    def: CampaignDef,
    i: { userId: string; requestId: string; reservationId: string; nowMs: number; paymentTtlMs: number },
    quantity: number,
    group: MemGroup | undefined,
    slot: number | undefined,
    fingerprint: string,
  ): Reservation {
    c.stockLeft = (c.stockLeft ?? 0) - quantity;
    c.users.set(i.userId, (c.users.get(i.userId) ?? 0) + quantity);
    c.requests.set(requestField(i.userId, i.requestId), i.reservationId);
    const r: Reservation = {
      id: i.reservationId,
      campaignId: def.id,
      userId: i.userId,
      requestId: i.requestId,
      quantity,
      unitPriceFen: def.priceFen,
      createdAtMs: i.nowMs,
      expiresAtMs: i.nowMs + i.paymentTtlMs,
      status: 'pending',
      orderId: orderIdFor(i.reservationId),
      fingerprint,
    };
    if (group && slot !== undefined) {
      r.groupId = group.id;
      r.slot = slot;
    }
    c.records.set(r.id, {
      reservation: r,
      expireAtMs: Math.max(def.endsAtMs, r.expiresAtMs) + this.retentionMs,
    });
    this.#append(c, this.#entry('reserve', def, r, group));
    return { ...r };
  }

  #entry(kind: SettlementEntry['kind'], def: CampaignDef, r: Reservation, group: MemGroup | undefined) {
    const e: SettlementEntry = {
      kind,
      campaignId: def.id,
      reservationId: r.id,
      userId: r.userId,
      requestId: r.requestId,
      quantity: r.quantity,
      unitPriceFen: r.unitPriceFen,
      createdAtMs: r.createdAtMs,
      expiresAtMs: r.expiresAtMs,
      campaignType: def.type,
      skuId: def.skuId,
      title: def.title,
      dryRun: def.dryRun,
    };
    if (r.groupId !== undefined) {
      e.groupId = r.groupId;
      if (r.slot !== undefined) e.slot = r.slot;
      if (group) {
        e.groupLeaderId = group.leaderId;
        e.groupSize = group.size;
        e.groupCreatedAtMs = group.createdAtMs;
        e.groupExpiresAtMs = group.expiresAtMs;
      }
    }
    return e;
  }

  #takeSlot(g: MemGroup, userId: string): number {
    let slot = 1;
    while (g.slots.has(slot)) slot++;
    g.slots.set(slot, userId);
    g.userSlot.set(userId, slot);
    return slot;
  }

  async reserveSeckill(i: ReserveSeckillInput): Promise<ReserveResult> {
    return this.#timed('reserveSeckill', (): ReserveResult => {
      const c = this.#campaigns.get(i.campaignId);
      const def = this.#gate(i.campaignId, c, i.nowMs, 'seckill', i.levelCode);
      if (typeof def === 'number' || !c) return this.#refused(i.campaignId, def as number);
      const fingerprint = requestFingerprint({ kind: 'seckill', quantity: i.quantity });
      const earlier = this.#replay(c, i, fingerprint);
      if (typeof earlier === 'number') return { ok: false, code: toApiErrorCode(earlier) };
      if (earlier) return { ok: true, reservation: earlier, replayed: true };
      const check = this.#limitAndStock(c, def, i.userId, i.quantity);
      if (check !== 0) return { ok: false, code: toApiErrorCode(check) };
      return {
        ok: true,
        reservation: this.#record(c, def, i, i.quantity, undefined, undefined, fingerprint),
        replayed: false,
      };
    });
  }

  async claimCoupon(i: ClaimCouponInput): Promise<ReserveResult> {
    return this.#timed('claimCoupon', (): ReserveResult => {
      const c = this.#campaigns.get(i.campaignId);
      const def = this.#gate(i.campaignId, c, i.nowMs, 'coupon');
      if (typeof def === 'number' || !c) return this.#refused(i.campaignId, def as number);
      const fingerprint = requestFingerprint({ kind: 'claim' });
      const earlier = this.#replay(c, i, fingerprint);
      if (typeof earlier === 'number') return { ok: false, code: toApiErrorCode(earlier) };
      if (earlier) return { ok: true, reservation: earlier, replayed: true };
      const check = this.#limitAndStock(c, def, i.userId, 1);
      if (check !== 0) return { ok: false, code: toApiErrorCode(check) };
      return {
        ok: true,
        reservation: this.#record(c, def, { ...i, paymentTtlMs: 0 }, 1, undefined, undefined, fingerprint),
        replayed: false,
      };
    });
  }

  #replayGroup(c: MemCampaign, campaignId: string, earlier: Reservation): GroupResult {
    const g = earlier.groupId === undefined ? undefined : c.groups.get(earlier.groupId);
    if (!g) throw new Error(`group of reservation ${earlier.id} is gone`);
    return { ok: true, reservation: earlier, group: groupState(campaignId, g), replayed: true };
  }

  async openGroup(i: OpenGroupInput): Promise<GroupResult> {
    return this.#timed('openGroup', (): GroupResult => {
      const c = this.#campaigns.get(i.campaignId);
      const def = this.#gate(i.campaignId, c, i.nowMs, 'groupbuy', i.levelCode);
      if (typeof def === 'number' || !c) return this.#refused(i.campaignId, def as number);
      const fingerprint = requestFingerprint({ kind: 'open' });
      const earlier = this.#replay(c, i, fingerprint);
      if (typeof earlier === 'number') return { ok: false, code: toApiErrorCode(earlier) };
      if (earlier) return this.#replayGroup(c, i.campaignId, earlier);
      if (c.groups.has(i.groupId)) return { ok: false, code: toApiErrorCode(RefusalCode.GROUP_NOT_FOUND) };
      const check = this.#limitAndStock(c, def, i.userId, 1);
      if (check !== 0) return { ok: false, code: toApiErrorCode(check) };
      const g: MemGroup = {
        id: i.groupId,
        leaderId: i.userId,
        size: def.groupSize ?? 0,
        status: 'forming',
        createdAtMs: i.nowMs,
        expiresAtMs: Math.min(i.nowMs + (def.groupTtlMs ?? 0), def.endsAtMs),
        slots: new Map(),
        userSlot: new Map(),
      };
      c.groups.set(g.id, g);
      const slot = this.#takeSlot(g, i.userId);
      const reservation = this.#record(c, def, i, 1, g, slot, fingerprint);
      return { ok: true, reservation, group: groupState(i.campaignId, g), replayed: false };
    });
  }

  async joinGroup(i: JoinGroupInput): Promise<GroupResult> {
    return this.#timed('joinGroup', (): GroupResult => {
      const c = this.#campaigns.get(i.campaignId);
      const def = this.#gate(i.campaignId, c, i.nowMs, 'groupbuy', i.levelCode);
      if (typeof def === 'number' || !c) return this.#refused(i.campaignId, def as number);
      const fingerprint = requestFingerprint({ kind: 'join', groupId: i.groupId });
      const earlier = this.#replay(c, i, fingerprint);
      if (typeof earlier === 'number') return { ok: false, code: toApiErrorCode(earlier) };
      if (earlier) return this.#replayGroup(c, i.campaignId, earlier);
      const g = c.groups.get(i.groupId);
      if (!g) return { ok: false, code: toApiErrorCode(RefusalCode.GROUP_NOT_FOUND) };
      if (g.status !== 'forming' || i.nowMs >= g.expiresAtMs)
        return { ok: false, code: toApiErrorCode(RefusalCode.GROUP_CLOSED) };
      if (g.userSlot.has(i.userId)) return { ok: false, code: toApiErrorCode(RefusalCode.ALREADY_MEMBER) };
      if (g.slots.size >= g.size) return { ok: false, code: toApiErrorCode(RefusalCode.GROUP_FULL) };
      const check = this.#limitAndStock(c, def, i.userId, 1);
      if (check !== 0) return { ok: false, code: toApiErrorCode(check) };
      const slot = this.#takeSlot(g, i.userId);
      const reservation = this.#record(c, def, i, 1, g, slot, fingerprint);
      return { ok: true, reservation, group: groupState(i.campaignId, g), replayed: false };
    });
  }

  async releaseReservation(i: ReleaseInput): Promise<boolean> {
    return this.#timed('releaseReservation', () => {
      const c = this.#campaigns.get(i.campaignId);
      if (!c?.def || c.stockLeft === undefined) return false;
      if (isBehind(c.position, this.floorOf(i.campaignId))) {
        this.#suspect(i.campaignId);
        return false;
      }
      const rec = c.records.get(i.reservationId);
      // Only a recorded reservation of this user can give units back: an unknown id must never create stock.
      if (!rec || rec.reservation.userId !== i.userId || c.released.has(i.reservationId)) return false;
      c.released.add(i.reservationId);
      const r = rec.reservation;
      c.stockLeft += r.quantity;
      const held = (c.users.get(r.userId) ?? 0) - r.quantity;
      if (held <= 0) c.users.delete(r.userId);
      else c.users.set(r.userId, held);
      r.status = 'released';
      const g = r.groupId === undefined ? undefined : c.groups.get(r.groupId);
      if (g && g.status === 'forming' && r.slot !== undefined && g.userSlot.get(r.userId) === r.slot) {
        g.userSlot.delete(r.userId);
        g.slots.delete(r.slot);
      }
      const entry = this.#entry('release', c.def, r, g);
      entry.releasedAtMs = Date.now();
      this.#append(c, entry);
      return true;
    });
  }

  async closeGroup(campaignId: string, groupId: string, status: 'succeeded' | 'failed'): Promise<boolean> {
    const g = this.#campaigns.get(campaignId)?.groups.get(groupId);
    if (g?.status !== 'forming') return false;
    g.status = status;
    return true;
  }

  async getReservation(
    campaignId: string,
    reservationId: string,
    userId: string,
  ): Promise<Reservation | null> {
    const rec = this.#campaigns.get(campaignId)?.records.get(reservationId);
    return rec && rec.reservation.userId === userId && rec.expireAtMs > Date.now()
      ? { ...rec.reservation }
      : null;
  }

  async getGroup(campaignId: string, groupId: string): Promise<GroupState | null> {
    const g = this.#campaigns.get(campaignId)?.groups.get(groupId);
    return g ? groupState(campaignId, g) : null;
  }

  async listFormingGroups(campaignId: string, nowMs: number, limit: number): Promise<GroupState[]> {
    const c = this.#campaigns.get(campaignId);
    if (!c) return [];
    // As the Redis store reads its index: the soonest to close among the open ones, with a margin for the full
    // ones, then the fewest missing first.
    return [...c.groups.values()]
      .filter((g) => g.status === 'forming' && g.expiresAtMs > nowMs)
      .sort((a, b) => a.expiresAtMs - b.expiresAtMs)
      .slice(0, Math.max(limit * 4, 32))
      .filter((g) => g.slots.size < g.size)
      .map((g) => groupState(campaignId, g))
      .sort((a, b) => a.size - a.slotsTaken - (b.size - b.slotsTaken) || a.expiresAtMs - b.expiresAtMs)
      .slice(0, limit);
  }

  async getCampaignCounters(campaignId: string): Promise<CampaignCounters | null> {
    const c = this.#campaigns.get(campaignId);
    if (!c?.def || c.stockLeft === undefined) return null;
    return { stockTotal: c.def.stockTotal, stockLeft: c.stockLeft, unsettled: c.stream.entries.size };
  }

  /** One process holds the whole campaign: stock buckets spread Redis's load, there is none to spread here. */
  async getBucketCounters(campaignId: string): Promise<BucketCounters[] | null> {
    const c = await this.getCampaignCounters(campaignId);
    return c ? [{ bucket: 0, shardId: campaignId, ...c }] : null;
  }

  bucketsFor(_def: Pick<CampaignDef, 'type' | 'stockBuckets'>): number {
    return 1;
  }

  async hasCampaignState(campaignId: string): Promise<boolean> {
    const c = this.#campaigns.get(campaignId);
    return c?.def !== undefined && c.stockLeft !== undefined;
  }

  async getHotPosition(campaignId: string): Promise<HotPosition | null> {
    const c = this.#campaigns.get(campaignId);
    return c?.def ? { ...c.position } : null;
  }

  async snapshotUnsettled(campaignId: string): Promise<HotSnapshot> {
    // One instant, as Redis's MULTI gives: the three reads are synchronous and called together, so nothing runs
    // between them. Awaited one by one, a reservation could land between the entries and the counters.
    const [entries, counters, position] = await Promise.all([
      this.listUnsettled(campaignId),
      this.getCampaignCounters(campaignId),
      this.getHotPosition(campaignId),
    ]);
    return { entries, counters, position };
  }

  async suspendCampaign(campaignId: string): Promise<boolean> {
    const c = this.#campaigns.get(campaignId);
    if (c?.rebuilding) return false;
    if (c) c.stockLeft = undefined;
    return true;
  }

  async rebuildCampaign(state: RebuildState): Promise<RebuildOutcome> {
    const c = this.#campaign(state.def.id);
    if (c.def !== undefined && c.stockLeft !== undefined) return 'present';
    if (c.rebuilding) return 'busy';
    // One synchronous step: nothing can interleave, so the lock only guards against re-entry.
    c.rebuilding = true;
    try {
      c.users = new Map(state.users.filter(([, n]) => n > 0));
      c.requests = new Map(state.requests.map(([u, q, r]) => [requestField(u, q), r]));
      c.released = new Set(state.released);
      for (const r of state.reservations) {
        c.records.set(r.id, {
          reservation: { ...r },
          expireAtMs: Math.max(state.def.endsAtMs, r.expiresAtMs) + this.retentionMs,
        });
      }
      for (const g of state.groups) {
        c.groups.set(g.id, {
          id: g.id,
          leaderId: g.leaderId,
          size: g.size,
          status: g.status,
          createdAtMs: g.createdAtMs,
          expiresAtMs: g.expiresAtMs,
          slots: new Map(g.members.map((m) => [m.slot, m.userId])),
          userSlot: new Map(g.members.map((m) => [m.userId, m.slot])),
        });
      }
      c.def = { ...state.def };
      if (state.generation !== undefined) {
        c.position = { generation: state.generation, seq: 0 };
        this.raiseFloor(state.def.id, c.position);
      }
      c.stockLeft = state.stockLeft;
      return 'rebuilt';
    } finally {
      c.rebuilding = false;
    }
  }

  async readSettlementBatch(
    campaignId: string,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<StreamEntry[]> {
    const take = (): StreamEntry[] => {
      const s = this.#campaign(campaignId).stream;
      const out: StreamEntry[] = [];
      while (out.length < count && s.undelivered.length > 0) {
        const id = s.undelivered.shift() as string;
        const entry = s.entries.get(id);
        if (!entry) continue;
        s.pending.set(id, { consumer, deliveredAtMs: Date.now() });
        out.push({ id, entry, reclaimed: false });
      }
      return out;
    };
    const now = take();
    if (now.length > 0 || blockMs <= 0) return now;
    await new Promise<void>((resolve) => {
      let waiters = this.#waiters.get(campaignId);
      if (!waiters) {
        waiters = new Set();
        this.#waiters.set(campaignId, waiters);
      }
      const set = waiters;
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, blockMs);
      set.add(done);
    });
    return take();
  }

  async claimStaleSettlement(
    campaignId: string,
    consumer: string,
    minIdleMs: number,
    count: number,
  ): Promise<StreamEntry[]> {
    const s = this.#campaign(campaignId).stream;
    const now = Date.now();
    const out: StreamEntry[] = [];
    for (const [id, p] of s.pending) {
      if (out.length >= count) break;
      if (now - p.deliveredAtMs < minIdleMs) continue;
      const entry = s.entries.get(id);
      if (!entry) {
        s.pending.delete(id);
        continue;
      }
      s.pending.set(id, { consumer, deliveredAtMs: now });
      out.push({ id, entry, reclaimed: true });
    }
    return out;
  }

  async ackSettlement(
    campaignId: string,
    entries: Array<{ id: string; reservationId: string }>,
    settledUpTo?: HotPosition,
  ): Promise<number> {
    const c = this.#campaign(campaignId);
    if (settledUpTo) {
      this.raiseFloor(campaignId, settledUpTo);
      if (isBehind(c.position, settledUpTo)) this.#suspect(campaignId);
    }
    let acked = 0;
    for (const e of entries) {
      if (c.stream.pending.delete(e.id)) acked++;
      c.stream.entries.delete(e.id);
      const rec = c.records.get(e.reservationId);
      if (rec && rec.reservation.status === 'pending') rec.reservation.status = 'settled';
    }
    return acked;
  }

  async pendingSettlement(campaignId: string): Promise<PendingSummary> {
    const s = this.#campaign(campaignId).stream;
    const first = s.pending.keys().next();
    const oldestMs = first.done ? Date.now() : Number(first.value.split('-')[0]);
    return { pending: s.pending.size, oldestPendingAgeMs: Math.max(0, Date.now() - oldestMs) };
  }

  async listUnsettled(campaignId: string): Promise<StreamEntry[]> {
    const s = this.#campaigns.get(campaignId)?.stream;
    if (!s) return [];
    return [...s.entries].map(([id, entry]) => ({ id, entry, reclaimed: false }));
  }

  async acquireSettlementLease(campaignId: string, holder: string, leaseMs: number): Promise<boolean> {
    const c = this.#campaign(campaignId);
    const now = Date.now();
    if (c.lease && c.lease.untilMs > now && c.lease.holder !== holder) return false;
    c.lease = { holder, untilMs: now + leaseMs };
    return true;
  }

  async releaseSettlementLease(campaignId: string, holder: string): Promise<void> {
    const c = this.#campaigns.get(campaignId);
    if (c?.lease?.holder === holder) c.lease = undefined;
  }

  async close(): Promise<void> {
    for (const waiters of this.#waiters.values()) for (const wake of waiters) wake();
  }
}
