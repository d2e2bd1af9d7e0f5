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

export async function registerOpsRoutes(app: App, opts: GatewayOptions): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: { tags: ['ops'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['ops'],
        response: {
          200: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) }),
          503: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) }),
        },
      },
    },
    async (_req, reply) => {
      const entries = await Promise.all(
        Object.entries(opts.readiness).map(async ([name, check]) => {
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
      const checks = Object.fromEntries(entries);
      const ready = entries.every(([, v]) => v === 'ok');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    },
  );

  app.get(
    '/metrics',
    { config: { rateLimit: false }, schema: { tags: ['ops'], produces: ['text/plain'] } },
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
        tags: ['shopper'],
        response: { 200: Type.Object({ now: Type.String({ format: 'date-time' }) }) },
      },
    },
    async () => ({ now: new Date(opts.rt.now()).toISOString() }),
  );
}
