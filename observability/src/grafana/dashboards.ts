/** The four tuanmiao dashboards. Edit here, then `node observability/src/grafana/build-dashboards.ts`. */
import type { DashboardSpec } from './model.ts';

const c = 'campaign_id=~"$campaign"';
/** A campaign's hot-path shards: the campaign itself and its stock buckets after the first (`<id>#<b>`). */
const shards = 'campaign_id=~"$campaign(#[0-9]+)?"';
const rate = (metric: string, by: string, filter = '') =>
  `sum by (${by}) (rate(${metric}${filter ? `{${filter}}` : ''}[$__rate_interval]))`;
const p = (q: number, metric: string, by: string, filter = '') =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket${filter ? `{${filter}}` : ''}[$__rate_interval])))`;

export const overview: DashboardSpec = {
  uid: 'tm-overview',
  title: 'tuanmiao / Overview',
  description: 'Is the platform healthy? Traffic, errors, latency, correctness signals and dependencies.',
  campaignVariable: false,
  rows: [
    {
      row: 'Correctness (any red here is an incident)',
      panels: [
        {
          title: 'Oversold units',
          kind: 'stat',
          w: 6,
          h: 5,
          redAt: 1,
          queries: [{ expr: 'sum(tm_oversold_units) or vector(0)', legend: 'oversold' }],
        },
        {
          title: 'Reconciliation drift (units)',
          kind: 'stat',
          w: 6,
          h: 5,
          redAt: 1,
          queries: [{ expr: 'sum(abs(tm_reconciliation_drift_units)) or vector(0)', legend: 'drift' }],
        },
        {
          title: 'Reservations stuck past payment TTL',
          kind: 'stat',
          w: 6,
          h: 5,
          redAt: 1,
          queries: [{ expr: 'sum(tm_reservations_stuck) or vector(0)', legend: 'stuck' }],
        },
        {
          title: 'Kill switches on',
          kind: 'stat',
          w: 6,
          h: 5,
          redAt: 1,
          queries: [{ expr: 'sum(tm_kill_switch_active) or vector(0)', legend: 'campaigns' }],
        },
      ],
    },
    {
      row: 'HTTP (gateway)',
      panels: [
        {
          title: 'Requests per second by route',
          kind: 'timeseries',
          unit: 'reqps',
          stack: true,
          queries: [{ expr: rate('tm_http_requests_total', 'route'), legend: '{{route}}' }],
        },
        {
          title: '5xx error ratio',
          kind: 'timeseries',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr: 'sum(rate(tm_http_requests_total{status_code=~"5.."}[$__rate_interval])) / sum(rate(tm_http_requests_total[$__rate_interval]))',
              legend: '5xx / all',
            },
          ],
        },
        {
          title: 'Latency p50 / p90 / p99 (all routes)',
          kind: 'timeseries',
          unit: 's',
          queries: [
            { expr: p(0.5, 'tm_http_request_duration_seconds', ''), legend: 'p50' },
            { expr: p(0.9, 'tm_http_request_duration_seconds', ''), legend: 'p90' },
            { expr: p(0.99, 'tm_http_request_duration_seconds', ''), legend: 'p99' },
          ],
        },
        {
          title: 'p99 latency by route',
          kind: 'timeseries',
          unit: 's',
          queries: [{ expr: p(0.99, 'tm_http_request_duration_seconds', 'route'), legend: '{{route}}' }],
        },
        {
          title: 'Responses by status code',
          kind: 'timeseries',
          unit: 'reqps',
          stack: true,
          queries: [{ expr: rate('tm_http_requests_total', 'status_code'), legend: '{{status_code}}' }],
        },
        {
          title: 'Reservations by result',
          description:
            'ok, or the refusal code. SOLD_OUT and LIMIT_EXCEEDED are normal answers during a sale.',
          kind: 'timeseries',
          unit: 'ops',
          stack: true,
          queries: [
            {
              expr: rate('tm_reservations_total', 'campaign_type, result'),
              legend: '{{campaign_type}} {{result}}',
            },
          ],
        },
      ],
    },
    {
      row: 'Dependencies and settlement',
      panels: [
        {
          title: 'Dependencies up',
          kind: 'stat',
          w: 8,
          h: 6,
          queries: [{ expr: 'min by (dependency) (tm_dependency_up)', legend: '{{dependency}}' }],
        },
        {
          title: 'Settlement lag (max over campaigns)',
          kind: 'timeseries',
          unit: 's',
          w: 8,
          h: 6,
          queries: [{ expr: 'max(tm_settlement_lag_seconds)', legend: 'lag' }],
        },
        {
          title: 'Reconciliation runs',
          kind: 'timeseries',
          unit: 'ops',
          w: 8,
          h: 6,
          queries: [{ expr: rate('tm_reconciliation_runs_total', 'result'), legend: '{{result}}' }],
        },
      ],
    },
    {
      row: 'Points and membership',
      panels: [
        {
          title: 'Points ledger drift (shoppers)',
          description:
            'Shoppers whose points balance is not the sum of their ledger at the last reconciliation: 0 is healthy (TuanmiaoPointsLedgerDrift).',
          kind: 'stat',
          w: 6,
          h: 6,
          queries: [{ expr: 'max(tm_points_ledger_drift_users)', legend: 'drift' }],
        },
        {
          title: 'Points earned and spent per second',
          description:
            'Points moved by the ledger: earned (order_earn, checkout_release, refund_return, admin grants) and spent (checkout_hold, mall_redeem, expired, reversals).',
          kind: 'timeseries',
          w: 9,
          h: 6,
          stack: true,
          queries: [
            { expr: rate('tm_points_moved_total', 'direction, reason'), legend: '{{direction}} {{reason}}' },
          ],
        },
        {
          title: 'Order points: held, spent, released, returned',
          kind: 'timeseries',
          unit: 'ops',
          w: 9,
          h: 6,
          stack: true,
          queries: [
            { expr: rate('tm_points_hold_transitions_total', 'from, to'), legend: '{{from}} → {{to}}' },
          ],
        },
        {
          title: 'Points-mall redemptions by result',
          description:
            'ok, replayed, or the refusal code (SOLD_OUT, LIMIT_EXCEEDED, INSUFFICIENT_POINTS are answers).',
          kind: 'timeseries',
          unit: 'ops',
          w: 12,
          h: 6,
          stack: true,
          queries: [{ expr: rate('tm_points_mall_redemptions_total', 'result'), legend: '{{result}}' }],
        },
        {
          title: 'Member level changes',
          kind: 'timeseries',
          unit: 'ops',
          w: 12,
          h: 6,
          stack: true,
          queries: [
            {
              expr: rate('tm_member_level_changes_total', 'direction, reason'),
              legend: '{{direction}} ({{reason}})',
            },
            {
              expr: rate('tm_member_level_gift_transitions_total', 'to'),
              legend: 'level-up gift → {{to}}',
            },
          ],
        },
      ],
    },
    {
      row: 'Coupons (claims on the hot path, use at checkout)',
      panels: [
        {
          title: 'Coupon claims by result',
          description:
            'ok (a new coupon), replayed (a retry), or the refusal. SOLD_OUT and LIMIT_EXCEEDED are normal answers in a grab; DEPENDENCY_UNAVAILABLE is a template being rebuilt.',
          kind: 'timeseries',
          unit: 'ops',
          stack: true,
          queries: [{ expr: rate('tm_coupon_claims_total', 'result'), legend: '{{result}}' }],
        },
        {
          title: 'Coupons claimed, issued and used',
          kind: 'timeseries',
          unit: 'ops',
          queries: [
            {
              expr: 'sum(rate(tm_coupon_transitions_total{from="none",reason="claimed"}[$__rate_interval]))',
              legend: 'claimed',
            },
            {
              expr: 'sum(rate(tm_coupon_transitions_total{from="none",reason=~"issued_.*"}[$__rate_interval]))',
              legend: 'issued',
            },
            { expr: 'sum(rate(tm_coupon_transitions_total{to="used"}[$__rate_interval]))', legend: 'used' },
          ],
        },
        {
          title: 'Coupon transitions',
          description: 'Every change of a coupon: locked on an order, used, returned, expired.',
          kind: 'timeseries',
          unit: 'ops',
          stack: true,
          queries: [
            {
              expr: rate('tm_coupon_transitions_total', 'from, to, reason'),
              legend: '{{from}} → {{to}} ({{reason}})',
            },
          ],
        },
        {
          title: 'Coupons left to claim',
          kind: 'timeseries',
          queries: [{ expr: 'tm_campaign_stock_left{campaign_id=~"cpt_.*"}', legend: '{{campaign_id}}' }],
        },
        {
          title: 'Claim route p99',
          kind: 'timeseries',
          unit: 's',
          queries: [
            {
              expr: p(
                0.99,
                'tm_http_request_duration_seconds',
                'route',
                'route="/api/coupons/:templateId/claims"',
              ),
              legend: 'claim',
            },
          ],
        },
        {
          title: 'Coupons out of step with their orders',
          description:
            'Coupons locked on an order that is not unpaid, or used on one that is not paid (reconciliation, every check). Anything above 0 is a bug.',
          kind: 'stat',
          queries: [{ expr: 'max(tm_coupons_out_of_step)', legend: 'coupons' }],
        },
      ],
    },
    {
      row: 'Broker actions',
      panels: [
        {
          title: 'Action calls by outcome',
          kind: 'timeseries',
          unit: 'ops',
          stack: true,
          queries: [{ expr: rate('tm_broker_action_calls_total', 'outcome'), legend: '{{outcome}}' }],
        },
        {
          title: 'Action p99 by action',
          kind: 'timeseries',
          unit: 's',
          queries: [{ expr: p(0.99, 'tm_broker_action_duration_seconds', 'action'), legend: '{{action}}' }],
        },
      ],
    },
  ],
};

export const seckillLive: DashboardSpec = {
  uid: 'tm-seckill-live',
  title: 'tuanmiao / Seckill live',
  description:
    'A flash sale while it runs: stock draining, reservations, hot path, settlement, waiting room.',
  campaignVariable: true,
  rows: [
    {
      row: 'Stock',
      panels: [
        {
          title: 'Stock left',
          kind: 'stat',
          w: 6,
          h: 6,
          queries: [{ expr: `tm_campaign_stock_left{${c}}`, legend: '{{campaign_id}}' }],
        },
        {
          title: 'Sold through',
          kind: 'gauge',
          w: 6,
          h: 6,
          unit: 'percentunit',
          min: 0,
          max: 1,
          queries: [
            {
              expr: `1 - tm_campaign_stock_left{${c}} / tm_campaign_stock_total{${c}}`,
              legend: '{{campaign_id}}',
            },
          ],
        },
        {
          title: 'Stock left over time',
          kind: 'timeseries',
          w: 12,
          h: 6,
          queries: [
            { expr: `tm_campaign_stock_left{${c}}`, legend: 'left {{campaign_id}}' },
            { expr: `tm_campaign_stock_total{${c}}`, legend: 'total {{campaign_id}}' },
          ],
        },
        {
          title: 'Oversold units',
          kind: 'stat',
          w: 6,
          h: 5,
          redAt: 1,
          queries: [{ expr: `tm_oversold_units{${c}}`, legend: '{{campaign_id}}' }],
        },
        {
          title: 'Reconciliation drift',
          kind: 'stat',
          w: 6,
          h: 5,
          redAt: 1,
          queries: [{ expr: `abs(tm_reconciliation_drift_units{${c}})`, legend: '{{campaign_id}}' }],
        },
        {
          title: 'Stuck reservations',
          kind: 'stat',
          w: 6,
          h: 5,
          redAt: 1,
          queries: [{ expr: `tm_reservations_stuck{${c}}`, legend: '{{campaign_id}}' }],
        },
        {
          title: 'Kill switch',
          kind: 'stat',
          w: 6,
          h: 5,
          redAt: 1,
          queries: [{ expr: `tm_kill_switch_active{${c}}`, legend: '{{campaign_id}}' }],
        },
      ],
    },
    {
      row: 'Reservations and hot path',
      panels: [
        {
          title: 'Seckill reservations by result',
          kind: 'timeseries',
          unit: 'ops',
          stack: true,
          queries: [
            {
              expr: rate('tm_reservations_total', 'result', 'campaign_type="seckill"'),
              legend: '{{result}}',
            },
          ],
        },
        {
          title: 'Hot-path script p99 / p50',
          kind: 'timeseries',
          unit: 's',
          queries: [
            { expr: p(0.99, 'tm_hotpath_script_duration_seconds', 'script'), legend: 'p99 {{script}}' },
            { expr: p(0.5, 'tm_hotpath_script_duration_seconds', 'script'), legend: 'p50 {{script}}' },
          ],
        },
        {
          title: 'Reservation route p99',
          kind: 'timeseries',
          unit: 's',
          queries: [
            {
              expr: p(
                0.99,
                'tm_http_request_duration_seconds',
                'route',
                'route=~"/api/seckill/.*|/api/groupbuy/.*"',
              ),
              legend: '{{route}}',
            },
          ],
        },
        {
          title: 'Waiting room',
          kind: 'timeseries',
          queries: [
            { expr: `tm_waiting_room_queued{${c}}`, legend: 'queued {{campaign_id}}' },
            {
              expr: `sum by (campaign_id) (rate(tm_waiting_room_admitted_total{${c}}[$__rate_interval]))`,
              legend: 'admitted/s {{campaign_id}}',
            },
          ],
        },
      ],
    },
    {
      row: 'Settlement (Redis stream to PostgreSQL)',
      panels: [
        {
          title: 'Settlement lag',
          kind: 'timeseries',
          unit: 's',
          w: 8,
          queries: [{ expr: `tm_settlement_lag_seconds{${shards}}`, legend: '{{campaign_id}}' }],
        },
        {
          title: 'Stream pending',
          kind: 'timeseries',
          w: 8,
          queries: [{ expr: `tm_settlement_stream_pending{${shards}}`, legend: '{{campaign_id}}' }],
        },
        {
          title: 'Orders written',
          kind: 'timeseries',
          unit: 'ops',
          w: 8,
          stack: true,
          queries: [{ expr: rate('tm_settlement_orders_total', 'result'), legend: '{{result}}' }],
        },
        {
          title: 'Batch size p50 / p99',
          kind: 'timeseries',
          w: 8,
          queries: [
            { expr: p(0.5, 'tm_settlement_batch_size', ''), legend: 'p50' },
            { expr: p(0.99, 'tm_settlement_batch_size', ''), legend: 'p99' },
          ],
        },
        {
          title: 'Worker pool utilization',
          kind: 'timeseries',
          unit: 'percentunit',
          w: 8,
          min: 0,
          max: 1,
          queries: [{ expr: 'max(tm_settlement_pool_utilization)', legend: 'utilization' }],
        },
        {
          title: 'Worker pool queue',
          kind: 'timeseries',
          w: 8,
          queries: [{ expr: 'max(tm_settlement_pool_queue_size)', legend: 'queued tasks' }],
        },
        {
          title: 'Stock bucket moves (库存分桶)',
          kind: 'timeseries',
          unit: 'ops',
          w: 8,
          queries: [
            { expr: 'sum(rate(tm_stock_bucket_moves_total[$__rate_interval]))', legend: 'moves' },
            { expr: 'sum(rate(tm_stock_bucket_moved_units_total[$__rate_interval]))', legend: 'units moved' },
          ],
        },
      ],
    },
  ],
};

export const groupBuy: DashboardSpec = {
  uid: 'tm-group-buy',
  title: 'tuanmiao / Group buy',
  description: 'Groups forming, succeeding and failing; robot fills; orders, payments and refunds.',
  campaignVariable: true,
  rows: [
    {
      row: 'Groups',
      panels: [
        {
          title: 'Group transitions',
          kind: 'timeseries',
          unit: 'ops',
          stack: true,
          queries: [
            { expr: rate('tm_group_transitions_total', 'to, reason'), legend: '{{to}} ({{reason}})' },
          ],
        },
        {
          title: 'Group success ratio',
          kind: 'timeseries',
          unit: 'percentunit',
          min: 0,
          max: 1,
          queries: [
            {
              expr: 'sum(rate(tm_group_transitions_total{to="succeeded"}[$__rate_interval])) / sum(rate(tm_group_transitions_total{to=~"succeeded|failed"}[$__rate_interval]))',
              legend: 'succeeded / closed',
            },
          ],
        },
        {
          title: 'Robot fills',
          kind: 'timeseries',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (campaign_id) (rate(tm_robot_fill_total{${c}}[$__rate_interval]))`,
              legend: '{{campaign_id}}',
            },
          ],
        },
        {
          title: 'Group-buy reservations by result',
          description: 'GROUP_FULL and ALREADY_MEMBER are normal answers when many shoppers race for a slot.',
          kind: 'timeseries',
          unit: 'ops',
          stack: true,
          queries: [
            {
              expr: rate('tm_reservations_total', 'result', 'campaign_type="groupbuy"'),
              legend: '{{result}}',
            },
          ],
        },
        {
          title: 'Stock left',
          kind: 'timeseries',
          queries: [{ expr: `tm_campaign_stock_left{${c}}`, legend: '{{campaign_id}}' }],
        },
        {
          title: 'Group routes p99',
          kind: 'timeseries',
          unit: 's',
          queries: [
            {
              expr: p(0.99, 'tm_http_request_duration_seconds', 'route', 'route=~"/api/groupbuy/.*"'),
              legend: '{{route}}',
            },
          ],
        },
      ],
    },
    {
      row: 'Orders and money',
      panels: [
        {
          title: 'Order transitions',
          kind: 'timeseries',
          unit: 'ops',
          stack: true,
          queries: [{ expr: rate('tm_order_transitions_total', 'from, to'), legend: '{{from}} → {{to}}' }],
        },
        {
          title: 'Payment notifications by result',
          kind: 'timeseries',
          unit: 'ops',
          stack: true,
          queries: [
            {
              expr: rate('tm_payment_notifications_total', 'provider, result'),
              legend: '{{provider}} {{result}}',
            },
          ],
        },
        {
          title: 'Refunds by result',
          kind: 'timeseries',
          unit: 'ops',
          stack: true,
          queries: [{ expr: rate('tm_refunds_total', 'result'), legend: '{{result}}' }],
        },
        {
          title: 'Cancellations by reason',
          kind: 'timeseries',
          unit: 'ops',
          stack: true,
          queries: [
            { expr: rate('tm_order_transitions_total', 'reason', 'to="cancelled"'), legend: '{{reason}}' },
          ],
        },
        {
          title: 'WeChat shipping records by state',
          description:
            "发货信息录入: pending records are retried with back-off; a failed one needs the operator (its buyer's funds stay frozen until WeChat takes it).",
          kind: 'timeseries',
          queries: [{ expr: 'max by (state) (tm_wechat_shipping_records)', legend: '{{state}}' }],
        },
        {
          title: 'Oldest pending WeChat shipping record',
          kind: 'timeseries',
          unit: 's',
          queries: [{ expr: 'max(tm_wechat_shipping_oldest_pending_seconds)', legend: 'oldest pending' }],
        },
      ],
    },
  ],
};

