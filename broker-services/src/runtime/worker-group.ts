/**
 * Every core of one machine: with WORKERS above 1, `npm start` is a node:cluster primary that runs the
 * services other than the gateway itself (settlement, sweepers, reconciliation: one of each per machine) and
 * forks WORKERS gateway processes that share one port (the primary accepts connections and hands them out in
 * turn). Workers hold no state of their own that matters: the hot path, the waiting room and the per-IP limit
 * live in Redis, the bus is NATS; the per-user limit is split between them (`perWorkerLimit`) and `/metrics`
 * answers for the group (`serveGroupMetrics`). A worker that dies is replaced.
 */
import cluster, { type Worker } from 'node:cluster';
import { answerMetricsCollection, serveGroupMetrics } from '@tuanmiao/observability';
import type { Config } from '../config.ts';
import { migrateUp, openOrm } from '../db/orm.ts';
import { type Platform, startPlatform } from './bootstrap.ts';

/** What a worker tells the primary once its gateway listens. */
export interface WorkerReady {
  tm: 'gateway-ready';
  url: string;
}

function isWorkerReady(m: unknown): m is WorkerReady {
  return typeof m === 'object' && m !== null && (m as { tm?: unknown }).tm === 'gateway-ready' && 'url' in m;
}

/** A worker that dies this soon after it started is not replaced again at once (a crash loop). */
const RESPAWN_DELAY_MS = 1000;

export interface WorkerGroup {
  url: string;
  metricsUrl?: undefined;
  adminUsername: string;
  adminPassword?: string;
  adminPasswordSource?: Platform['adminPasswordSource'];
  stop(): Promise<void>;
}

/** In the primary: starts the non-gateway services here, then the gateway workers; resolves once all listen. */
export async function startWorkerGroup(config: Config): Promise<WorkerGroup> {
  const here = config.services.filter((s) => s !== 'gateway');
  let platform: Platform | undefined;
  if (here.length > 0) {
    // The group's /metrics (on the workers' port) already holds this process's metrics: no listener of its own.
    const { metricsPort: _own, ...shared } = config;
    platform = await startPlatform({ ...shared, services: here }, { groupPrimary: true });
  } else if (process.env.MIGRATE_ON_START === '1' && config.databaseUrl) {
    // Migrate once here, not in each worker at the same time.
    const orm = await openOrm({ clientUrl: config.databaseUrl, poolMax: 2 });
    try {
      await migrateUp(orm);
    } finally {
      await orm.close();
    }
  }
  const stopMetrics = serveGroupMetrics();
  let stopping = false;
  const env = (i: number): Record<string, string> => ({
    SERVICES: 'gateway',
    WORKERS: String(config.workers),
    MIGRATE_ON_START: '0',
    SEED_DEMO: '0',
    METRICS_PORT: '',
    ...(config.nodeId ? { NODE_ID: `${config.nodeId}-w${i}` } : {}),
  });
  const fork = (i: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const startedAt = Date.now();
      const worker: Worker = cluster.fork(env(i));
      let ready = false;
      worker.on('message', (m: unknown) => {
        if (!isWorkerReady(m)) return;
        ready = true;
        resolve(m.url);
      });
      worker.once('exit', (code, signal) => {
        if (!ready) reject(new Error(`gateway worker ${i} exited (${signal ?? code}) before it listened`));
        if (stopping || !ready) return;
        console.error(`tuanmiao: gateway worker ${i} exited (${signal ?? code}); starting another`);
        const wait = Math.max(0, RESPAWN_DELAY_MS - (Date.now() - startedAt));
        setTimeout(() => {
          if (!stopping) fork(i).catch((err: Error) => console.error(`tuanmiao: ${err.message}`));
        }, wait).unref();
      });
    });
  const stop = async () => {
    stopping = true;
    const exits = Object.values(cluster.workers ?? {}).map(
      (w) =>
        new Promise<void>((resolve) => {
          if (!w || w.isDead()) return resolve();
          w.once('exit', () => resolve());
          // Each worker drains its own requests on SIGTERM (main.ts), like a single process.
          w.process.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    stopMetrics();
    await platform?.stop();
  };
  try {
    const urls = await Promise.all(Array.from({ length: config.workers }, (_, i) => fork(i + 1)));
    return {
      url: urls[0]!,
      adminUsername: config.adminUsername,
      ...(platform?.adminPassword ? { adminPassword: platform.adminPassword } : {}),
      ...(platform?.adminPasswordSource ? { adminPasswordSource: platform.adminPasswordSource } : {}),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** In a worker: answers the primary's metrics collection and tells it the gateway listens. */
export function announceWorkerReady(url: string): void {
  answerMetricsCollection();
  process.send?.({ tm: 'gateway-ready', url } satisfies WorkerReady);
}
