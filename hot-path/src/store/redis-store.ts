/**
 * The hot path on Redis: every reservation is one script call (one round trip) on the campaign's hash slot, which
 * makes that script the single writer of the campaign's stock, limits and group slots.
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { HotPathObserver } from '../observer.ts';
import {
  bucketOfShard,
  campaignOfShard,
  homeBucket,
  moveIdFor,
  moveTarget,
  shardId,
  shardIds,
  splitStock,
} from './buckets.ts';
import { type CampaignKeys, campaignKeys, groupField, holdingField, SETTLEMENT_GROUP } from './keys.ts';
import {
  ackedPosition,
  findInHolding,
  lineToReservation,
  numberTable,
  packGroup,
  parseSettlementEntry,
  unpackGroup,
} from './parse.ts';
import { RefusalCode, toApiErrorCode } from './refusal-codes.ts';
import {
  ackSettledCall,
  acquireLeaseCall,
  claimCouponCall,
  closeGroupCall,
  joinGroupCall,
  loadCampaignCall,
  moveStockCall,
  openGroupCall,
  type RebuildChunk,
  rebuildBeginCall,
  rebuildChunkCall,
  rebuildFinishCall,
  rebuiltHoldings,
  releaseLeaseCall,
  releaseReservationCall,
  reserveSeckillCall,
  type ScriptCall,
  suspendCampaignCall,
} from './script-calls.ts';
import { defineScripts, type LoadedScript } from './script-loader.ts';
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
  ReservationRequest,
  ReserveResult,
  ReserveSeckillInput,
  SettlementEntry,
  StreamEntry,
} from './types.ts';
import { isBehind, ORIGIN, orderIdFor, requestFingerprint } from './types.ts';

/**
 * A single Redis or a Redis Cluster. On a cluster every campaign's keys share its hash tag, so each script,
 * pipeline and stream read stays on the one slot (and master) of its campaign, and campaigns spread over the
 * masters by their ids.
 */
export type RedisClient = Redis | Cluster;

export interface RedisHotPathStoreOptions {
  /** An ioredis client to use (not closed by the store), or options/URL to create one. */
  redis?: RedisClient;
  redisUrl?: string;
  redisOptions?: RedisOptions;
  /** Seed nodes (`host:port`) of a Redis Cluster: the store then runs on ioredis' cluster client. */
  clusterNodes?: string[];
  clusterOptions?: ClusterOptions;
  /** Prefixes every key (tests use a unique one). */
  keyPrefix?: string;
  observer?: HotPathObserver;
  /**
   * Send the reservation scripts (reserve, open, join) on a second connection with ioredis auto-pipelining: the
   * calls of one event-loop turn leave in one write and their replies come back in one read. Under load that is
   * one syscall per turn instead of one per reservation, on both sides; at low load it costs a setImmediate.
   */
  autoPipelining?: boolean;
  /**
   * When a reservation is acknowledged. `primary` (default): once its script ran on the primary; a crash of the
   * primary before its AOF fsync (everysec: up to about a second) or a failover to a replica that had not received
   * it yet loses it. `wait-replica`: also once `ackReplicas` replicas have it (`WAIT`, one per batch of replies);
   * if they do not within `ackTimeoutMs` the shopper hears 503 `DEPENDENCY_UNAVAILABLE` and a retry with the same
   * requestId replays the reservation (and waits again).
   */
  ack?: 'primary' | 'wait-replica';
  ackReplicas?: number;
  ackTimeoutMs?: number;
}

type ScriptFn = (...args: Array<string | number>) => Promise<unknown>;

/** What a refill of a dry stock bucket did: units moved in, none anywhere (sold out), or a bucket refused. */
type Refill = 'moved' | 'empty' | 'unavailable';

const REBUILD_CHUNK = 500;
/** How many times a reservation in a dry stock bucket may ask for units to be moved in before it gives up. */
const MAX_REFILL_ROUNDS = 64;

export class RedisHotPathStore implements HotPathStore {
  readonly kind = 'redis' as const;
  readonly observer: HotPathObserver | undefined;
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  readonly scripts: Map<string, LoadedScript>;
  #ownsClient: boolean;
  #reader: RedisClient | undefined;
  /** The connection of the reservation scripts: auto-pipelined, or the main one. */
  #hot: RedisClient;
  #groupsReady = new Set<string>();
  #floors = new Map<string, HotPosition>();
  #suspectListeners = new Set<(campaignId?: string) => void>();
  #ack: 'primary' | 'wait-replica';
  #ackReplicas: number;
  #ackTimeoutMs: number;
  /** Replies waiting for the next WAIT: one WAIT covers every write this connection sent before it. */
  #ackQueue: Array<(replicated: boolean) => void> = [];
  #ackWaiting = false;
  /** Stock buckets per campaign (fixed at creation, so known for good once read; see `buckets.ts`). */
  #buckets = new Map<string, number>();
  /** Refills of a dry stock bucket under way in this process, by the bucket's shard: one at a time each. */
  #refills = new Map<string, Promise<Refill>>();

