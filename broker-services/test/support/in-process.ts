/**
 * The fast test layer: every service on one in-process broker (no transporter) with the real start-up wiring
 * (`runtime/bootstrap.ts`), on this test file's own PostgreSQL database and Redis key prefix
 * (`real-services.ts`), the gateway through `inject()` with no socket, and a clock the test moves instead of
 * waiting. What only separate processes can show (a kill, NATS between processes, a restart) stays on
 * `platform.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServiceBroker } from 'moleculer';
import { type Config, loadConfig } from '../../src/config.ts';
import { migrateUp, openOrm } from '../../src/db/orm.ts';
import type { App } from '../../src/gateway/app.ts';
import { startPlatform } from '../../src/runtime/bootstrap.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { api, type JsonResponse, type RequestOptions } from './http.ts';
import { createTestDeployment, type TestDeployment } from './real-services.ts';

/** A clock that moves only when the test moves it; every service and the gateway read it through `rt.now()`. */
export class TestClock {
  #now: number;

  constructor(startMs = Date.now()) {
    this.#now = startMs;
  }

  /** The clock's time, in milliseconds since the epoch. */
  readonly now = (): number => this.#now;

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.#now += ms;
  }
}

export interface InProcessPlatform {
  gateway: App;
  broker: ServiceBroker;
  rt: Runtime;
  clock: TestClock;
  deployment: TestDeployment;
  adminUsername: string;
  adminPassword: string;
  /** The JWT secret of this platform (tests sign expired or forged tokens with it). */
  jwtSecret: string;
  /** One HTTP request through `inject()`: the same answer shape as `http.ts`'s `api()` over a socket. */
  api<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<JsonResponse<T>>;
  /**
   * Stops every service gracefully and starts them again on the same database, clock and (Redis) key prefix,
   * as a restarted process would; the in-process hot-path store starts empty and is rebuilt from PostgreSQL.
   */
  restart(): Promise<InProcessPlatform>;
  stop(): Promise<void>;
}

export interface InProcessOptions {
  /** Environment on top of the test deployment's (for example `PAYMENT_TTL_SECONDS`). */
  env?: Record<string, string>;
  clock?: TestClock;
  /** `memory`: the in-process hot-path store instead of Redis (what the embedded default runs). */
  store?: 'redis' | 'memory';
  /** `embedded`: the embedded PostgreSQL in the data directory instead of the test database (the embedded default). */
  database?: 'postgres' | 'embedded';
  /** The URL the platform reaches the test database by, given the database's own (a proxy in front of it). */
  databaseUrlVia?: (databaseUrl: string) => string;
}

/** Starts every service in this process on a fresh database; the gateway does not listen. */
export async function startInProcess(opts: InProcessOptions = {}): Promise<InProcessPlatform> {
  const deployment = await createTestDeployment();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tuanmiao-inproc-'));
  const clock = opts.clock ?? new TestClock();
  const { NATS_URL: _bus, MIGRATE_ON_START: _migrate, ...env } = deployment.env;
  if (opts.store === 'memory') delete env.REDIS_URL;
  if (opts.database === 'embedded') delete env.DATABASE_URL;
  else if (opts.databaseUrlVia) env.DATABASE_URL = opts.databaseUrlVia(deployment.databaseUrl);
  const config = loadConfig({
    ...env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    SEED_DEMO: '0',
    SETTLEMENT_POOL_SIZE: '1',
    ...opts.env,
  });
  const dispose = async () => {
    await deployment.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // The fresh database is migrated here, as `npm run migrate` would, so start-up finds nothing pending.
    const orm = await openOrm({ clientUrl: deployment.databaseUrl, poolMax: 2 });
    await migrateUp(orm);
    await orm.close();
    return await boot({ config, clock, deployment, dispose });
  } catch (err) {
    await dispose();
    throw err;
  }
}

async function boot(b: {
  config: Config;
  clock: TestClock;
  deployment: TestDeployment;
  dispose: () => Promise<void>;
}): Promise<InProcessPlatform> {
  // Every answer on the bus is checked against its contract's result schema while the tests run.
  const platform = await startPlatform(b.config, { now: b.clock.now, listen: false, checkResults: true });
  const gateway = platform.gateway;
  if (!gateway) throw new Error('the gateway did not start');
  return {
    gateway,
    broker: platform.broker,
    rt: platform.rt,
    clock: b.clock,
    deployment: b.deployment,
    adminUsername: platform.adminUsername,
    adminPassword: b.deployment.adminPassword,
    jwtSecret: b.config.jwtSecret ?? '',
    api: <T>(method: string, url: string, o?: RequestOptions) => api<T>(gateway, method, url, o),
    async restart() {
      await platform.stop();
      return boot(b);
    },
    async stop() {
      try {
        await platform.stop();
      } finally {
        await b.dispose();
      }
    },
  };
}
