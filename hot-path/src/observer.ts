import type { SettledTransitionCount } from './settlement/sink.ts';

/**
 * Hooks the hot path calls for metrics. Every hook is optional and must not throw; the gateway wires them to
 * prom-client (histograms for durations, gauges for lag, pending and pool utilisation, counters for the rest).
 */
export interface HotPathObserver {
  /** One store operation (a script call, or the memory store's critical section); outcome is `ok` or the refusal. */
  scriptDuration?(e: { script: string; store: 'redis' | 'memory'; ms: number; outcome: string }): void;
  /**
   * One settlement batch committed: entries in it, orders inserted vs already present, worker time, and the
   * status changes it made (summed by from, to and reason; from null = created).
   */
  settlementBatch?(e: {
    campaignId: string;
    size: number;
    inserted: number;
    duplicates: number;
    released: number;
    transitions: SettledTransitionCount[];
    reclaimed: number;
    ms: number;
  }): void;
  /** A batch that failed and will be retried (left unacknowledged). */
  settlementError?(e: { campaignId: string; size: number; error: unknown }): void;
  /** An entry that kept failing was set aside in `settlement_parked` and acknowledged. */
  settlementParked?(e: { campaignId: string; streamId: string; error: unknown }): void;
  /** Sampled after each pass over a campaign: entries delivered but unacknowledged, and the oldest one's age. */
  settlementLag?(e: {
    campaignId: string;
    pending: number;
    oldestPendingAgeMs: number;
    unsettled: number;
  }): void;
  /** The piscina pool's utilisation (0..1) and queue size, sampled after each batch. */
  poolUtilisation?(e: { utilisation: number; queueSize: number; threads: number }): void;
  /** A reservation the replicas did not confirm in time (`ack: 'wait-replica'`): the shopper heard 503. */
  ackTimeout?(e: { replicas: number; timeoutMs: number }): void;
  /** A campaign's hot state was rebuilt from PostgreSQL: `missing`, `behind` (it came back from an older copy), or
   * `drift` (its counters disagreed with PostgreSQL's on consecutive checks). */
  hotStateRebuilt?(e: { campaignId: string; reason: 'missing' | 'behind' | 'drift' }): void;
  /** Units moved from one stock bucket of a campaign to another that ran dry (see `store/buckets.ts`). */
  stockMoved?(e: { campaignId: string; from: number; to: number; units: number }): void;
}