  constructor(opts: RedisHotPathStoreOptions = {}) {
    this.#ownsClient = opts.redis === undefined;
    this.redis =
      opts.redis ??
      (opts.clusterNodes
        ? new Cluster(opts.clusterNodes, opts.clusterOptions ?? {})
        : opts.redisUrl
          ? new Redis(opts.redisUrl, opts.redisOptions ?? {})
          : new Redis(opts.redisOptions ?? {}));
    this.keyPrefix = opts.keyPrefix ?? '';
    this.observer = opts.observer;
    this.scripts = defineScripts(this.redis);
    this.#hot = opts.autoPipelining ? duplicateClient(this.redis, true) : this.redis;
    if (this.#hot !== this.redis) {
      defineScripts(this.#hot);
      // The main connection's owner watches and logs Redis's state; without a listener ioredis logs every retry.
      this.#hot.on('error', () => {});
    }
    this.#ack = opts.ack ?? 'primary';
    this.#ackReplicas = opts.ackReplicas ?? 1;
    this.#ackTimeoutMs = opts.ackTimeoutMs ?? 100;
    // A connection that comes back may have come back to a server restarted from an older copy or to a promoted
    // replica: every campaign is suspect until checked against PostgreSQL. Until then the floors (the positions
    // this process has seen) keep the calls it sends from selling on a state behind them.
    const suspectAll = () => this.#suspect(undefined);
    this.redis.on('ready', suspectAll);
    if (this.#hot !== this.redis) this.#hot.on('ready', suspectAll);
  }

  #suspect(campaignId: string | undefined): void {
    for (const listener of this.#suspectListeners) listener(campaignId);
  }

  onSuspect(listener: (campaignId?: string) => void): () => void {
    this.#suspectListeners.add(listener);
    return () => this.#suspectListeners.delete(listener);
  }

  raiseFloor(campaignId: string, position: HotPosition): void {
    const floor = this.#floors.get(campaignId);
    if (!floor || isBehind(floor, position)) this.#floors.set(campaignId, position);
  }

  floorOf(campaignId: string): HotPosition {
    return this.#floors.get(campaignId) ?? ORIGIN;
  }

  /** Raises the floor from a reply's position, or reports the campaign when the reply was a -14. */
  #observePosition(campaignId: string, res: unknown, genAt: number): void {
    if (res === RefusalCode.REBUILDING) {
      this.#suspect(campaignId);
      return;
    }
    if (!Array.isArray(res)) return;
    const generation = Number(res[genAt]);
    const seq = Number(res[genAt + 1]);
    if (Number.isFinite(generation) && Number.isFinite(seq)) this.raiseFloor(campaignId, { generation, seq });
  }

  /** Resolves once the writes sent on the hot connection so far are on `ackReplicas` replicas (or false in time). */
  #replicated(): Promise<boolean> {
    return new Promise((resolve) => {
      this.#ackQueue.push(resolve);
      if (!this.#ackWaiting) void this.#flushAcks();
    });
  }

  async #flushAcks(): Promise<void> {
    this.#ackWaiting = true;
    try {
      while (this.#ackQueue.length > 0) {
        const batch = this.#ackQueue.splice(0);
        let ok = false;
        try {
          ok = Number(await this.#hot.wait(this.#ackReplicas, this.#ackTimeoutMs)) >= this.#ackReplicas;
        } catch {
          ok = false;
        }
        for (const resolve of batch) resolve(ok);
      }
    } finally {
      this.#ackWaiting = false;
    }
  }

  /** Applies the acknowledgement mode to a successful answer. */
  async #acknowledged<T extends { ok: boolean }>(
    res: T,
  ): Promise<T | { ok: false; code: 'DEPENDENCY_UNAVAILABLE' }> {
    if (this.#ack === 'primary' || !res.ok) return res;
    if (await this.#replicated()) return res;
    this.observer?.ackTimeout?.({ replicas: this.#ackReplicas, timeoutMs: this.#ackTimeoutMs });
    return { ok: false, code: 'DEPENDENCY_UNAVAILABLE' };
  }

  keys(campaignId: string): CampaignKeys {
    return campaignKeys(this.keyPrefix, campaignId);
  }

  /** The versioned command name of a script (for the benchmark's raw EVALSHA baseline). */
  script(name: string): LoadedScript {
    const s = this.scripts.get(name);
    if (!s) throw new Error(`no Lua script ${name}`);
    return s;
  }

  async #call(call: ScriptCall, client: RedisClient = this.redis): Promise<unknown> {
    const fn = (client as unknown as Record<string, ScriptFn>)[this.script(call.script).command];
    if (!fn) throw new Error(`script ${call.script} not defined on this client`);
    const started = performance.now();
    let outcome = 'ok';
    try {
      const res = await fn.call(client, ...call.keys, ...call.args);
      if (typeof res === 'number' && res < 0) outcome = String(res);
      return res;
    } catch (err) {
      outcome = 'error';
      throw err;
    } finally {
      this.observer?.scriptDuration?.({
        script: call.script,
        store: 'redis',
        ms: performance.now() - started,
        outcome,
      });
    }
  }

  bucketsFor(def: Pick<CampaignDef, 'type' | 'stockBuckets'>): number {
    return def.type === 'seckill' ? Math.max(1, Math.trunc(def.stockBuckets ?? 1)) : 1;
  }

  async loadCampaign(def: CampaignDef): Promise<LoadCampaignResult> {
    const buckets = this.bucketsFor(def);
    if (buckets > 1) return this.#loadBuckets(def, buckets);
    // An empty or malformed reply reads as -1: the campaign needs a rebuild, never a false prime.
    const [state = -1, total = 0] = numberTable(await this.#call(loadCampaignCall(this.keys(def.id), def)));
    return { state: state === 1 ? 'primed' : state === 0 ? 'refreshed' : 'needs_rebuild', stockTotal: total };
  }

  /**
   * A campaign with stock buckets: primed only when none of its buckets is here (each with its share of the
   * total), refreshed when all are (a changed total moves bucket 0's share), and left to a rebuild when only some
   * are: priming the missing ones would hand out their shares a second time.
   */
  async #loadBuckets(def: CampaignDef, buckets: number): Promise<LoadCampaignResult> {
    this.#buckets.set(def.id, buckets);
    const shards = shardIds(def.id, buckets);
    const present = await Promise.all(shards.map((s) => this.redis.exists(this.keys(s).meta)));
    const fresh = present.every((p) => p === 0);
    if (!fresh && present.some((p) => p === 0)) return { state: 'needs_rebuild', stockTotal: 0 };
    const shares = splitStock(def.stockTotal, buckets);
    const replies = await Promise.all(
      shards.map((s, b) =>
        this.#call(
          loadCampaignCall(
            this.keys(s),
            { ...def, id: s },
            {
              share: fresh ? (shares[b] ?? 0) : b === 0 ? def.stockTotal : '-',
              ...(b === 0 ? { campaignTotal: def.stockTotal } : {}),
            },
          ),
        ),
      ),
    );
    const states = replies.map((r) => numberTable(r)[0] ?? -1);
    const total = numberTable(replies[0])[1] ?? 0;
    if (states.some((st) => st < 0)) return { state: 'needs_rebuild', stockTotal: total };
    return { state: fresh ? 'primed' : 'refreshed', stockTotal: total };
  }

  /**
   * The campaign's stock buckets: given by the caller, known, or read once from bucket 0's metadata (fixed at
   * creation, so never read again). 1 while bucket 0 is missing: the call then meets the missing state.
   */
  #bucketCount(campaignId: string, given?: number): number | Promise<number> {
    if (given !== undefined && given >= 1) {
      this.#buckets.set(campaignId, given);
      return given;
    }
    return this.#buckets.get(campaignId) ?? this.#readBucketCount(campaignId);
  }

  async #readBucketCount(campaignId: string): Promise<number> {
    const [type, buckets] = await this.redis.hmget(this.keys(campaignId).meta, 'type', 'buckets');
    if (type === null) return 1;
    const n = Math.max(1, Number(buckets ?? 1) || 1);
    this.#buckets.set(campaignId, n);
    return n;
  }

