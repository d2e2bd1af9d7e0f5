/**
 * Every tuanmiao metric, defined once. Label values are bounded: route patterns, action names, error codes,
 * campaign ids (live campaigns are few). Never a user id, an order id or a raw URL.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from './registry.ts';

const registers = [registry];

// Bucket edges include the targets we alert on (200 ms for HTTP p99) so quantiles near them stay precise.
const httpBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5];
const actionBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const scriptBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
const batchBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

// ---------------------------------------------------------------- HTTP (RED)

export const httpRequestsTotal = new Counter({
  name: 'tm_http_requests_total',
  help: 'HTTP requests answered by the gateway, by route pattern and status code.',
  labelNames: ['method', 'route', 'status_code'] as const,
  registers,
});

export const httpRequestDuration = new Histogram({
  name: 'tm_http_request_duration_seconds',
  help: 'Time from receiving an HTTP request to finishing its response, by route pattern.',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: httpBuckets,
  registers,
});

// ---------------------------------------------------------------- Moleculer actions (RED)

export const brokerActionCallsTotal = new Counter({
  name: 'tm_broker_action_calls_total',
  help: 'Local Moleculer action calls; outcome is ok, refused (a business 4xx error) or error.',
  labelNames: ['action', 'outcome'] as const,
  registers,
});

export const brokerActionDuration = new Histogram({
  name: 'tm_broker_action_duration_seconds',
  help: 'Duration of local Moleculer action handlers.',
  labelNames: ['action'] as const,
  buckets: actionBuckets,
  registers,
});

// ---------------------------------------------------------------- Hot path

export const reservationsTotal = new Counter({
  name: 'tm_reservations_total',
  help: 'Reservation attempts on the hot path; result is ok (a new reservation), replayed (a retry answered with the first one) or the refusal code (SOLD_OUT, LIMIT_EXCEEDED, ...).',
  labelNames: ['campaign_type', 'result'] as const,
  registers,
});

export const hotpathScriptDuration = new Histogram({
  name: 'tm_hotpath_script_duration_seconds',
  help: 'Round trip of one hot-path Redis Lua script call.',
  labelNames: ['script'] as const,
  buckets: scriptBuckets,
  registers,
});

export const campaignStockLeft = new Gauge({
  name: 'tm_campaign_stock_left',
  help: 'Units the hot path can still reserve, per live campaign.',
  labelNames: ['campaign_id'] as const,
  // Every worker of a group reads the same hot path: the group shows one value, not the sum.
  aggregator: 'max',
  registers,
  async collect() {
    await refreshCampaignStock();
  },
});

export const campaignStockTotal = new Gauge({
  name: 'tm_campaign_stock_total',
  help: 'Units a live campaign was given.',
  labelNames: ['campaign_id'] as const,
  // Every worker of a group reads the same hot path: the group shows one value, not the sum.
  aggregator: 'max',
  registers,
  async collect() {
    await refreshCampaignStock();
  },
});

export const settlementLagSeconds = new Gauge({
  name: 'tm_settlement_lag_seconds',
  help: 'Age of the oldest reservation not yet settled into an order, per campaign.',
  labelNames: ['campaign_id'] as const,
  registers,
});

export const settlementStreamPending = new Gauge({
  name: 'tm_settlement_stream_pending',
  help: 'Reservations waiting in the settlement stream (not yet acknowledged), per campaign.',
  labelNames: ['campaign_id'] as const,
  registers,
});

export const settlementBatchSize = new Histogram({
  name: 'tm_settlement_batch_size',
  help: 'Reservations written to PostgreSQL per settlement batch.',
  buckets: batchBuckets,
  registers,
});

export const settlementOrdersTotal = new Counter({
  name: 'tm_settlement_orders_total',
  help: 'Orders the settlement wrote; duplicate means the reservation was already settled (idempotent replay).',
  labelNames: ['result'] as const,
  registers,
});

export const settlementErrorsTotal = new Counter({
  name: 'tm_settlement_errors_total',
  help: 'Settlement batches (or single entries) that failed and were left to retry, per campaign.',
  labelNames: ['campaign_id'] as const,
  registers,
});

export const settlementParkedTotal = new Counter({
  name: 'tm_settlement_parked_total',
  help: 'Poison settlement entries set aside in settlement_parked after repeated failures, per campaign.',
  labelNames: ['campaign_id'] as const,
  registers,
});

export const settlementPoolUtilization = new Gauge({
  name: 'tm_settlement_pool_utilization',
  help: 'Share of time the settlement worker pool was busy (0..1).',
  registers,
});

export const settlementPoolQueueSize = new Gauge({
  name: 'tm_settlement_pool_queue_size',
  help: 'Settlement tasks waiting for a free worker.',
  registers,
});

// ---------------------------------------------------------------- Domain

export const orderTransitionsTotal = new Counter({
  name: 'tm_order_transitions_total',
  help: 'Order status changes, by from, to and reason.',
  labelNames: ['from', 'to', 'reason'] as const,
  registers,
});

export const groupTransitionsTotal = new Counter({
  name: 'tm_group_transitions_total',
  help: 'Group-buy group status changes, by from, to and reason.',
  labelNames: ['from', 'to', 'reason'] as const,
  registers,
});

export const couponClaimsTotal = new Counter({
  name: 'tm_coupon_claims_total',
  help: 'Coupon claims (抢券) on the hot path; result is ok (a new claim), replayed (a retry answered with the first one) or the refusal code (SOLD_OUT, LIMIT_EXCEEDED, ...).',
  labelNames: ['result'] as const,
  registers,
});

export const couponTransitionsTotal = new Counter({
  name: 'tm_coupon_transitions_total',
  help: 'Coupon status changes, by from (none for a new coupon), to and reason: claimed, issued (new_member, group_failed, operator), order_placed, order_paid, order_cancelled, order_refunded, expired.',
  labelNames: ['from', 'to', 'reason'] as const,
  registers,
});

export const couponsOutOfStep = new Gauge({
  name: 'tm_coupons_out_of_step',
  help: 'Coupons locked on an order that is no longer unpaid, used on an order that is not paid, or giving a discount their order does not hold (reconciliation): must be 0.',
  registers,
});

export const groupOutcomeOrdersTotal = new Counter({
  name: 'tm_group_outcome_orders_total',
  help: 'Orders of ended groups, handled by the orders module on group.succeeded and group.failed: ready to ship, or refunded or cancelled by the event (the groups sweeper settles the rest).',
  labelNames: ['outcome', 'action'] as const,
  registers,
});

export const paymentNotificationsTotal = new Counter({
  name: 'tm_payment_notifications_total',
  help: 'Payment provider notifications received; result is paid, duplicate, bad_signature, unknown_order, ...',
  labelNames: ['provider', 'result'] as const,
  registers,
});

export const refundsTotal = new Counter({
  name: 'tm_refunds_total',
  help: 'Refunds issued, by result.',
  labelNames: ['result'] as const,
  registers,
});

export const wechatShippingUploadsTotal = new Counter({
  name: 'tm_wechat_shipping_uploads_total',
  help: 'WeChat shipping-record (upload_shipping_info) attempts, by result: sent, retry (will be sent again), failed (refused for good).',
  labelNames: ['result'] as const,
  registers,
});

export const wechatShippingRecords = new Gauge({
  name: 'tm_wechat_shipping_records',
  help: 'WeChat shipping records by state (pending, sent, failed, not_applicable), as the last sweep counted them in PostgreSQL.',
  labelNames: ['state'] as const,
  // Every process running fulfilment counts the same table: the group shows one count, not their sum.
  aggregator: 'max',
  registers,
});

export const wechatShippingOldestPendingSeconds = new Gauge({
  name: 'tm_wechat_shipping_oldest_pending_seconds',
  help: "Age of the oldest WeChat shipping record still pending (0 when none is): the buyer's funds stay frozen meanwhile.",
  aggregator: 'max',
  registers,
});

export const reconciliationDriftUnits = new Gauge({
  name: 'tm_reconciliation_drift_units',
  help: 'Units by which hot-path stock and PostgreSQL disagree after the last reconciliation (0 is healthy).',
  labelNames: ['campaign_id'] as const,
  registers,
});

export const reconciliationRunsTotal = new Counter({
  name: 'tm_reconciliation_runs_total',
  help: 'Reconciliation runs, by result (present, rebuilt, busy, error).',
  labelNames: ['result'] as const,
  registers,
});

// ---------------------------------------------------------------- Points, points mall, membership

export const pointsChangesTotal = new Counter({
  name: 'tm_points_changes_total',
  help: "Ledger entries written (each a change of one shopper's points balance), by reason: order_earn, order_earn_reversal, checkout_hold, checkout_release, refund_return, mall_redeem, expired, admin_adjust.",
  labelNames: ['reason'] as const,
  registers,
});

export const pointsMovedTotal = new Counter({
  name: 'tm_points_moved_total',
  help: 'Points moved by ledger entries, by reason and direction (earned: credited to shoppers; spent: debited).',
  labelNames: ['reason', 'direction'] as const,
  registers,
});

export const pointsHoldTransitionsTotal = new Counter({
  name: 'tm_points_hold_transitions_total',
  help: 'Transitions of the points an order spends: none → held at checkout, held → spent when paid, held → released on cancel or expiry, spent → returned after a refund.',
  labelNames: ['from', 'to'] as const,
  registers,
});

export const pointsLedgerDriftUsers = new Gauge({
  name: 'tm_points_ledger_drift_users',
  help: 'Shoppers whose points balance differs from the sum of their ledger at the last reconciliation (0 is healthy).',
  registers,
});

export const pointsReconciliationRunsTotal = new Counter({
  name: 'tm_points_reconciliation_runs_total',
  help: 'Points ledger reconciliation runs, by result (ok, drift, error).',
  labelNames: ['result'] as const,
  registers,
});

export const pointsMallRedemptionsTotal = new Counter({
  name: 'tm_points_mall_redemptions_total',
  help: 'Points-mall redemptions, by result: ok, replayed, or the refusal code (SOLD_OUT, LIMIT_EXCEEDED, INSUFFICIENT_POINTS, ...).',
  labelNames: ['result'] as const,
  registers,
});

export const memberLevelChangesTotal = new Counter({
  name: 'tm_member_level_changes_total',
  help: 'Shoppers moved between membership levels, by direction (up, down) and reason (growth, schedule).',
  labelNames: ['direction', 'reason'] as const,
  registers,
});

export const memberLevelGiftTransitionsTotal = new Counter({
  name: 'tm_member_level_gift_transitions_total',
  help: 'Level-up gifts (升级礼) by transition: none → pending (queued with the level change), pending → issued | skipped (stopped template).',
  labelNames: ['from', 'to'] as const,
  registers,
});

export const hotStateRebuildsTotal = new Counter({
  name: 'tm_hot_state_rebuilds_total',
  help:
    'Campaign hot states rebuilt from PostgreSQL, by reason: missing, behind (Redis came back from an older copy: ' +
    'a cut AOF, a lagging replica promoted), drift.',
  labelNames: ['reason'] as const,
  registers,
});

export const stockBucketMovesTotal = new Counter({
  name: 'tm_stock_bucket_moves_total',
  help:
    'Moves of units into a stock bucket (库存分桶) that ran dry, from the fullest other bucket of its campaign; ' +
    'many a second means the buckets drain unevenly (a few hot shoppers homed in one bucket) or the sale is ending.',
  registers,
});

export const stockBucketMovedUnitsTotal = new Counter({
  name: 'tm_stock_bucket_moved_units_total',
  help: 'Units moved between stock buckets of a campaign (see tm_stock_bucket_moves_total).',
  registers,
});

export const hotPathAckTimeoutsTotal = new Counter({
  name: 'tm_hot_path_ack_timeouts_total',
  help: 'Reservations answered 503 because no replica confirmed them in time (HOT_PATH_ACK=wait-replica).',
  registers,
});

export const oversoldUnits = new Gauge({
  name: 'tm_oversold_units',
  help: 'Units sold beyond stock total, per campaign. Anything above 0 is a correctness incident.',
  labelNames: ['campaign_id'] as const,
  registers,
});

export const reservationsStuck = new Gauge({
  name: 'tm_reservations_stuck',
  help: 'Reservations still held after the payment time-to-live, per campaign.',
  labelNames: ['campaign_id'] as const,
  registers,
});

export const dependencyUp = new Gauge({
  name: 'tm_dependency_up',
  help: '1 when a dependency (database, hotpath, bus) answered the last readiness probe, else 0.',
  labelNames: ['dependency'] as const,
  // A group is up on a dependency only when every worker is.
  aggregator: 'min',
  registers,
});

export const rateLimitFallbackTotal = new Counter({
  name: 'tm_rate_limit_fallback_total',
  help: "Rate-limit decisions taken from this process's own counts because the shared store (Redis) did not answer.",
  registers,
});

export const waitingRoomAdmittedTotal = new Counter({
  name: 'tm_waiting_room_admitted_total',
  help: 'Shoppers admitted from the waiting room, per campaign.',
  labelNames: ['campaign_id'] as const,
  registers,
});

export const waitingRoomQueued = new Gauge({
  name: 'tm_waiting_room_queued',
  help: 'Shoppers waiting in the waiting room, per campaign.',
  labelNames: ['campaign_id'] as const,
  // The queue position comes from the arrival counter the workers share.
  aggregator: 'max',
  registers,
});

export const robotFillTotal = new Counter({
  name: 'tm_robot_fill_total',
  help: 'Group-buy slots filled by the platform robot at group expiry, per campaign.',
  labelNames: ['campaign_id'] as const,
  registers,
});

export const killSwitchActive = new Gauge({
  name: 'tm_kill_switch_active',
  help: '1 while the kill switch stops reservations for a campaign.',
  labelNames: ['campaign_id'] as const,
  registers,
});

// ---------------------------------------------------------------- Typed helpers

export type CampaignType = 'seckill' | 'groupbuy';
export type Dependency = 'database' | 'hotpath' | 'bus';
export type SettlementResult = 'inserted' | 'duplicate';

const errorCodePattern = /^[A-Z][A-Z0-9_]{0,47}$/;

/** Keeps a refusal code as a label value only when it looks like one of our UPPER_SNAKE codes. */
function boundedCode(code: string): string {
  return code === 'ok' || errorCodePattern.test(code) ? code : 'OTHER';
}

