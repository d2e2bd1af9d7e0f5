/** Wires the hot path's observer hooks to the prom-client metrics of @tuanmiao/observability. */
import type { HotPathObserver } from '@tuanmiao/hot-path';
import {
  hotPathAckTimeoutsTotal,
  hotpathScriptDuration,
  hotStateRebuildsTotal,
  recordSettlementBatch,
  settlementBatchSize,
  settlementLagSeconds,
  settlementPoolQueueSize,
  settlementPoolUtilization,
  settlementStreamPending,
} from '@tuanmiao/observability';

export const hotPathObserver: HotPathObserver = {
  scriptDuration: (e) => hotpathScriptDuration.observe({ script: e.script }, e.ms / 1000),
  settlementBatch: (e) => {
    settlementBatchSize.observe(e.size);
    recordSettlementBatch(e.inserted, e.duplicates);
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
  ackTimeout: () => hotPathAckTimeoutsTotal.inc(),
};
