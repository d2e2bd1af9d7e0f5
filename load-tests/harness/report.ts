import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CampaignLive, CheckResult } from './correctness.ts';
import type { LatencySummary } from './stats.ts';
import type { ThresholdResult } from './thresholds.ts';

/** The outcome of one run, printed and written as JSON. */
export interface ScenarioReport {
  scenario: string;
  baseUrl: string;
  startedAt: string;
  campaignId: string;
  /** The campaign was stopped after the run (it takes no more reservations). */
  campaignStopped: boolean;
  settings: {
    durationMs: number;
    rate: number;
    users: number;
    stock: number;
    maxInFlight: number;
    /** A dry run: test orders, left out of the dashboard and of shoppers' campaign list. */
    dryRun: boolean;
    /** Stock buckets of the campaign (1: one Redis shard). */
    stockBuckets: number;
  };
  load: {
    requests: number;
    iterations: number;
    droppedIterations: number;
    abandonedIterations: number;
    elapsedMs: number;
    requestsPerSecond: number;
  };
  latencyMs: Record<string, LatencySummary>;
  statusBreakdown: Record<string, number>;
  thresholds: ThresholdResult[];
  live?: CampaignLive;
  correctness: CheckResult[];
  runtime?: Record<string, { before: number; after: number }>;
  pass: boolean;
  reportFile?: string;
}

const mark = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

/** The report as the terminal shows it. */
export function formatReport(r: ScenarioReport): string {
  const lines = [
    `== ${r.scenario} against ${r.baseUrl} (campaign ${r.campaignId}, ${r.settings.dryRun ? 'dry run' : 'live'}, ` +
      `${r.settings.stockBuckets > 1 ? `${r.settings.stockBuckets} stock buckets, ` : ''}` +
      `${r.campaignStopped ? 'stopped after the run' : 'NOT stopped: stop it in the console'})`,
    `requests ${r.load.requests} in ${(r.load.elapsedMs / 1000).toFixed(1)} s = ${r.load.requestsPerSecond} req/s` +
      ` (iterations ${r.load.iterations}, dropped ${r.load.droppedIterations}, abandoned ${r.load.abandonedIterations})`,
    'latency ms        count      p50      p90      p99      max',
  ];
  for (const [tag, s] of Object.entries(r.latencyMs)) {
    lines.push(
      `  ${tag.padEnd(14)}${String(s.count).padStart(7)}${[s.p50, s.p90, s.p99, s.max].map((n) => n.toFixed(1).padStart(9)).join('')}`,
    );
  }
  lines.push('answers');
  for (const [key, n] of Object.entries(r.statusBreakdown))
    lines.push(`  ${key.padEnd(28)}${String(n).padStart(8)}`);
  lines.push('thresholds');
  for (const t of r.thresholds) lines.push(`  ${mark(t.pass)}  ${t.name} ${t.limit}: ${t.actual}`);
  if (r.live) lines.push(`live ${JSON.stringify(r.live)}`);
  if (r.correctness.length > 0) lines.push('correctness');
  for (const c of r.correctness) lines.push(`  ${mark(c.pass)}  ${c.name}: ${c.detail}`);
  if (r.runtime) {
    for (const [name, v] of Object.entries(r.runtime))
      lines.push(`runtime ${name}: ${v.before} -> ${v.after}`);
  }
  lines.push(`${mark(r.pass)} ${r.scenario}`);
  if (r.reportFile) lines.push(`report: ${r.reportFile}`);
  return lines.join('\n');
}

/** Writes the report as `<dir>/<scenario>-<time>.json` and returns the path. */
export function writeReport(r: ScenarioReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${r.scenario}-${r.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  return file;
}