/** Counts one reservation attempt; `result` is `ok` or the refusal code. */
export function recordReservation(campaignType: CampaignType, result: string): void {
  reservationsTotal.inc({ campaign_type: campaignType, result: boundedCode(result) });
}

/** Starts timing one hot-path script call; call the returned function when the script answered. */
export function timeHotpathScript(script: string): () => void {
  const end = hotpathScriptDuration.startTimer({ script });
  return () => {
    end();
  };
}

/** Records one settlement batch: its size and how many rows were new or replays. */
export function recordSettlementBatch(inserted: number, duplicate: number): void {
  settlementBatchSize.observe(inserted + duplicate);
  if (inserted > 0) settlementOrdersTotal.inc({ result: 'inserted' }, inserted);
  if (duplicate > 0) settlementOrdersTotal.inc({ result: 'duplicate' }, duplicate);
}

/** Sets whether a dependency answered its probe. */
export function setDependencyUp(dependency: Dependency, up: boolean): void {
  dependencyUp.set({ dependency }, up ? 1 : 0);
}

// ---------------------------------------------------------------- Campaign stock, read at scrape time

/** One campaign's stock as the hot path knows it. */
export interface CampaignStockSnapshot {
  campaignId: string;
  stockLeft: number;
  stockTotal: number;
}