  /** The hot-state id a user's calls go to: their home bucket's shard (the campaign itself when unbucketed). */
  async #shardOf(campaignId: string, userId: string, given?: number): Promise<string> {
    const known = this.#bucketCount(campaignId, given);
    const n = typeof known === 'number' ? known : await known;
    return n > 1 ? shardId(campaignId, homeBucket(userId, n)) : campaignId;
  }

  /**
   * Moves units into a stock bucket that ran dry from the fullest other bucket: half of what that one has left
   * (at least what the shopper asked for), in two idempotent steps (`moveStock-2.lua`), take then give, so a unit
   * is never in two buckets. `empty` when every other bucket is empty too: the campaign is sold out;
   * `unavailable` when a bucket involved refused the step (behind, or rebuilding).
   */
  #refill(campaignId: string, buckets: number, target: string, quantity: number): Promise<Refill> {
    const running = this.#refills.get(target);
    if (running) return running;
    const done = this.#moveInto(campaignId, buckets, target, quantity).finally(() =>
      this.#refills.delete(target),
    );
    this.#refills.set(target, done);
    return done;
  }

  async #moveInto(campaignId: string, buckets: number, target: string, quantity: number): Promise<Refill> {
    const shards = shardIds(campaignId, buckets);
    const read = await Promise.all(shards.map((s) => this.redis.hmget(this.keys(s).meta, 'left', 'gen')));
    const at = shards.indexOf(target);
    // A state never rebuilt has no generation field: it is generation 0, as the scripts read it.
    const genOf = (b: number) => read[b]?.[1] ?? '0';
    if (at < 0 || read[at]?.[0] === null || read[at]?.[0] === undefined) return 'unavailable';
    const targetGen = genOf(at);
    let donor = -1;
    let most = 0;
    read.forEach(([left], b) => {
      const n = Number(left ?? 0);
      if (b !== at && n > most) {
        most = n;
        donor = b;
      }
    });
    const donorShard = shards[donor];
    if (!donorShard) return 'empty';
    const donorGen = genOf(donor);
    const want = Math.min(most, Math.max(quantity, Math.ceil(most / 2)));
    const moveId = moveIdFor(
      at,
      targetGen,
      `${process.pid}:${Date.now()}:${Math.random().toString(36).slice(2)}`,
    );
    const taken = await this.#call(
      moveStockCall(this.keys(donorShard), 'take', moveId, want, donorGen, this.floorOf(donorShard)),
    );
    this.#observePosition(donorShard, taken, 1);
    const units = numberTable(taken)[0] ?? 0;
    if (!Array.isArray(taken)) return 'unavailable';
    // Sold meanwhile: read again (the caller's next round).
    if (units <= 0) return 'moved';
    // The give is idempotent by the move's id: asked again after a lost reply, it is applied once.
    for (let attempt = 1; ; attempt++) {
      try {
        const given = await this.#call(
          moveStockCall(this.keys(target), 'give', moveId, units, targetGen, this.floorOf(target)),
        );
        this.#observePosition(target, given, 1);
        if (Array.isArray(given)) {
          this.observer?.stockMoved?.({ campaignId, from: bucketOfShard(donorShard), to: at, units });
          return 'moved';
        }
        // The bucket was rebuilt (or is behind) since it was read: the rebuild recomputed every share, and the
        // units taken are counted again by the next check (shares short of the total), never sold twice.
        this.#suspect(target);
        return 'unavailable';
      } catch (err) {
        if (attempt >= 3) {
          this.#suspect(target);
          throw err;
        }
      }
    }
  }

  async completeMoves(campaignId: string, buckets: number): Promise<number> {
    if (buckets <= 1) return 0;
    const shards = shardIds(campaignId, buckets);
    const moves = await Promise.all(shards.map((s) => this.redis.hgetall(this.keys(s).moves)));
    let given = 0;
    for (const [from, taken] of moves.entries()) {
      for (const [moveId, recorded] of Object.entries(taken)) {
        const units = -Number(recorded);
        const to = moveTarget(moveId);
        // A give recorded here (positive), or an id of no known shape (nothing says where it goes): left alone.
        const target = to ? shards[to.bucket] : undefined;
        if (!(units > 0) || !to || !target) continue;
        if ((await this.redis.hexists(this.keys(target).moves, moveId)) === 1) continue;
        const res = await this.#call(
          moveStockCall(this.keys(target), 'give', moveId, units, to.generation, this.floorOf(target)),
        );
        this.#observePosition(target, res, 1);
        if (!Array.isArray(res)) continue;
        given += units;
        this.observer?.stockMoved?.({ campaignId, from, to: to.bucket, units });
      }
    }
    return given;
  }

  async reserveSeckill(input: ReserveSeckillInput): Promise<ReserveResult> {
    const known = this.#bucketCount(input.campaignId, input.buckets);
    const buckets = typeof known === 'number' ? known : await known;
    const shard =
      buckets > 1 ? shardId(input.campaignId, homeBucket(input.userId, buckets)) : input.campaignId;
    let res = await this.#reserveOn(shard, input);
    // A dry home bucket: units are moved in from the fullest other one, then the reservation is tried again,
    // as long as a move brings some (other shoppers of the bucket may take them first). Sold out is the answer
    // only once a mover found every other bucket empty; each round either moves units or ends, and units only
    // leave the buckets by sales, so this ends (the bound only guards against a fault).
    for (let round = 0; res === RefusalCode.SOLD_OUT && buckets > 1; round++) {
      if (round >= MAX_REFILL_ROUNDS) return { ok: false, code: 'DEPENDENCY_UNAVAILABLE' };
      const refill = await this.#refill(input.campaignId, buckets, shard, input.quantity);
      if (refill === 'empty') break;
      // A bucket with units could not give them now (it is behind, or being rebuilt): retry, not sold out.
      if (refill === 'unavailable') return { ok: false, code: toApiErrorCode(RefusalCode.REBUILDING) };
      res = await this.#reserveOn(shard, input);
    }
    if (typeof res === 'number') return { ok: false, code: toApiErrorCode(res) };
    // {1, line, acknowledged position, …} a replay; {0, 0, unit price, …} a new reservation.
    const [replayed, line, rec] = res as [number, string, unknown];
    if (replayed === 1)
      return this.#acknowledged({
        ok: true,
        replayed: true,
        reservation: lineToReservation(input.campaignId, input.userId, line, ackedPosition(rec)),
      });
    // A new reservation: the script answers only the price; the rest is what it was given (see the script).
    return this.#acknowledged({
      ok: true,
      replayed: false,
      reservation: newReservation(input, {
        quantity: input.quantity,
        unitPriceFen: Number(rec),
        expiresAtMs: input.nowMs + input.paymentTtlMs,
        request: { kind: 'seckill', quantity: input.quantity },
      }),
    });
  }

  async #reserveOn(shard: string, input: ReserveSeckillInput): Promise<unknown> {
    const res = await this.#call(reserveSeckillCall(this.keys(shard), input, this.floorOf(shard)), this.#hot);
    this.#observePosition(shard, res, 3);
    return res;
  }

  async claimCoupon(input: ClaimCouponInput): Promise<ReserveResult> {
    const res = await this.#call(
      claimCouponCall(this.keys(input.campaignId), input, this.floorOf(input.campaignId)),
      this.#hot,
    );
    this.#observePosition(input.campaignId, res, 3);
    if (typeof res === 'number') return { ok: false, code: toApiErrorCode(res) };
    // {1, line, acknowledged position, …} a replay; {0, 0, 0, …} a new claim.
    const [replayed, line, rec] = res as [number, string, unknown];
    if (replayed === 1)
      return this.#acknowledged({
        ok: true,
        replayed: true,
        reservation: lineToReservation(input.campaignId, input.userId, line, ackedPosition(rec)),
      });
    return this.#acknowledged({
      ok: true,
      replayed: false,
      reservation: newReservation(input, {
        quantity: 1,
        unitPriceFen: 0,
        expiresAtMs: input.nowMs,
        request: { kind: 'claim' },
      }),
    });
  }

  async openGroup(input: OpenGroupInput): Promise<GroupResult> {
    const res = await this.#call(
      openGroupCall(this.keys(input.campaignId), input, this.floorOf(input.campaignId)),
      this.#hot,
    );
    this.#observePosition(input.campaignId, res, 3);
    return this.#acknowledged(this.#groupResult(input, res, 'open'));
  }

  async joinGroup(input: JoinGroupInput): Promise<GroupResult> {
    const res = await this.#call(
      joinGroupCall(this.keys(input.campaignId), input, this.floorOf(input.campaignId)),
      this.#hot,
    );
    this.#observePosition(input.campaignId, res, 3);
    return this.#acknowledged(this.#groupResult(input, res, 'join'));
  }

  /**
   * An open's or a join's answer: {1, line, group, gen, seq, acknowledged position} a replay, {0, unit price, group,
   * gen, seq} a new reservation (the rest is what the script was given, its slot in the group); the group is its
   * field's value after the call (see `packGroup`). A replay answers the group of its own reservation.
   */
  #groupResult(input: OpenGroupInput | JoinGroupInput, res: unknown, kind: 'open' | 'join'): GroupResult {
    if (typeof res === 'number') return { ok: false, code: toApiErrorCode(res) };
    const { campaignId, userId } = input;
    const [replayed, lineOrPrice, group, , , acked] = res as [
      number,
      string,
      unknown,
      number,
      number,
      unknown,
    ];
    if (replayed === 1) {
      const reservation = lineToReservation(campaignId, userId, lineOrPrice, ackedPosition(acked));
      const g = unpackGroup(campaignId, reservation.groupId ?? input.groupId, group);
      if (!g) throw new Error(`group of reservation ${reservation.id} is gone`);
      return { ok: true, replayed: true, reservation, group: g };
    }
    const g = unpackGroup(campaignId, input.groupId, group);
    const slot = g?.members.find((m) => m.userId === userId)?.slot;
    if (!g || slot === undefined) throw new Error(`group ${input.groupId} answered without its new member`);
    return {
      ok: true,
      replayed: false,
      reservation: newReservation(input, {
        quantity: 1,
        unitPriceFen: Number(lineOrPrice),
        expiresAtMs: input.nowMs + input.paymentTtlMs,
        request: kind === 'open' ? { kind } : { kind, groupId: input.groupId },
        group: { groupId: input.groupId, slot },
      }),
      group: g,
    };
  }

  async releaseReservation(input: ReleaseInput): Promise<boolean> {
    // The units go back to the bucket they were reserved from: the shopper's home bucket.
    const shard = input.groupId ? input.campaignId : await this.#shardOf(input.campaignId, input.userId);
    const res = await this.#call(
      releaseReservationCall(
        this.keys(shard),
        input.reservationId,
        input.userId,
        Date.now(),
        this.floorOf(shard),
      ),
    );
    this.#observePosition(shard, res, 1);
    return Array.isArray(res) && res[0] === 1;
  }

  async closeGroup(campaignId: string, groupId: string, status: 'succeeded' | 'failed'): Promise<boolean> {
    return (await this.#call(closeGroupCall(this.keys(campaignId), groupId, status))) === 1;
  }

  async getReservation(
    campaignId: string,
    reservationId: string,
    userId: string,
  ): Promise<Reservation | null> {
    const k = this.keys(await this.#shardOf(campaignId, userId));
    const res = (await this.redis
      .pipeline()
      .hget(k.meta, holdingField(userId))
      .hmget(k.meta, 'ackGen', 'ackSeq')
      .exec()) as [[Error | null, string | null], [Error | null, unknown]];
    const [[e1, holding], [e2, acked]] = res;
    const failed = e1 ?? e2;
    if (failed) throw failed;
    return findInHolding(campaignId, userId, holding, reservationId, ackedPosition(acked));
  }

  async getGroup(campaignId: string, groupId: string): Promise<GroupState | null> {
    return unpackGroup(
      campaignId,
      groupId,
      await this.redis.hget(this.keys(campaignId).meta, groupField(groupId)),
    );
  }

  async listFormingGroups(campaignId: string, nowMs: number, limit: number): Promise<GroupState[]> {
    const k = this.keys(campaignId);
    // Scores are expiries: the soonest to close that are still open, read with a margin for the full ones (which
    // stay indexed until they close), then the fewest missing first.
    const ids = await this.redis.zrangebyscore(
      k.forming,
      `(${nowMs}`,
      '+inf',
      'LIMIT',
      0,
      Math.max(limit * 4, 32),
    );
    if (ids.length === 0) return [];
    const values = await this.redis.hmget(k.meta, ...ids.map(groupField));
    const groups: GroupState[] = [];
    ids.forEach((id, i) => {
      const g = unpackGroup(campaignId, id, values[i]);
      if (g && g.status === 'forming' && g.expiresAtMs > nowMs && g.slotsTaken < g.size) groups.push(g);
    });
    groups.sort((a, b) => a.size - a.slotsTaken - (b.size - b.slotsTaken) || a.expiresAtMs - b.expiresAtMs);
    return groups.slice(0, limit);
  }

  async getCampaignCounters(campaignId: string): Promise<CampaignCounters | null> {
    // A shard id is one bucket; a campaign id, the sum of its buckets (its own counters when unbucketed).
    if (campaignOfShard(campaignId) !== campaignId) return this.#shardCounters(campaignId);
    const rows = await this.getBucketCounters(campaignId);
    if (!rows) return null;
    if (rows.length === 1 && rows[0]) {
      const { stockTotal, stockLeft, unsettled } = rows[0];
      return { stockTotal, stockLeft, unsettled };
    }
    return {
      stockTotal: rows.reduce((n, r) => n + r.stockTotal, 0),
      stockLeft: rows.reduce((n, r) => n + r.stockLeft, 0),
      unsettled: rows.reduce((n, r) => n + r.unsettled, 0),
    };
  }

  async getBucketCounters(campaignId: string): Promise<BucketCounters[] | null> {
    const known = this.#bucketCount(campaignId);
    const buckets = typeof known === 'number' ? known : await known;
    const shards = shardIds(campaignId, buckets);
    const [rows, total] = await Promise.all([
      Promise.all(shards.map((s) => this.#shardCounters(s))),
      buckets > 1 ? this.redis.hget(this.keys(campaignId).meta, 'campaignTotal') : null,
    ]);
    // One bucket missing is the campaign's hot state missing: a rebuild restores every bucket together.
    if (rows.some((r) => r === null)) return null;
    return rows.map((r, bucket) => ({
      bucket,
      shardId: shards[bucket] ?? campaignId,
      ...(r as CampaignCounters),
      ...(bucket === 0 && total !== null ? { campaignTotal: Number(total) } : {}),
    }));
  }

  async #shardCounters(campaignId: string): Promise<CampaignCounters | null> {
    const k = this.keys(campaignId);
    const [[e1, total], [e2, left], [e3, len]] = (await this.redis
      .pipeline()
      .hget(k.meta, 'stockTotal')
      .hget(k.meta, 'left')
      .xlen(k.stream)
      .exec()) as [[Error | null, string | null], [Error | null, string | null], [Error | null, number]];
    // A pipeline reports each command's failure beside its result: a lost connection must not read as NaN.
    const failed = e1 ?? e2 ?? e3;
    if (failed) throw failed;
    if (total === null || left === null) return null;
    return { stockTotal: Number(total), stockLeft: Number(left), unsettled: Number(len) };
  }

  async hasCampaignState(campaignId: string): Promise<boolean> {
    const known = this.#bucketCount(campaignId);
    const buckets = typeof known === 'number' ? known : await known;
    const present = await Promise.all(
      shardIds(campaignId, buckets).map((s) => this.redis.hexists(this.keys(s).meta, 'left')),
    );
    return present.every((p) => p === 1);
  }

  async getHotPosition(campaignId: string): Promise<HotPosition | null> {
    const [type, gen, seq] = await this.redis.hmget(this.keys(campaignId).meta, 'type', 'gen', 'seq');
    if (type === null) return null;
    return { generation: Number(gen ?? 0), seq: Number(seq ?? 0) };
  }

  async snapshotUnsettled(campaignId: string): Promise<HotSnapshot> {
    const k = this.keys(campaignId);
    // MULTI: the entries, the counter and the position are one instant of the campaign (no script runs between).
    const res = (await this.redis
      .multi()
      .xrange(k.stream, '-', '+')
      .hmget(k.meta, 'stockTotal', 'gen', 'seq', 'type', 'left')
      .exec()) as [[unknown, unknown], [unknown, Array<string | null>]];
    const [[, raw], [, meta]] = res;
    const [total, gen, seq, type, left] = meta;
    const entries = this.#entries(campaignId, raw, false);
    return {
      entries,
      counters:
        total === null || total === undefined || left === null
          ? null
          : left === undefined
            ? null
            : { stockTotal: Number(total), stockLeft: Number(left), unsettled: entries.length },
      position:
        type === null || type === undefined ? null : { generation: Number(gen ?? 0), seq: Number(seq ?? 0) },
    };
  }

  async suspendCampaign(campaignId: string): Promise<boolean> {
    return (await this.#call(suspendCampaignCall(this.keys(campaignId)))) === 1;
  }

  async dropCampaignState(
    campaignId: string,
    buckets?: number,
  ): Promise<'dropped' | 'unsettled' | 'missing'> {
    // The count given (the campaign's row) wins: with bucket 0's keys already gone, Redis no longer knows it.
    const known = this.#bucketCount(campaignId, buckets);
    const shards = shardIds(campaignId, typeof known === 'number' ? known : await known);
    const lengths = await Promise.all(shards.map((s) => this.redis.xlen(this.keys(s).stream)));
    if (lengths.some((n) => n > 0)) return 'unsettled';
    // One slot per shard: each shard's keys go in one UNLINK (group hashes expire on their own).
    const removed = await Promise.all(
      shards.map((s) => {
        const k = this.keys(s);
        return this.redis.unlink(
          k.meta,
          k.legacyHoldings,
          k.released,
          k.stream,
          k.forming,
          k.lease,
          k.rebuild,
          k.moves,
        );
      }),
    );
    for (const s of shards) {
      this.#floors.delete(s);
      this.#groupsReady.delete(this.keys(s).stream);
    }
    this.#buckets.delete(campaignId);
    return removed.some((n) => n > 0) ? 'dropped' : 'missing';
  }

  async rebuildCampaign(state: RebuildState): Promise<RebuildOutcome> {
    const k = this.keys(state.def.id);
    const token = `rebuild:${process.pid}:${Math.random().toString(36).slice(2)}`;
    const begun = await this.#call(rebuildBeginCall(k, token, 60_000));
    if (begun === 0) return 'present';
    if (begun === RefusalCode.REBUILD_BUSY) return 'busy';
    // The holdings and groups from before go first, scanned in chunks: one script over a million fields would stall
    // every campaign of this Redis. Nothing adds one meanwhile (the units left are absent, so every reservation is
    // refused).
    for (const match of ['@*', '#*']) {
      let cursor = '0';
      do {
        const [next, fields] = await this.redis.hscan(k.meta, cursor, 'MATCH', match, 'COUNT', REBUILD_CHUNK);
        cursor = next;
        for (let i = 0; i < fields.length; i += 2 * REBUILD_CHUNK) {
          const drop = fields.slice(i, i + 2 * REBUILD_CHUNK).filter((_, j) => j % 2 === 0);
          const chunk: RebuildChunk = { holdings: [], released: [], groups: [], drop };
          if ((await this.#call(rebuildChunkCall(k, token, chunk))) !== 1) return 'busy';
        }
      } while (cursor !== '0');
    }
    const chunks: RebuildChunk[] = [];
    const fresh = (): RebuildChunk => {
      const c: RebuildChunk = { holdings: [], released: [], groups: [] };
      chunks.push(c);
      return c;
    };
    let c = fresh();
    const room = () => {
      if (c.holdings.length + c.released.length + c.groups.length >= REBUILD_CHUNK) c = fresh();
      return c;
    };
    for (const h of rebuiltHoldings(state)) room().holdings.push(h);
    for (const id of state.released) room().released.push(id);
    for (const g of state.groups)
      room().groups.push({
        id: g.id,
        value: packGroup(g),
        expiresAt: String(g.expiresAtMs),
        forming: g.status === 'forming',
      });
    for (const chunk of chunks) {
      if ((await this.#call(rebuildChunkCall(k, token, chunk))) !== 1) return 'busy';
    }
    if (
      (await this.#call(
        rebuildFinishCall(k, token, state.def, state.stockLeft, state.generation, state.campaignTotal),
      )) !== 1
    )
      return 'busy';
    if (state.def.stockBuckets !== undefined && state.def.stockBuckets > 1)
      this.#buckets.set(campaignOfShard(state.def.id), state.def.stockBuckets);
    // The rebuilt state starts a generation above anything this process saw: the floor follows it.
    if (state.generation !== undefined)
      this.raiseFloor(state.def.id, { generation: state.generation, seq: 0 });
    return 'rebuilt';
  }

  /** Blocking reads get their own connection, so a consumer's wait never delays a reservation. */
  #readerClient(): RedisClient {
    if (!this.#reader) {
      this.#reader = duplicateClient(this.redis, false);
      // The main connection's owner watches and logs Redis's state; without a listener ioredis logs every retry.
      this.#reader.on('error', () => {});
    }
    return this.#reader;
  }

  async #ensureGroup(stream: string): Promise<void> {
    if (this.#groupsReady.has(stream)) return;
    try {
      await this.redis.xgroup('CREATE', stream, SETTLEMENT_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String(err).includes('BUSYGROUP')) throw err;
    }
    this.#groupsReady.add(stream);
  }

  /** Runs a stream command, recreating the consumer group when the stream was lost (keys deleted, Redis flushed). */
  async #withGroup<T>(stream: string, run: () => Promise<T>): Promise<T> {
    await this.#ensureGroup(stream);
    try {
      return await run();
    } catch (err) {
      if (!String(err).includes('NOGROUP')) throw err;
      this.#groupsReady.delete(stream);
      await this.#ensureGroup(stream);
      return run();
    }
  }

  #entries(campaignId: string, raw: unknown, reclaimed: boolean): StreamEntry[] {
    const out: StreamEntry[] = [];
    for (const item of (raw ?? []) as Array<[string, string[] | null]>) {
      const [id, fields] = item;
      // A deleted entry still pending shows up with no fields; there is nothing left to settle.
      if (!fields || fields.length < 2) continue;
      out.push(new RawStreamEntry(id, campaignId, fields, reclaimed));
    }
    return out;
  }

  async readSettlementBatch(
    campaignId: string,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<StreamEntry[]> {
    const stream = this.keys(campaignId).stream;
    const res = await this.#withGroup(stream, () =>
      blockMs > 0
        ? this.#readerClient().xreadgroup(
            'GROUP',
            SETTLEMENT_GROUP,
            consumer,
            'COUNT',
            count,
            'BLOCK',
            blockMs,
            'STREAMS',
            stream,
            '>',
          )
        : this.#readerClient().xreadgroup(
            'GROUP',
            SETTLEMENT_GROUP,
            consumer,
            'COUNT',
            count,
            'STREAMS',
            stream,
            '>',
          ),
    );
    if (!res) return [];
    const first = (res as Array<[string, unknown]>)[0];
    return first ? this.#entries(campaignId, first[1], false) : [];
  }

  async claimStaleSettlement(
    campaignId: string,
    consumer: string,
    minIdleMs: number,
    count: number,
  ): Promise<StreamEntry[]> {
    const stream = this.keys(campaignId).stream;
    const out: StreamEntry[] = [];
    let cursor = '0-0';
    do {
      const res = (await this.#withGroup(stream, () =>
        this.redis.xautoclaim(
          stream,
          SETTLEMENT_GROUP,
          consumer,
          minIdleMs,
          cursor,
          'COUNT',
          count - out.length,
        ),
      )) as [string, unknown, unknown];
      cursor = res[0];
      out.push(...this.#entries(campaignId, res[1], true));
    } while (cursor !== '0-0' && out.length < count);
    return out;
  }

  async ackSettlement(
    campaignId: string,
    entries: Array<{ id: string; reservationId: string }>,
    settledUpTo?: HotPosition,
  ): Promise<number> {
    if (entries.length === 0) return 0;
    const [acked = 0, generation = 0, seq = 0] = numberTable(
      await this.#call(ackSettledCall(this.keys(campaignId), SETTLEMENT_GROUP, entries, settledUpTo)),
    );
    if (settledUpTo) {
      this.raiseFloor(campaignId, settledUpTo);
      // This Redis wrote those entries: its position can only be behind them if it came back from an older copy.
      if (isBehind({ generation, seq }, settledUpTo)) this.#suspect(campaignId);
    }
    return acked;
  }

  async pendingSettlement(campaignId: string): Promise<PendingSummary> {
    const stream = this.keys(campaignId).stream;
    const summary = (await this.#withGroup(stream, () => this.redis.xpending(stream, SETTLEMENT_GROUP))) as [
      number,
      string | null,
      string | null,
      unknown,
    ];
    const pending = Number(summary[0]);
    const oldest = summary[1];
    const oldestMs = oldest ? Number(oldest.split('-')[0]) : Date.now();
    return { pending, oldestPendingAgeMs: pending > 0 ? Math.max(0, Date.now() - oldestMs) : 0 };
  }

  async listUnsettled(campaignId: string): Promise<StreamEntry[]> {
    const raw = await this.redis.xrange(this.keys(campaignId).stream, '-', '+');
    return this.#entries(campaignId, raw, false);
  }

  async acquireSettlementLease(campaignId: string, holder: string, leaseMs: number): Promise<boolean> {
    return (await this.#call(acquireLeaseCall(this.keys(campaignId), holder, leaseMs))) === 1;
  }

  async releaseSettlementLease(campaignId: string, holder: string): Promise<void> {
    await this.#call(releaseLeaseCall(this.keys(campaignId), holder));
  }

  async close(): Promise<void> {
    this.#reader?.disconnect();
    if (this.#hot !== this.redis) this.#hot.disconnect();
    if (this.#ownsClient) await this.redis.quit();
  }
}

/** A stream entry whose fields are parsed on first read of `entry` (the consumer sends `raw` to a worker instead). */
class RawStreamEntry implements StreamEntry {
  readonly id: string;
  readonly raw: readonly string[];
  readonly reclaimed: boolean;
  #campaignId: string;
  #entry: SettlementEntry | undefined;

  constructor(id: string, campaignId: string, raw: readonly string[], reclaimed: boolean) {
    this.id = id;
    this.raw = raw;
    this.reclaimed = reclaimed;
    this.#campaignId = campaignId;
  }

  get entry(): SettlementEntry {
    this.#entry ??= parseSettlementEntry(this.#campaignId, this.raw);
    return this.#entry;
  }
}

/** A second connection (or cluster client) to the same Redis, auto-pipelined or not. */
/**
 * A reservation a script has just made: it answers only what Redis knows (the price, the slot); the rest is what
 * the caller sent it.
 */
function newReservation(
  input: { campaignId: string; userId: string; requestId: string; reservationId: string; nowMs: number },
  r: {
    quantity: number;
    unitPriceFen: number;
    expiresAtMs: number;
    request: ReservationRequest;
    group?: { groupId: string; slot: number };
  },
): Reservation {
  return {
    id: input.reservationId,
    campaignId: input.campaignId,
    userId: input.userId,
    requestId: input.requestId,
    quantity: r.quantity,
    unitPriceFen: r.unitPriceFen,
    ...(r.group ?? {}),
    createdAtMs: input.nowMs,
    expiresAtMs: r.expiresAtMs,
    status: 'pending',
    orderId: orderIdFor(input.reservationId),
    fingerprint: requestFingerprint(r.request),
  };
}

function duplicateClient(client: RedisClient, autoPipelining: boolean): RedisClient {
  return client instanceof Cluster
    ? client.duplicate([], { enableAutoPipelining: autoPipelining })
    : client.duplicate({ enableAutoPipelining: autoPipelining });
}
