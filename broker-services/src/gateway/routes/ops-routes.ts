/** Health, readiness, metrics and server time. */
import {
  type Dependency,
  inWorkerGroup,
  registry,
  requestGroupMetrics,
  setDependencyUp,
} from '@tuanmiao/observability';
import Type from 'typebox';
import type { App, GatewayOptions } from '../app.ts';
import type { HotPathRebuilds } from '../hot-path-rebuilds.ts';

export async function registerOpsRoutes(
  app: App,
  opts: GatewayOptions,
  rebuilds: HotPathRebuilds,
): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: {
        summary: 'Liveness: 200 while the process runs',
        tags: ['ops'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { rateLimit: false },
      schema: {
        summary: 'Readiness: 200 when the database, hot path and bus answer, else 503 naming which',
        tags: ['ops'],
        response: {
          200: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) }),
          503: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) }),
        },
      },
    },
    async (_req, reply) => {
      const checks = {
        ...opts.readiness,
        // A hot path that answers but lacks a live campaign's state is not ready to sell it.
        hotpath: async () => {
          await opts.readiness.hotpath();
          const missing = await rebuilds.stillMissing();
          if (missing.length > 0) throw new Error(`rebuilding ${missing.join(',')}`);
        },
      };
      const entries = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await Promise.race([
              check(),
              new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
            ]);
            setDependencyUp(name as Dependency, true);
            return [name, 'ok'] as const;
          } catch (err) {
            setDependencyUp(name as Dependency, false);
            return [name, `down: ${(err as Error).message}`] as const;
          }
        }),
      );
      const ready = entries.every(([, v]) => v === 'ok');
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(entries) });
    },
  );

  app.get(
    '/metrics',
    {
      config: { rateLimit: false },
      schema: { summary: 'Prometheus metrics of this process', tags: ['ops'], produces: ['text/plain'] },
    },
    async (_req, reply) => {
      reply.header('content-type', registry.contentType);
      // A worker of a group (WORKERS > 1) answers for the whole group: the primary aggregates every worker's.
      return inWorkerGroup() ? requestGroupMetrics() : registry.metrics();
    },
  );

  app.get(
    '/api/time',
    {
      schema: {
        summary: "The server's clock, for countdowns",
        tags: ['shopper'],
        response: { 200: Type.Object({ now: Type.String({ format: 'date-time' }) }) },
      },
    },
    async () => ({ now: new Date(opts.rt.now()).toISOString() }),
  );
}
