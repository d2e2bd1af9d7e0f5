/**
 * The settlement consumer: for each campaign stream it holds the lease of, it reads batches, has a piscina worker
 * commit each batch into PostgreSQL, and only then acknowledges it. One consumer per campaign stream at a time
 * (the lease) keeps the stream's order; entries of a consumer that died are reclaimed once idle for `leaseMs`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Piscina } from 'piscina';
import type { HotPathObserver } from '../observer.ts';
import type { CampaignType, HotPathStore, StreamEntry } from '../store/types.ts';
import type { PgConnectionOptions, SettleTask, SettleTaskResult } from './settle-worker.ts';
import type { SettlementSinkModule } from './sink.ts';

export interface SettlementOptions {
  store: HotPathStore;
  /** A PostgreSQL URL, or connection options (host, port, user, password, database). */
  databaseUrl?: string;
  pg?: PgConnectionOptions;
  /**
   * The module (a `file:` URL) whose default export is the SettlementSink that writes orders and groups: the
   * owner of those tables implements it (./sink.ts); each worker thread loads it once.
   */
  sink: SettlementSinkModule | URL;
  /** Schema to write into (sets `search_path` on the workers' connections). */
  schema?: string;
  /** Unique per process: the lease holder and the stream consumer name. */
  consumerName: string;
  batchSize?: number;
  /** piscina threads, each with one PostgreSQL connection. */
  poolSize?: number;
  /** How much lower than the process the worker threads run (Unix nice increment, 0–19; default 0). */
  niceIncrement?: number;
  /** Lease on a campaign's stream; also how long an entry stays with a silent consumer before it is reclaimed. */
  leaseMs?: number;
  /** How long a read waits for new entries when idle. */
  blockMs?: number;
  /**
   * After a pass that settled only partial batches, wait until this long after the pass began before reading
   * again, so that batches grow with the load (default 0). A batch of 150 cost 0.045 ms of CPU per order
   * (PostgreSQL + worker), one of 2,000 0.032 ms: at a sale's peak the smaller batches took CPU from the hot path.
   * Adds at most this much to the time a reservation takes to become an order.
   */
  lingerMs?: number;
  listCampaignIds(): Promise<string[]>;
  observer?: HotPathObserver;
  /**
   * After a batch has failed this many times, its entries are settled one by one and each that still fails is
   * parked (default 5): written to `settlement_parked` with its error and acknowledged, so that one bad entry
   * (a poison entry) no longer holds back every later reservation of its campaign.
   */
  parkAfterAttempts?: number;
  /**
   * Campaign types that settle elsewhere than into orders: type → the module (a `file:` URL) whose default export
   * is the SettlementSink of that type (coupon claims: the coupons module's). `sink` settles every other type.
   */
  sinks?: Partial<Record<CampaignType, SettlementSinkModule | URL>>;
  /** Test-only fault injection. */
  testHooks?: {
    /** The first N batches throw inside their transaction (rolled back, then retried). */
    failBatches?: number;
    /** Die (stop without ack, keep the lease until it expires) after reading a batch, before or after committing it. */
    dieAfterRead?: 'before-settle' | 'after-settle';
  };
}

