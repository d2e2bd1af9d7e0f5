import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { dashboardsDir, renderDashboards } from '../src/grafana/build-dashboards.ts';
import { datasource } from '../src/grafana/model.ts';
import { registry } from '../src/index.ts';

interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; definition?: string }[] };
}

const dashboardFiles = readdirSync(dashboardsDir).filter((f) => f.endsWith('.json'));
const rulesText = readFileSync(new URL('../prometheus/rules/tuanmiao.rules.yml', import.meta.url), 'utf8');

function load(file: string): Dashboard {
  return JSON.parse(readFileSync(new URL(file, dashboardsDir), 'utf8')) as Dashboard;
}

/** Metric names prom-client writes for the registry, histogram and summary series included. */
function exposedNames(): Set<string> {
  const names = new Set<string>();
  for (const m of registry.getMetricsAsArray()) {
    names.add(m.name);
    const type = (m as unknown as { type: string }).type;
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

function metricNamesIn(text: string): string[] {
  return [...new Set(text.match(/\b(?:tm|nodejs|process)_[a-z0-9_]+/g) ?? [])];
}

describe('Grafana dashboards', () => {
  test('the four dashboards exist and match their source in src/grafana', () => {
    assert.equal(datasource.uid, '$' + '{DS_PROMETHEUS}');
    assert.deepEqual(dashboardFiles.sort(), [
      'group-buy.json',
      'overview.json',
      'runtime.json',
      'seckill-live.json',
    ]);
    for (const [file, text] of renderDashboards()) {
      assert.deepEqual(load(file), JSON.parse(text), `${file} is stale: run build-dashboards.ts`);
    }
  });

  for (const file of dashboardFiles) {
    test(`${file}: schema ≥ 39, datasource variable, every panel and query on it`, () => {
      const d = load(file);
      assert.ok(d.schemaVersion >= 39);
      const ds = d.templating.list.find((v) => v.name === 'DS_PROMETHEUS');
      assert.equal(ds?.type, 'datasource');
      const panels = d.panels.filter((p) => p.type !== 'row');
      assert.ok(panels.length >= 6, `${file} has ${panels.length} panels`);
      assert.equal(new Set(d.panels.map((p) => p.id)).size, d.panels.length, 'panel ids are unique');
      for (const p of panels) {
        assert.equal(p.datasource?.uid, datasource.uid, `${p.title} has a datasource`);
        assert.ok(p.targets && p.targets.length > 0, `${p.title} has queries`);
        for (const t of p.targets) {
          assert.equal(t.datasource?.uid, datasource.uid);
          assert.ok(t.expr && t.expr.length > 0);
        }
      }
      const campaign = d.templating.list.find((v) => v.name === 'campaign');
      if (campaign) assert.equal(campaign.definition, 'label_values(tm_campaign_stock_left, campaign_id)');
    });
  }

  test('every metric named in dashboards and alert rules exists in the registry', () => {
    const known = exposedNames();
    const used = new Set<string>();
    for (const file of dashboardFiles) {
      for (const name of metricNamesIn(readFileSync(new URL(file, dashboardsDir), 'utf8'))) used.add(name);
    }
    for (const name of metricNamesIn(rulesText)) used.add(name);
    assert.ok(used.size > 20);
    const unknown = [...used].filter((n) => !known.has(n));
    assert.deepEqual(unknown, []);
  });
});