/** Reads the stock of the live campaigns; called once per scrape. */
export type CampaignStockSource = () => CampaignStockSnapshot[] | Promise<CampaignStockSnapshot[]>;

const stockSources = new Set<CampaignStockSource>();
let stockRefresh: Promise<void> | undefined;

/**
 * Registers a reader of live campaign stock (the hot path registers one over Redis). Both stock gauges are
 * refreshed from it at scrape time, so ended campaigns drop out. Returns a function that unregisters it.
 */
export function registerCampaignStockSource(source: CampaignStockSource): () => void {
  stockSources.add(source);
  return () => {
    stockSources.delete(source);
  };
}

// Both gauges' collect() run during one scrape: the first starts the read, the second awaits the same one,
// so they show the same snapshot and the sources are read once.
function refreshCampaignStock(): Promise<void> {
  if (stockRefresh) return stockRefresh;
  stockRefresh = (async () => {
    const snapshots: CampaignStockSnapshot[] = [];
    for (const source of stockSources) {
      try {
        snapshots.push(...(await source()));
      } catch {
        // A failed read leaves the campaign out of this scrape; tm_dependency_up says why.
      }
    }
    campaignStockLeft.reset();
    campaignStockTotal.reset();
    for (const s of snapshots) {
      campaignStockLeft.set({ campaign_id: s.campaignId }, s.stockLeft);
      campaignStockTotal.set({ campaign_id: s.campaignId }, s.stockTotal);
    }
  })().finally(() => {
    stockRefresh = undefined;
  });
  return stockRefresh;
}