export interface SettlementHandle {
  /** Stops after the batch in flight; gives leases back; closes the worker pool. */
  stop(): Promise<void>;
  /** Resolves once every known campaign's stream is empty (all entries committed and acknowledged). */
  drain(timeoutMs?: number): Promise<void>;
  /** Resolves when the loop has exited (after stop, or after a test-injected death). */
  readonly done: Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts settling every listed campaign's stream into PostgreSQL. */
export function startSettlement(opts: SettlementOptions): SettlementHandle {
  const store = opts.store;
  const observer = opts.observer ?? store.observer;
  const batchSize = opts.batchSize ?? 200;
  const leaseMs = opts.leaseMs ?? 15_000;
  const blockMs = Math.min(opts.blockMs ?? 500, Math.floor(leaseMs / 3));
  const lingerMs = Math.min(opts.lingerMs ?? 0, Math.floor(leaseMs / 3));
  const connection: PgConnectionOptions = opts.pg ?? { connectionString: opts.databaseUrl ?? '' };
  const poolSize = opts.poolSize ?? 2;
  const sink = String(opts.sink);
  const typeSinks = opts.sinks
    ? (Object.fromEntries(Object.entries(opts.sinks).map(([t, m]) => [t, String(m)])) as Partial<
        Record<CampaignType, SettlementSinkModule>
      >)
    : undefined;
  const pool = new Piscina<SettleTask, SettleTaskResult>({
    filename: new URL('./settle-worker.ts', import.meta.url).href,
    minThreads: 1,
    maxThreads: poolSize,
    idleTimeout: 30_000,
    // Settlement is background work beside the hot path on the same cores: lower its threads' priority, so that a
    // reservation waiting for a core wins it. Measured at 7,000 reservations/s on 2 cores, one process: p99 48–58
    // ms at the same priority, 20–22 ms at +10; settlement still gets every core the hot path leaves idle.
    niceIncrement: opts.niceIncrement ?? 0,
  });
  let failuresLeft = opts.testHooks?.failBatches ?? 0;
  let running = true;
  /** Aborted by stop(): a linger ends there rather than hold the stop up. */
  const stopping = new AbortController();
  let died = false;
  const owned = new Set<string>();
  /**
   * A batch that failed stays first in line for its campaign, so later entries never overtake it; it is retried
   * at `retryAt` (backing off) while the other campaigns go on. The back-off used to be slept inside the pass
   * that every campaign shares: one failing campaign raised another's settlement time from 0.6 s to about 5 s.
   */
  const carry = new Map<string, { entries: StreamEntry[]; attempts: number; retryAt: number }>();
  const parkAfter = opts.parkAfterAttempts ?? 5;
  let campaignIds: string[] = [];
  let utilisationReadAt = Number.NEGATIVE_INFINITY;
  /** Whether the current pass settled a full batch (then the next pass reads at once: there is more). */
  let sawFullBatch = false;

  function taskFor(campaignId: string, entries: StreamEntry[]): SettleTask {
    // Entries read from Redis carry their fields: the worker parses them, so the main thread neither parses nor
    // copies a batch of objects (strings cross to the worker cheaply).
    const raw: Array<readonly string[]> = [];
    for (const e of entries) if (e.raw !== undefined) raw.push(e.raw);
    const task: SettleTask =
      raw.length === entries.length
        ? { connection, sink, raw: { campaignId, fields: raw } }
        : { connection, sink, entries: entries.map((e) => e.entry) };
    if (opts.schema) task.schema = opts.schema;
    if (typeSinks) task.sinks = typeSinks;
    return task;
  }

  /**
   * A batch that failed `parkAfter` times: each entry on its own, in stream order; those that settle are
   * acknowledged, those that fail again are parked with their error and acknowledged. Returns false when an
   * entry could neither settle nor be parked (PostgreSQL itself is failing): the batch stays first in line.
   */
  async function settleOneByOne(
    campaignId: string,
    entries: StreamEntry[],
    attempts: number,
  ): Promise<boolean> {
    for (const [i, e] of entries.entries()) {
      let reservationId = e.entry.kind === 'reserve' ? e.entry.reservationId : '';
      try {
        const result = await pool.run(taskFor(campaignId, [e]));
        reservationId = result.reservationIds[0] ?? reservationId;
      } catch (error) {
        observer?.settlementError?.({ campaignId, size: 1, error });
        try {
          await pool.run({
            connection,
            sink,
            ...(opts.schema ? { schema: opts.schema } : {}),
            park: {
              campaignId,
              streamId: e.id,
              entry: e.entry,
              attempts,
              error: String(error).slice(0, 2000),
            },
          });
        } catch (parkError) {
          observer?.settlementError?.({ campaignId, size: 1, error: parkError });
          carry.set(campaignId, { entries: entries.slice(i), attempts, retryAt: performance.now() + 5_000 });
          return false;
        }
        observer?.settlementParked?.({ campaignId, streamId: e.id, error });
      }
      // Settled or parked, the entry is done: the acknowledged position moves to it, so its reservation reads
      // settled (the one-by-one pass keeps stream order, as a batch does).
      const { generation, seq } = e.entry;
      await store.ackSettlement(
        campaignId,
        [{ id: e.id, reservationId }],
        generation !== undefined && seq !== undefined ? { generation, seq } : undefined,
      );
    }
    carry.delete(campaignId);
    return true;
  }

  async function settle(campaignId: string, entries: StreamEntry[]): Promise<boolean> {
    const started = performance.now();
    if (entries.length >= batchSize) sawFullBatch = true;
    const task = taskFor(campaignId, entries);
    if (failuresLeft > 0) {
      failuresLeft--;
      task.injectFault = true;
    }
    let result: SettleTaskResult;
    try {
      result = await pool.run(task);
    } catch (error) {
      observer?.settlementError?.({ campaignId, size: entries.length, error });
      const prev = carry.get(campaignId);
      const attempts = (prev?.attempts ?? 0) + 1;
      carry.set(campaignId, {
        entries,
        attempts,
        retryAt: performance.now() + Math.min(50 * 2 ** attempts, 5_000),
      });
      return false;
    }
    carry.delete(campaignId);
    if (opts.testHooks?.dieAfterRead === 'after-settle') {
      died = true;
      return false;
    }
    // The batch's latest position is in PostgreSQL now: the ack raises the floor to it and tells whether this
    // Redis is behind what it just settled (it came back from an older copy).
    await store.ackSettlement(
      campaignId,
      entries.map((e, i) => ({ id: e.id, reservationId: result.reservationIds[i] ?? '' })),
      result.settledUpTo,
    );
    observer?.settlementBatch?.({
      campaignId,
      size: entries.length,
      inserted: result.inserted,
      duplicates: result.duplicates,
      released: result.released,
      transitions: result.transitions,
      reclaimed: entries.filter((e) => e.reclaimed).length,
      ms: performance.now() - started,
    });
    // piscina's utilisation summarises its run-time histogram on each read: once a second is plenty for a gauge.
    if (observer?.poolUtilisation && performance.now() - utilisationReadAt >= 1000) {
      utilisationReadAt = performance.now();
      observer.poolUtilisation({
        utilisation: pool.utilization,
        queueSize: pool.queueSize,
        threads: pool.threads.length,
      });
    }
    return true;
  }

  /** One step for one campaign: retry a failed batch, else reclaim a dead consumer's, else read new ones. */
  async function step(campaignId: string, block: boolean): Promise<boolean> {
    if (!(await store.acquireSettlementLease(campaignId, opts.consumerName, leaseMs))) {
      owned.delete(campaignId);
      return false;
    }
    owned.add(campaignId);
    const failed = carry.get(campaignId);
    if (failed) {
      if (performance.now() < failed.retryAt) return false;
      if (failed.attempts >= parkAfter) return settleOneByOne(campaignId, failed.entries, failed.attempts);
      return settle(campaignId, failed.entries);
    }
    const stale = await store.claimStaleSettlement(campaignId, opts.consumerName, leaseMs, batchSize);
    if (stale.length > 0) return settle(campaignId, stale);
    // Entries still pending with a consumer that lost the lease are older than anything unread: wait for them
    // to become claimable rather than settle newer ones first (a freed group slot must be vacated before reuse).
    const pending = await store.pendingSettlement(campaignId);
    if (pending.pending > 0) {
      observer?.settlementLag?.({ campaignId, ...pending, unsettled: -1 });
      return false;
    }
    const batch = await store.readSettlementBatch(
      campaignId,
      opts.consumerName,
      batchSize,
      block ? blockMs : 0,
    );
    if (batch.length === 0) {
      observer?.settlementLag?.({ campaignId, pending: 0, oldestPendingAgeMs: 0, unsettled: 0 });
      return false;
    }
    if (opts.testHooks?.dieAfterRead === 'before-settle') {
      died = true;
      return false;
    }
    return settle(campaignId, batch);
  }

  let lastList = 0;
  async function loop(): Promise<void> {
    while (running && !died) {
      if (Date.now() - lastList > 1_000 || campaignIds.length === 0) {
        // A listing that fails (the bus timing out under load) keeps the last list: the loop must outlive it,
        // or settlement stops for good and the rejection takes the process down.
        try {
          campaignIds = await opts.listCampaignIds();
        } catch (error) {
          observer?.settlementError?.({ campaignId: '', size: 0, error });
          await sleep(Math.min(blockMs, 100));
        }
        lastList = Date.now();
      }
      // With one campaign a blocking read is the idle wait; with several, reads do not block (they would queue
      // behind each other on the reader connection) and an idle pass sleeps instead.
      const block = campaignIds.length === 1;
      const passStarted = performance.now();
      sawFullBatch = false;
      const worked = await Promise.all(
        campaignIds.map((id) =>
          step(id, block).catch((error: unknown) => {
            observer?.settlementError?.({ campaignId: id, size: 0, error });
            return false;
          }),
        ),
      );
      // A campaign waiting out its retry back-off reads nothing: sleep rather than spin on its lease.
      if (!worked.some(Boolean) && (!block || carry.size > 0) && running && !died)
        await sleep(Math.min(blockMs, 100));
      else if (worked.some(Boolean) && !sawFullBatch && lingerMs > 0 && running && !died) {
        const left = lingerMs - (performance.now() - passStarted);
        if (left > 0) await delay(left, undefined, { signal: stopping.signal }).catch(() => {});
      }
      if (campaignIds.length === 0) await sleep(Math.min(blockMs, 100));
    }
  }

  const done = loop().then(async () => {
    if (!died)
      for (const id of owned) await store.releaseSettlementLease(id, opts.consumerName).catch(() => {});
    await pool.destroy();
  });

  return {
    done,
    async stop() {
      running = false;
      stopping.abort();
      await done;
    },
    async drain(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ids = await opts.listCampaignIds();
        const counters = await Promise.all(ids.map((id) => store.getCampaignCounters(id)));
        if (counters.every((c) => c === null || c.unsettled === 0)) return;
        if (Date.now() > deadline) throw new Error('settlement did not drain in time');
        await sleep(20);
      }
    },
  };
}
