/** Wires the hot path's observer hooks to the prom-client metrics of @tuanmiao/observability. */
import type { HotPathObserver } from '@tuanmiao/hot-path';
import {
  couponTransitionsTotal,
  groupTransitionsTotal,
  hotPathAckTimeoutsTotal,
  hotpathScriptDuration,
  hotStateRebuildsTotal,
  orderTransitionsTotal,
  recordSettlementBatch,
  settlementBatchSize,
  settlementErrorsTotal,
  settlementLagSeconds,
  settlementParkedTotal,
  settlementPoolQueueSize,
  settlementPoolUtilization,
  settlementStreamPending,
  stockBucketMovedUnitsTotal,
  stockBucketMovesTotal,
} from '@tuanmiao/observability';
import type { Logger } from 'pino';

/** Each script's duration histogram with its label bound once: every reservation times one script call. */
const scriptTimers = new Map<string, { observe(seconds: number): void }>();

export const hotPathObserver: HotPathObserver = {
  scriptDuration: (e) => {
    let timer = scriptTimers.get(e.script);
    if (!timer) {
      timer = hotpathScriptDuration.labels({ script: e.script });
      scriptTimers.set(e.script, timer);
    }
    timer.observe(e.ms / 1000);
  },
  settlementBatch: (e) => {
    settlementBatchSize.observe(e.size);
    recordSettlementBatch(e.inserted, e.duplicates);
    // Settlement's status changes, made in a worker thread, are counted here where /metrics is served.
    for (const t of e.transitions) {
      const counter =
        t.machine === 'order'
          ? orderTransitionsTotal
          : t.machine === 'coupon'
            ? couponTransitionsTotal
            : groupTransitionsTotal;
      counter.inc({ from: t.from ?? 'none', to: t.to, reason: t.reason }, t.count);
    }
  },
  settlementLag: (e) => {
    settlementLagSeconds.set({ campaign_id: e.campaignId }, e.oldestPendingAgeMs / 1000);
    settlementStreamPending.set({ campaign_id: e.campaignId }, e.unsettled);
  },
  poolUtilisation: (e) => {
    settlementPoolUtilization.set(e.utilisation);
    settlementPoolQueueSize.set(e.queueSize);
  },
  hotStateRebuilt: (e) => hotStateRebuildsTotal.inc({ reason: e.reason }),
  stockMoved: (e) => {
    stockBucketMovesTotal.inc();
    stockBucketMovedUnitsTotal.inc(e.units);
  },
  ackTimeout: () => hotPathAckTimeoutsTotal.inc(),
};

/**
 * The observer plus a log line for every settlement error and parked entry: `settlementError` had no listener,
 * so a batch failing for ever left no trace. While a dependency is down its watch has said so once; the
 * settlement loop's retries are then counted, not logged again.
 */
export function loggingHotPathObserver(log: Logger, dependencyDown: () => boolean): HotPathObserver {
  return {
    ...hotPathObserver,
    settlementBatch: (e) => {
      hotPathObserver.settlementBatch?.(e);
      // One line per batch, not per order: a batch is up to 2,000 orders, thousands a second at a peak.
      if (e.transitions.length > 0) {
        log.info(
          { campaignId: e.campaignId, transitions: e.transitions, actor: 'hot-path' },
          'settlement transitions',
        );
      }
    },
    settlementError: (e) => {
      settlementErrorsTotal.inc({ campaign_id: e.campaignId || 'none' });
      if (dependencyDown()) return;
      log.error({ err: e.error, campaignId: e.campaignId, size: e.size }, 'settlement failed; will retry');
    },
    settlementParked: (e) => {
      settlementParkedTotal.inc({ campaign_id: e.campaignId });
      log.error(
        { err: e.error, campaignId: e.campaignId, streamId: e.streamId },
        'settlement entry parked after repeated failures (see GET /api/admin/settlement/parked)',
      );
    },
  };
}
