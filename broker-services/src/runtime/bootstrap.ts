/**
 * Starts one process of the platform: the services named by SERVICES (all by default), on the embedded
 * default or on real PostgreSQL, Redis and NATS. Each dependency that is configured but unreachable stops
 * start-up with a message naming it. Returns a handle that stops everything gracefully: drain HTTP, stop the
 * broker (and with it the sweepers), stop settlement, close pools.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  type HotPathStore,
  MemoryHotPathStore,
  type RedisClient,
  RedisHotPathStore,
  startHotStateGuard,
  startSettlement,
} from '@tuanmiao/hot-path';
import { dependencyUp } from '@tuanmiao/observability';
import type { ServiceBroker } from 'moleculer';
import pgDriver from 'pg';
import pino from 'pino';
import { type Config, hasRedis, isEmbedded } from '../config.ts';
import { type EmbeddedPostgres, embeddedPoolBudget, startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { migrateUp, openOrm } from '../db/orm.ts';
import { type App, buildGateway } from '../gateway/app.ts';
import createAddressesService from '../modules/addresses/addresses.service.ts';
import createAdminService, { ensureFirstAdmin } from '../modules/admin/admin.service.ts';
import { Admin } from '../modules/admin/entities.ts';
import { generatePassword, verifyPassword } from '../modules/admin/passwords.ts';
import createCampaignsService from '../modules/campaigns/campaigns.service.ts';
import createCartService from '../modules/cart/cart.service.ts';
import createCatalogService from '../modules/catalog/catalog.service.ts';
import { CLAIMED_COUPONS } from '../modules/coupons/claims-source.ts';
import createCouponsService from '../modules/coupons/coupons.service.ts';
import createFulfilmentService from '../modules/fulfilment/fulfilment.service.ts';
import createGroupsService from '../modules/groups/groups.service.ts';
import createMembershipService from '../modules/membership/membership.service.ts';
import createOrdersService from '../modules/orders/orders.service.ts';
import { SETTLED_RECORDS } from '../modules/orders/settled-records.ts';
import { SETTLEMENT_SINK_MODULE } from '../modules/orders/settlement-sink.ts';
import createPaymentsService from '../modules/payments/payments.service.ts';
import {
  createPaymentProvider,
  createWechatLogin,
  createWechatShipping,
} from '../modules/payments/wiring.ts';
import createPointsService from '../modules/points/points.service.ts';
import createUsersService from '../modules/users/users.service.ts';
import { createBroker } from './broker.ts';
import {
  activeCampaignDefinitions,
  activeHotPathIds,
  checkCampaigns,
  dropRetiredHotStates,
  logRebuild,
  registerStockGauges,
} from './campaign-health.ts';
import { seedDemo } from './demo-seed.ts';
import { DependencyWatch, watchNats, watchRedis } from './dependency-watch.ts';
import { hotPathObserver, loggingHotPathObserver } from './hot-path-metrics.ts';
import { startMetricsListener } from './metrics-listener.ts';
import { openRedis } from './redis.ts';
import type { Runtime } from './runtime.ts';

/** How often the settling process looks for ended campaigns whose hot state can go. */
const RETIRE_INTERVAL_MS = 10 * 60_000;

export interface Platform {
  url?: string;
  /** The gateway, also when it does not listen (tests call it through `inject()`). */
  gateway?: App;
  broker: ServiceBroker;
  /** Where this process's own `/metrics` listener answers (processes without a gateway, or METRICS_PORT set). */
  metricsUrl?: string;
  adminUsername: string;
  /** The first owner's password, when this start knows it: set by ADMIN_PASSWORD, or generated (see adminPasswordSource). */
  adminPassword?: string;
  /**
   * Where adminPassword comes from: `generated` now (and written to DATA_DIR/admin-password), `kept` (generated at
   * an earlier start, read from that file, and still the owner's password), `configured` (ADMIN_PASSWORD), or
   * `stale` (the file no longer signs the owner in: the password was changed since).
   */
  adminPasswordSource?: 'generated' | 'kept' | 'configured' | 'stale';
  rt: Runtime;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The clock of every service and of the gateway; tests move it instead of waiting. */
  now?: () => number;
  /** False: build the gateway without a socket (tests use `inject()`). Default true. */
  listen?: boolean;
  /** The primary of a gateway worker group: its metrics are in the group's `/metrics`, no listener of its own. */
  groupPrimary?: boolean;
  /** Check every local action's answer against its bus contract (the in-process test layer). */
  checkResults?: boolean;
}
/** Where a process without a gateway serves `/metrics` unless METRICS_PORT says otherwise. */
export const DEFAULT_METRICS_PORT = 9464;