export const runtime: DashboardSpec = {
  uid: 'tm-runtime',
  title: 'tuanmiao / Node runtime',
  description:
    'Per process: event loop, heap, GC, CPU, handles. Saturation shows here before it shows as latency.',
  campaignVariable: false,
  rows: [
    {
      row: 'Event loop and CPU',
      panels: [
        {
          title: 'Event loop lag p99',
          kind: 'timeseries',
          unit: 's',
          queries: [{ expr: 'nodejs_eventloop_lag_p99_seconds', legend: '{{job}} {{instance}}' }],
        },
        {
          title: 'CPU (cores)',
          kind: 'timeseries',
          queries: [
            { expr: 'rate(process_cpu_seconds_total[$__rate_interval])', legend: '{{job}} {{instance}}' },
          ],
        },
        {
          title: 'Scrape targets up',
          kind: 'stat',
          w: 24,
          h: 5,
          redAt: 0,
          queries: [{ expr: 'up{job=~"tuanmiao.*"}', legend: '{{job}} {{instance}}' }],
        },
      ],
    },
    {
      row: 'Memory and GC',
      panels: [
        {
          title: 'Heap used / total',
          kind: 'timeseries',
          unit: 'bytes',
          queries: [
            { expr: 'nodejs_heap_size_used_bytes', legend: 'used {{instance}}' },
            { expr: 'nodejs_heap_size_total_bytes', legend: 'total {{instance}}' },
          ],
        },
        {
          title: 'Resident memory',
          kind: 'timeseries',
          unit: 'bytes',
          queries: [{ expr: 'process_resident_memory_bytes', legend: '{{job}} {{instance}}' }],
        },
        {
          title: 'GC time per second by kind',
          kind: 'timeseries',
          unit: 's',
          stack: true,
          queries: [
            {
              expr: 'sum by (instance, kind) (rate(nodejs_gc_duration_seconds_sum[$__rate_interval]))',
              legend: '{{instance}} {{kind}}',
            },
          ],
        },
        {
          title: 'Active handles',
          kind: 'timeseries',
          queries: [{ expr: 'nodejs_active_handles_total', legend: '{{job}} {{instance}}' }],
        },
      ],
    },
    {
      row: 'Broker and settlement workers',
      panels: [
        {
          title: 'Action calls per second by action',
          kind: 'timeseries',
          unit: 'ops',
          queries: [{ expr: rate('tm_broker_action_calls_total', 'action'), legend: '{{action}}' }],
        },
        {
          title: 'Action errors per second (faults, not refusals)',
          kind: 'timeseries',
          unit: 'ops',
          queries: [
            { expr: rate('tm_broker_action_calls_total', 'action', 'outcome="error"'), legend: '{{action}}' },
          ],
        },
        {
          title: 'Settlement pool utilization',
          kind: 'timeseries',
          unit: 'percentunit',
          queries: [{ expr: 'tm_settlement_pool_utilization', legend: '{{instance}}' }],
        },
        {
          title: 'Settlement pool queue',
          kind: 'timeseries',
          queries: [{ expr: 'tm_settlement_pool_queue_size', legend: '{{instance}}' }],
        },
      ],
    },
  ],
};

/** File name (without `.json`) of each dashboard. */
export const dashboards: Record<string, DashboardSpec> = {
  overview,
  'seckill-live': seckillLive,
  'group-buy': groupBuy,
  runtime,
};
