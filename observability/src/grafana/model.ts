/**
 * A small builder for Grafana dashboard JSON (schemaVersion 39). The dashboards under `grafana/dashboards/`
 * are written by `build-dashboards.ts` from this model, so every panel gets the same datasource, layout and
 * legend conventions; a test asserts the committed files match.
 */

/** Every panel and query points at the datasource chosen in the `DS_PROMETHEUS` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable reference, not a JS template
export const datasource = { type: 'prometheus', uid: '${DS_PROMETHEUS}' } as const;

export interface Query {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  title: string;
  description?: string;
  kind: 'timeseries' | 'stat' | 'gauge' | 'bargauge';
  queries: Query[];
  unit?: string;
  /** Width in grid columns (24 is the full width); height defaults to 8. */
  w?: number;
  h?: number;
  /** Values at or above this turn red (stat, gauge). */
  redAt?: number;
  min?: number;
  max?: number;
  stack?: boolean;
}

export interface RowSpec {
  row: string;
  panels: PanelSpec[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  /** Adds the `campaign` variable, from `label_values(tm_campaign_stock_left, campaign_id)`. */
  campaignVariable: boolean;
  rows: RowSpec[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function panelJson(p: PanelSpec, id: number, x: number, y: number): { [key: string]: Json } {
  const w = p.w ?? 12;
  const h = p.h ?? 8;
  const thresholds: Json = {
    mode: 'absolute',
    steps:
      p.redAt === undefined
        ? [{ color: 'green', value: null }]
        : [
            { color: 'green', value: null },
            { color: 'red', value: p.redAt },
          ],
  };
  const defaults: { [key: string]: Json } = { unit: p.unit ?? 'short', thresholds };
  if (p.min !== undefined) defaults.min = p.min;
  if (p.max !== undefined) defaults.max = p.max;
  if (p.kind === 'timeseries') {
    defaults.custom = {
      drawStyle: 'line',
      lineWidth: 1,
      fillOpacity: p.stack ? 30 : 10,
      showPoints: 'never',
      spanNulls: false,
      stacking: { mode: p.stack ? 'normal' : 'none', group: 'A' },
    };
    defaults.color = { mode: 'palette-classic' };
  } else {
    defaults.color = { mode: 'thresholds' };
  }
  const options: { [key: string]: Json } =
    p.kind === 'timeseries'
      ? {
          legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
          tooltip: { mode: 'multi', sort: 'desc' },
        }
      : {
          reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          orientation: 'auto',
          ...(p.kind === 'stat'
            ? { colorMode: 'background', graphMode: 'area', textMode: 'auto', justifyMode: 'auto' }
            : {}),
          ...(p.kind === 'gauge' ? { showThresholdLabels: false, showThresholdMarkers: true } : {}),
          ...(p.kind === 'bargauge' ? { displayMode: 'gradient', showUnfilled: true } : {}),
        };
  return {
    id,
    type: p.kind,
    title: p.title,
    description: p.description ?? '',
    datasource,
    gridPos: { h, w, x, y },
    targets: p.queries.map((q, i) => ({
      datasource,
      refId: String.fromCharCode(65 + i),
      expr: q.expr,
      legendFormat: q.legend ?? '__auto',
      range: true,
      editorMode: 'code',
    })),
    fieldConfig: { defaults, overrides: [] },
    options,
  };
}

/** Lays the rows and panels out left to right, wrapping at 24 columns, and returns the dashboard JSON. */
export function buildDashboard(spec: DashboardSpec): { [key: string]: Json } {
  const panels: Json[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.row,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const w = p.w ?? 12;
      if (x + w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push(panelJson(p, id++, x, y));
      x += w;
      rowHeight = Math.max(rowHeight, p.h ?? 8);
    }
    y += rowHeight;
  }

  const variables: Json[] = [
    {
      name: 'DS_PROMETHEUS',
      label: 'Data source',
      type: 'datasource',
      query: 'prometheus',
      current: {},
      hide: 0,
      refresh: 1,
      regex: '',
      options: [],
      includeAll: false,
      multi: false,
    },
  ];
  if (spec.campaignVariable) {
    const query = 'label_values(tm_campaign_stock_left, campaign_id)';
    variables.push({
      name: 'campaign',
      label: 'Campaign',
      type: 'query',
      datasource,
      definition: query,
      query: { query, refId: 'PrometheusVariableQueryEditor-VariableQuery', qryType: 1 },
      current: {},
      hide: 0,
      refresh: 2,
      regex: '',
      sort: 1,
      includeAll: true,
      allValue: '.*',
      multi: true,
      options: [],
    });
  }

  return {
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    description: spec.description,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [
      { title: 'tuanmiao', type: 'dashboards', tags: ['tuanmiao'], asDropdown: true, includeVars: true },
    ],
    panels,
    refresh: '10s',
    schemaVersion: 39,
    tags: ['tuanmiao'],
    templating: { list: variables },
    time: { from: 'now-1h', to: 'now' },
    timepicker: {},
    timezone: 'utc',
    title: spec.title,
    uid: spec.uid,
    version: 1,
    weekStart: '',
  };
}