class StartupError extends Error {
  override name = 'StartupError';
}

async function reach<T>(name: string, url: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const safe = url.replace(/\/\/[^@/]*@/, '//***@');
    throw new StartupError(`${name} at ${safe} is not reachable: ${(err as Error).message}`);
  }
}

/** A secret kept under DATA_DIR so that tokens survive a restart of the embedded default. */
function persistedSecret(
  dataDir: string,
  name: string,
  make: () => string,
): { value: string; created: boolean } {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, name);
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), created: false };
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { value, created: true };
}

export async function startPlatform(config: Config, opts: StartOptions = {}): Promise<Platform> {
  const log = pino({ level: config.logLevel, base: { svc: 'tuanmiao' } });
  const embedded = isEmbedded(config);
  const nodeId = config.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const stops: Array<() => Promise<void>> = [];
  const dependencies = new DependencyWatch(log);
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.warn({ err }, 'error while stopping');
      }
    }
  };

  try {
    // PostgreSQL: the system of record.
    let pg: EmbeddedPostgres | undefined;
    if (!config.databaseUrl) {
      pg = await startEmbeddedPostgres(config);
      stops.push(() => pg!.stop());
      if (config.embeddedPgPort !== 0)
        log.warn(
          { listening: pg.listening },
          'embedded PostgreSQL on a TCP port (EMBEDDED_PG_PORT): it accepts any user and password from this host',
        );
    }
    const clientUrl = config.databaseUrl ?? pg!.url;
    // The embedded database drops connections over its limit: every pool of the process fits in it together.
    const budget = pg ? embeddedPoolBudget(config.settlementPoolSize) : undefined;
    const orm: MikroORM = await reach('PostgreSQL', clientUrl, async () => {
      const o = await openOrm({ clientUrl, poolMax: budget ? budget.orm : 10 });
      await o.em.fork().execute('select 1');
      return o;
    });
    stops.push(() => orm.close());
    if (pg || process.env.MIGRATE_ON_START === '1') {
      await migrateUp(orm);
    } else {
      const pending = await orm.migrator.getPending();
      if (pending.length) {
        throw new StartupError(
          `PostgreSQL schema is behind (${pending.map((m) => m.name).join(', ')}): run npm run migrate`,
        );
      }
    }

    // The hot path: Redis (one server or a cluster) in production, in process on the embedded default.
    let redis: RedisClient | undefined;
    let store: HotPathStore;
    if (hasRedis(config)) {
      const where = config.redisClusterNodes
        ? `cluster ${config.redisClusterNodes.join(',')}`
        : (config.redisUrl ?? '');
      redis = await reach('Redis', where, () => openRedis(config, (r) => watchRedis(r, dependencies)));
      stops.push(async () => {
        redis!.disconnect();
      });
      store = new RedisHotPathStore({
        redis,
        keyPrefix: config.redisKeyPrefix,
        observer: hotPathObserver,
        autoPipelining: true,
        ack: config.hotPathAck,
        ackTimeoutMs: config.hotPathAckTimeoutMs,
      });
    } else {
      store = new MemoryHotPathStore({ observer: hotPathObserver });
    }
    stops.push(() => store.close());

    const jwtSecret =
      config.jwtSecret ??
      persistedSecret(config.dataDir, 'jwt-secret', () => randomBytes(32).toString('base64url')).value;
    const rt: Runtime = {
      config,
      orm,
      store,
      log,
      payments: createPaymentProvider(config),
      ...(config.paymentProvider === 'wechat' ? { wechatShipping: createWechatShipping(config) } : {}),
      now: opts.now ?? Date.now,
    };

    // The bus.
    const broker = createBroker(config, nodeId, { checkResults: opts.checkResults ?? false });
    const want = new Set(config.services);
    if (want.has('users')) broker.createService(createUsersService(rt, createWechatLogin(config)));
    if (want.has('catalog')) broker.createService(createCatalogService(rt));
    if (want.has('campaigns')) broker.createService(createCampaignsService(rt));
    if (want.has('orders')) broker.createService(createOrdersService(rt));
    if (want.has('groups')) broker.createService(createGroupsService(rt));
    if (want.has('payments')) broker.createService(createPaymentsService(rt));
    if (want.has('admin')) broker.createService(createAdminService(rt));
    if (want.has('addresses')) broker.createService(createAddressesService(rt));
    if (want.has('cart')) broker.createService(createCartService(rt));
    if (want.has('fulfilment')) broker.createService(createFulfilmentService(rt));
    if (want.has('points')) broker.createService(createPointsService(rt));
    if (want.has('membership')) broker.createService(createMembershipService(rt));
    if (want.has('coupons')) broker.createService(createCouponsService(rt));
    await reach('NATS', config.natsUrl ?? 'local', () => broker.start());
    stops.push(() => broker.stop());
    watchNats(broker, dependencies);
    const unregisterStockGauges = registerStockGauges(broker, store);
    stops.push(async () => unregisterStockGauges());

    // Settlement (stream → workers → PostgreSQL) and reconciliation run where the orders service runs.
    if (want.has('orders')) {
      const settlement = startSettlement({
        store,
        sink: SETTLEMENT_SINK_MODULE,
        databaseUrl: clientUrl,
        consumerName: nodeId,
        batchSize: config.settlementBatchSize,
        poolSize: budget ? budget.settlementWorkers : config.settlementPoolSize,
        niceIncrement: config.settlementNice,
        lingerMs: config.settlementLingerMs,
        leaseMs: 5000,
        listCampaignIds: () => activeHotPathIds(broker),
        // Coupon claims settle into the coupons module's tables, through its own sink.
        sinks: { coupon: new URL('../modules/coupons/settle-claims.ts', import.meta.url) },
        observer: loggingHotPathObserver(
          log,
          () => !dependencies.isUp('hotpath') || !dependencies.isUp('database'),
        ),
      });
      stops.push(() => settlement.stop());
      const sql = new pgDriver.Pool({ connectionString: clientUrl, max: budget ? budget.reconciliation : 1 });
      // An idle connection that PostgreSQL ends (a restart, a failover, a terminated backend) is reported on the
      // pool: unheard, it was an uncaught exception that took the process down. The pool opens another when asked.
      sql.on('error', (err) => log.warn({ err }, 'an idle reconciliation connection to PostgreSQL was lost'));
      stops.push(() => sql.end());
      // Checks a campaign the moment the store suspects its hot state (found behind a position seen, or Redis
      // came back): a state behind PostgreSQL is suspended (503 with Retry-After), rebuilt and resumed.
      const guard = startHotStateGuard({
        store,
        sql,
        records: SETTLED_RECORDS,
        listCampaigns: () => activeCampaignDefinitions(broker),
        unitsFor: (def) => (def.type === 'coupon' ? CLAIMED_COUPONS : undefined),
        onReport: (report) => logRebuild(log, report),
        onError: (err, campaignId) => log.error({ err, campaignId }, 'hot-state check failed'),
      });
      stops.push(async () => guard.stop());
      const reconcile = (atStart = false) =>
        checkCampaigns({ broker, store, sql, log, nowMs: rt.now(), atStart });
      await reconcile(true);
      const timer = setInterval(() => {
        reconcile().catch((err) => log.error({ err }, 'reconciliation failed'));
      }, config.reconcileIntervalSeconds * 1000);
      timer.unref();
      stops.push(async () => clearInterval(timer));
      // Ended campaigns' hot state goes once HOT_STATE_RETENTION_DAYS have passed (every 10 minutes a look).
      const retire = () =>
        dropRetiredHotStates({
          broker,
          store,
          log,
          nowMs: rt.now(),
          retentionMs: config.hotStateRetentionDays * 24 * 3600_000,
        }).catch((err) => log.error({ err }, 'dropping retired hot state failed'));
      const retirer = setInterval(retire, RETIRE_INTERVAL_MS);
      retirer.unref();
      stops.push(async () => clearInterval(retirer));
    }

    // The first admin, and on the embedded default the demo.
    let adminPassword: string | undefined;
    let adminPasswordSource: Platform['adminPasswordSource'];
    if (want.has('admin')) {
      const passwordFile = path.join(config.dataDir, 'admin-password');
      if ((await orm.em.fork().count(Admin, {})) === 0) {
        // The file is written only for a password generated here, never for one the operator chose.
        const password =
          config.adminPassword ??
          (embedded ? persistedSecret(config.dataDir, 'admin-password', generatePassword).value : undefined);
        if (password) {
          await ensureFirstAdmin(orm.em.fork(), config.adminUsername, password);
          adminPassword = password;
          adminPasswordSource = config.adminPassword ? 'configured' : 'generated';
        }
      } else if (config.adminPassword) {
        adminPassword = config.adminPassword;
        adminPasswordSource = 'configured';
      } else if (existsSync(passwordFile)) {
        const kept = readFileSync(passwordFile, 'utf8').trim();
        const owner = await orm.em.fork().findOne(Admin, { username: config.adminUsername });
        const current = owner ? await verifyPassword(kept, owner.passwordHash) : false;
        adminPassword = current ? kept : undefined;
        adminPasswordSource = current ? 'kept' : 'stale';
      }
    }
    if (config.seedDemo && want.has('catalog') && want.has('campaigns')) {
      const { seeded } = await seedDemo(broker, rt.now());
      if (seeded) log.info('demo data seeded: 3 products, a live seckill and a live group-buy campaign');
    }

    // The gateway.
    let url: string | undefined;
    let gateway: App | undefined;
    if (want.has('gateway')) {
      const adminDist = path.resolve(import.meta.dirname, '../../../admin/dist');
      const app = await buildGateway({
        broker,
        rt,
        jwtSecret,
        dependencies,
        ...(redis ? { redis } : {}),
        ...(existsSync(path.join(adminDist, 'index.html')) ? { adminDist } : {}),
        readiness: {
          database: async () => {
            await orm.em.fork().execute('select 1');
          },
          hotpath: async () => {
            if (redis) await redis.ping();
            else await store.getCampaignCounters('cmp_readyz');
          },
          bus: async () => {
            if (!broker.transit) return;
            if (!broker.transit.connected || !dependencies.isUp('bus')) {
              throw new Error(dependencies.reason('bus') ?? 'not connected');
            }
          },
        },
        logger:
          config.logLevel === 'silent'
            ? false
            : { level: config.logLevel === 'info' ? 'warn' : config.logLevel },
      });
      gateway = app;
      if (opts.listen ?? true) {
        const address = await app.listen({ port: config.port, host: config.host });
        url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
      } else {
        await app.ready();
      }
      // Drain in-flight requests first, then everything else.
      stops.push(async () => {
        await app.close();
      });
    }

    // Every process is scraped: the gateway on its own port, any other process on METRICS_PORT (9464, the
    // usual exporter port, unless set), so the gauges reconciliation sets where it runs reach Prometheus.
    let metricsUrl: string | undefined;
    const metricsPort =
      config.metricsPort ?? (want.has('gateway') || opts.groupPrimary ? undefined : DEFAULT_METRICS_PORT);
    if (metricsPort !== undefined) {
      const listener = await reach('METRICS_PORT', `http://${config.host}:${metricsPort}`, () =>
        startMetricsListener(config.host, metricsPort),
      );
      metricsUrl = listener.url;
      stops.push(() => listener.close());
    }

    for (const dep of ['database', 'hotpath', 'bus'] as const) dependencyUp.set({ dependency: dep }, 1);
    return {
      ...(url ? { url } : {}),
      ...(gateway ? { gateway } : {}),
      broker,
      ...(metricsUrl ? { metricsUrl } : {}),
      adminUsername: config.adminUsername,
      ...(adminPassword ? { adminPassword } : {}),
      ...(adminPasswordSource ? { adminPasswordSource } : {}),
      rt,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
