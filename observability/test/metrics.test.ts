import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  campaignStockLeft,
  recordReservation,
  recordSettlementBatch,
  registerCampaignStockSource,
  registry,
  renderMetrics,
  setDependencyUp,
} from '../src/index.ts';

/** The exposition sample line value for a metric name with exactly these labels, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '').split(',').filter(Boolean).sort();
    if (got.join(',') === want.join(',')) return Number(m[3]);
  }
  return undefined;
}

describe('metrics registry', () => {
  test('the exposition declares every tuanmiao metric and the Node runtime metrics', async () => {
    const text = await renderMetrics();
    for (const name of [
      'tm_http_requests_total',
      'tm_http_request_duration_seconds',
      'tm_broker_action_calls_total',
      'tm_broker_action_duration_seconds',
      'tm_reservations_total',
      'tm_hotpath_script_duration_seconds',
      'tm_campaign_stock_left',
      'tm_campaign_stock_total',
      'tm_settlement_lag_seconds',
      'tm_settlement_stream_pending',
      'tm_settlement_batch_size',
      'tm_settlement_orders_total',
      'tm_settlement_pool_utilization',
      'tm_settlement_pool_queue_size',
      'tm_order_transitions_total',
      'tm_group_transitions_total',
      'tm_group_outcome_orders_total',
      'tm_payment_notifications_total',
      'tm_refunds_total',
      'tm_reconciliation_drift_units',
      'tm_reconciliation_runs_total',
      'tm_hot_state_rebuilds_total',
      'tm_hot_path_ack_timeouts_total',
      'tm_oversold_units',
      'tm_reservations_stuck',
      'tm_dependency_up',
      'tm_waiting_room_admitted_total',
      'tm_waiting_room_queued',
      'tm_robot_fill_total',
      'tm_kill_switch_active',
      'tm_points_changes_total',
      'tm_points_moved_total',
      'tm_points_hold_transitions_total',
      'tm_points_ledger_drift_users',
      'tm_points_reconciliation_runs_total',
      'tm_points_mall_redemptions_total',
      'tm_member_level_changes_total',
      'tm_member_level_gift_transitions_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
  });

  test('helpers write labelled samples; a malformed refusal code is folded into OTHER', async () => {
    recordReservation('seckill', 'ok');
    recordReservation('seckill', 'SOLD_OUT');
    recordReservation('seckill', 'sold out for user 12345');
    recordSettlementBatch(7, 2);
    setDependencyUp('database', false);
    const text = await renderMetrics();
    assert.equal(sample(text, 'tm_reservations_total', { campaign_type: 'seckill', result: 'ok' }), 1);
    assert.equal(sample(text, 'tm_reservations_total', { campaign_type: 'seckill', result: 'SOLD_OUT' }), 1);
    assert.equal(sample(text, 'tm_reservations_total', { campaign_type: 'seckill', result: 'OTHER' }), 1);
    assert.equal(sample(text, 'tm_settlement_orders_total', { result: 'inserted' }), 7);
    assert.equal(sample(text, 'tm_settlement_orders_total', { result: 'duplicate' }), 2);
    assert.equal(sample(text, 'tm_settlement_batch_size_sum', {}), 9);
    assert.equal(sample(text, 'tm_dependency_up', { dependency: 'database' }), 0);
    assert.doesNotMatch(text, /12345/);
  });

  test('campaign stock gauges are read from the registered source at scrape time', async () => {
    let left = 10;
    const unregister = registerCampaignStockSource(async () => [
      { campaignId: 'cmp_a', stockLeft: left, stockTotal: 10 },
    ]);
    try {
      let text = await renderMetrics();
      assert.equal(sample(text, 'tm_campaign_stock_left', { campaign_id: 'cmp_a' }), 10);
      assert.equal(sample(text, 'tm_campaign_stock_total', { campaign_id: 'cmp_a' }), 10);
      left = 3;
      // Wait out the shared refresh of the previous scrape.
      await new Promise((resolve) => setImmediate(resolve));
      text = await renderMetrics();
      assert.equal(sample(text, 'tm_campaign_stock_left', { campaign_id: 'cmp_a' }), 3);
    } finally {
      unregister();
    }
    await new Promise((resolve) => setImmediate(resolve));
    const metric = await campaignStockLeft.get();
    assert.deepEqual(metric.values, []);
  });

  test('the registry holds one metric per name', () => {
    const names = registry.getMetricsAsArray().map((m) => m.name);
    assert.equal(new Set(names).size, names.length);
  });
});

describe('metric help texts', () => {
  test('the reconciliation runs help names exactly the results reconciliation emits', async () => {
    const text = await renderMetrics();
    const help = text.split('\n').find((l) => l.startsWith('# HELP tm_reconciliation_runs_total '));
    const listed = /by result \(([^)]*)\)/.exec(help ?? '')?.[1]?.split(', ');
    // RebuildOutcome of the hot path (present, rebuilt, busy) and the failure of a check (error).
    assert.deepEqual(listed?.sort(), ['busy', 'error', 'present', 'rebuilt']);
  });

  test('the reservations help says a replay is not counted as ok', async () => {
    const text = await renderMetrics();
    const help = text.split('\n').find((l) => l.startsWith('# HELP tm_reservations_total '));
    assert.match(help ?? '', /replayed/);
  });
});
