/**
 * The hot-state guard: re-checks a campaign against PostgreSQL as soon as the store suspects it (a call found its
 * hot state behind a position already seen, or a settlement batch found Redis behind what it had just settled)
 * and every campaign when the store's connection comes back (it may have come back to a restarted server or a
 * promoted replica). A check that finds the state behind or drifting rebuilds it (`reconcileCampaign`); until
 * then the floors keep the suspect campaign from selling (it answers `CAMPAIGN_REBUILDING`).
 */
import { campaignOfShard } from '../store/buckets.ts';
import type { CampaignDef, HotPathStore } from '../store/types.ts';
import {
  type LiveUnitsSource,
  type ReconcileReport,
  reconcileCampaign,
  type SqlRunner,
} from './reconcile.ts';
import type { SettledRecords } from './records.ts';

export interface HotStateGuardOptions {
  store: HotPathStore;
  sql: SqlRunner;
  /** The settled orders and groups, read through their owner. */
  records: SettledRecords;
  /** The campaigns to guard (those not over yet), with their definitions. */
  listCampaigns(): Promise<CampaignDef[]>;
  /** Where a campaign's settled units are (`records.orders` unless given; see `LiveUnitsSource`). */
  unitsFor?(def: CampaignDef): LiveUnitsSource | undefined;
  /** Each check's report (log a rebuild, set the drift gauge). */
  onReport?(report: ReconcileReport): void;
  onError?(error: unknown, campaignId: string | undefined): void;
  /** After a failed or busy check, check again this much later while the campaign stays refused (default 500 ms). */
  retryMs?: number;
}

export interface HotStateGuard {
  /** Checks one campaign now (coalesced with a check of it already running). */
  check(campaignId: string): Promise<void>;
  /** Checks every guarded campaign now. */
  checkAll(): Promise<void>;
  stop(): void;
}

/** Starts guarding the store's campaigns; call `stop()` before closing the store. */
export function startHotStateGuard(opts: HotStateGuardOptions): HotStateGuard {
  const retryMs = opts.retryMs ?? 500;
  let stopped = false;
  /** Per campaign: the check running, and whether another was asked for meanwhile (it runs once after). */
  const running = new Map<string, { done: Promise<void>; again: boolean }>();
  const retries = new Set<NodeJS.Timeout>();

  function retryLater(campaignId: string): void {
    if (stopped) return;
    const t = setTimeout(() => {
      retries.delete(t);
      void check(campaignId);
    }, retryMs);
    t.unref();
    retries.add(t);
  }

  async function runCheck(campaignId: string): Promise<void> {
    try {
      const def = (await opts.listCampaigns()).find((d) => d.id === campaignId);
      if (!def) return;
      const units = opts.unitsFor?.(def);
      const report = await reconcileCampaign({
        store: opts.store,
        sql: opts.sql,
        records: opts.records,
        def,
        ...(units ? { units } : {}),
      });
      opts.onReport?.(report);
      if (report.outcome === 'busy') retryLater(campaignId);
    } catch (error) {
      opts.onError?.(error, campaignId);
      retryLater(campaignId);
    }
  }

  function check(campaignId: string): Promise<void> {
    if (stopped) return Promise.resolve();
    const current = running.get(campaignId);
    if (current) {
      current.again = true;
      return current.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      do {
        entry.again = false;
        await runCheck(campaignId);
      } while (entry.again && !stopped);
      running.delete(campaignId);
    })();
    running.set(campaignId, entry);
    return entry.done;
  }

  async function checkAll(): Promise<void> {
    if (stopped) return;
    let defs: CampaignDef[];
    try {
      defs = await opts.listCampaigns();
    } catch (error) {
      opts.onError?.(error, undefined);
      return;
    }
    await Promise.all(defs.map((d) => check(d.id)));
  }

  // A stock bucket (`<id>#<b>`) is checked, and rebuilt, with its whole campaign.
  const unsubscribe = opts.store.onSuspect((campaignId) => {
    if (campaignId === undefined) void checkAll();
    else void check(campaignOfShard(campaignId));
  });

  return {
    check,
    checkAll,
    stop() {
      stopped = true;
      unsubscribe();
      for (const t of retries) clearTimeout(t);
      retries.clear();
    },
  };
}
