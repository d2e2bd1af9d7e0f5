/**
 * Starts the platform as `npm start` does (node broker-services/src/main.ts) in a child process, on a free
 * port and a fresh data directory unless given, and reads the gateway URL and the admin password from its
 * output. With no DATABASE_URL/REDIS_URL/NATS_URL in `env`, that is the embedded default.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MAIN = path.join(ROOT, 'broker-services/src/main.ts');

export interface StartedPlatform {
  baseUrl: string;
  /** The process's own `/metrics` listener, when it has one (processes without a gateway). */
  metricsUrl: string;
  adminUsername: string;
  adminPassword: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM and wait for a graceful exit; removes the data directory unless `keepData`. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** SIGKILL: no shutdown at all. */
  kill(): Promise<void>;
}

export interface StartPlatformOptions {
  env?: Record<string, string>;
  /** Reuse a data directory (restart tests); a fresh one otherwise. */
  dataDir?: string;
  timeoutMs?: number;
  /** Wait for this line instead of the gateway line (processes without a gateway). */
  readyPattern?: RegExp;
}

export async function startPlatform(opts: StartPlatformOptions = {}): Promise<StartedPlatform> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'tuanmiao-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
  // A process without a gateway listens for scrapes on METRICS_PORT (9464 by default): test files run side by
  // side, so each such process takes a free port unless the test names one.
  const services = env.SERVICES ?? 'all';
  if (!opts.env?.METRICS_PORT && services !== 'all' && !services.split(',').includes('gateway')) {
    env.METRICS_PORT = '0';
  }
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'NATS_URL']) if (!opts.env?.[k]) delete env[k];
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  let exitSignal: NodeJS.Signals | null = null;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      exitSignal = signal;
      resolve(code);
    }),
  );

  // Measured: the embedded default took about 2 minutes to be ready on the 2-core machine at load 20.
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  const ready = opts.readyPattern ?? /gateway {2}(http:\/\/\S+)/;
  let exitCode: number | null | undefined;
  void exited.then((c) => {
    exitCode = c;
  });
  while (!ready.test(out)) {
    if (exitCode !== undefined)
      throw new Error(`platform exited (${exitCode ?? exitSignal}) before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`platform not ready in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const baseUrl = /gateway {2}(http:\/\/\S+)/.exec(out)?.[1] ?? '';
  const metricsUrl = /metrics {2}(http:\/\/\S+)/.exec(out)?.[1] ?? '';
  const login = /admin login: (\S+) \/ (\S+)/.exec(out);
  const stop = async (o: { keepData?: boolean } = {}) => {
    if (exitCode === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    if (!o.keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    baseUrl,
    metricsUrl,
    adminUsername: login?.[1] ?? opts.env?.ADMIN_USERNAME ?? 'admin',
    adminPassword: login?.[2] ?? opts.env?.ADMIN_PASSWORD ?? '',
    dataDir,
    child,
    output: () => out,
    stop,
    async kill() {
      if (exitCode === undefined) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
