import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** The scenarios the harness and the k6 scripts both know. */
export const scenarioNames = ['seckill-spike', 'groupbuy-join-storm', 'browse-mix', 'soak'] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** Everything a run needs; the CLI fills it from argv and env, a test passes it to `runScenario` directly. */
export interface RunOptions {
  baseUrl: string;
  /** Length of the load phase, ramp included, in milliseconds. */
  durationMs: number;
  /** Target arrival rate (requests or iterations per second) after the ramp. */
  rate: number;
  /** Shoppers logged in through dev login before the load phase. */
  users: number;
  /** Stock of the campaign the run creates. */
  stock: number;
  /** Iterations in flight at most; past it, arrivals are dropped and counted, as k6 does. */
  maxInFlight: number;
  /** HTTP connections to the gateway. */
  connections: number;
  /** How long to wait for settlement before the correctness check. */
  settleTimeoutMs: number;
  adminUsername: string;
  adminPassword: string;
  /** Folder for the JSON report; empty to write none. */
  reportDir: string;
  /**
   * The campaign is a dry run (default): its orders are marked as test and left out of the dashboard, and
   * shoppers' campaign list does not show it. `--live-campaign` makes a real one.
   */
  dryRun: boolean;
  /**
   * Stock buckets (库存分桶) of the seckill campaign created: its stock split over this many Redis hash tags, so
   * the test drives a hot campaign across several Redis cores (`--stock-buckets`, 1–16; 1, the default, is off).
   */
  stockBuckets: number;
}

export interface ParsedCli {
  scenario: ScenarioName;
  options: RunOptions;
}

/** Defaults per scenario: a spike is short and steep, a soak long and gentle. */
export const scenarioDefaults: Record<
  ScenarioName,
  Pick<RunOptions, 'durationMs' | 'rate' | 'users' | 'stock'>
> = {
  'seckill-spike': { durationMs: 20_000, rate: 400, users: 2000, stock: 500 },
  'groupbuy-join-storm': { durationMs: 20_000, rate: 150, users: 1500, stock: 3000 },
  'browse-mix': { durationMs: 20_000, rate: 300, users: 200, stock: 100 },
  soak: { durationMs: 120_000, rate: 50, users: 300, stock: 1_000_000 },
};

const defaultReportDir = new URL('../reports/', import.meta.url).pathname;

/** Parses `30s`, `2m`, `1500ms` or a bare number of seconds into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`bad duration "${text}": use e.g. 30s, 2m, 1500ms`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  if (ms <= 0) throw new Error(`duration must be positive: "${text}"`);
  return Math.round(ms);
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${text}"`);
  return n;
}

/**
 * Load is only ever sent to this machine: the base URL must be a loopback address (127.0.0.0/8, localhost,
 * ::1). Returns the URL without a trailing slash.
 */
export function checkLoopbackBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`bad --base-url "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('--base-url must be http(s)');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
  if (!loopback)
    throw new Error(`--base-url must be a loopback address (127.0.0.1, localhost, ::1), got ${host}`);
  return url.href.replace(/\/$/, '');
}

export const usage = `usage: npm run loadtest -- <scenario> [options]
scenarios: ${scenarioNames.join(', ')}
  --base-url URL        gateway (loopback only)            default http://127.0.0.1:3000
  --duration D          load phase incl. ramp (30s, 2m)    default per scenario
  --rate N              target arrivals per second         default per scenario
  --users N             shoppers logged in via dev login   default per scenario
  --stock N             stock of the campaign created      default per scenario
  --max-in-flight N     iterations in flight at most       default 512
  --connections N       HTTP connections                   default 64
  --settle-timeout D    wait for settlement at most        default 30s
  --report-dir DIR      JSON report folder ('' for none)   default load-tests/reports
  --live-campaign       a real campaign instead of a dry run (its orders count on the dashboard)
  --stock-buckets N     seckill scenarios: split the stock over N Redis shards (1-16) default 1
env: ADMIN_USERNAME, ADMIN_PASSWORD (admin login that creates the campaign; without it, the password the
     embedded default wrote to $DATA_DIR/admin-password, DATA_DIR default ./data), BASE_URL`;

/**
 * The admin password: `ADMIN_PASSWORD`, else the one the embedded default generated into
 * `<DATA_DIR>/admin-password` (as `npm start` does, relative to the working directory), else empty.
 */
export function adminPasswordFrom(
  env: Record<string, string | undefined>,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): { password: string; source: string } {
  if (env.ADMIN_PASSWORD) return { password: env.ADMIN_PASSWORD, source: 'ADMIN_PASSWORD' };
  const file = resolve(env.DATA_DIR || 'data', 'admin-password');
  try {
    return { password: read(file).trim(), source: file };
  } catch {
    return { password: '', source: 'none (set ADMIN_PASSWORD)' };
  }
}

/** Parses the CLI: `<scenario> [--base-url …] [--duration …] [--rate …] …`. Throws with a message on bad input. */
export function parseCli(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  readSecret?: (path: string) => string,
): ParsedCli {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'base-url': { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      users: { type: 'string' },
      stock: { type: 'string' },
      'max-in-flight': { type: 'string' },
      connections: { type: 'string' },
      'settle-timeout': { type: 'string' },
      'report-dir': { type: 'string' },
      'live-campaign': { type: 'boolean' },
      'stock-buckets': { type: 'string' },
    },
  });
  const name = positionals[0];
  if (positionals.length !== 1 || !name) throw new Error('give exactly one scenario');
  if (!(scenarioNames as readonly string[]).includes(name)) {
    throw new Error(`unknown scenario "${name}": one of ${scenarioNames.join(', ')}`);
  }
  const scenario = name as ScenarioName;
  const d = scenarioDefaults[scenario];
  const stockBuckets = values['stock-buckets'] ? positiveInt('stock-buckets', values['stock-buckets']) : 1;
  if (stockBuckets > 16) throw new Error(`--stock-buckets is at most 16, got ${stockBuckets}`);
  if (stockBuckets > 1 && scenario === 'groupbuy-join-storm') {
    throw new Error(
      '--stock-buckets is for seckill campaigns: a group buy keeps its groups under one hash tag',
    );
  }
  return {
    scenario,
    options: {
      baseUrl: checkLoopbackBaseUrl(values['base-url'] ?? env.BASE_URL ?? 'http://127.0.0.1:3000'),
      durationMs: values.duration ? parseDuration(values.duration) : d.durationMs,
      rate: values.rate ? positiveInt('rate', values.rate) : d.rate,
      users: values.users ? positiveInt('users', values.users) : d.users,
      stock: values.stock ? positiveInt('stock', values.stock) : d.stock,
      maxInFlight: values['max-in-flight'] ? positiveInt('max-in-flight', values['max-in-flight']) : 512,
      connections: values.connections ? positiveInt('connections', values.connections) : 64,
      settleTimeoutMs: values['settle-timeout'] ? parseDuration(values['settle-timeout']) : 30_000,
      adminUsername: env.ADMIN_USERNAME ?? 'admin',
      adminPassword: adminPasswordFrom(env, readSecret).password,
      reportDir: values['report-dir'] ?? defaultReportDir,
      dryRun: values['live-campaign'] !== true,
      stockBuckets,
    },
  };
}
