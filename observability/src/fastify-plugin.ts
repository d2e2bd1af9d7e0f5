import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { httpRequestDuration, httpRequestsTotal } from './metrics.ts';
import { registry } from './registry.ts';

/** Options of {@link metricsPlugin}. */
export interface MetricsPluginOptions {
  /** Serve the exposition on this path (default `/metrics`); `false` to serve it elsewhere. */
  exposePath?: string | false;
}

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Label for requests that matched no route: keeps scanners' random URLs out of the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Answers a Prometheus scrape with the registry's text exposition. */
export async function metricsHandler(_request: FastifyRequest, reply: FastifyReply): Promise<string> {
  reply.header('content-type', registry.contentType);
  return registry.metrics();
}

/**
 * Fastify plugin: counts and times every response by route pattern (`/api/orders/:id`, never the raw URL),
 * and serves `/metrics`. One onResponse hook reading `request.routeOptions.url` and Fastify's own
 * `reply.elapsedTime` (taken from the start of onRequest), so it adds no timer of its own to the hot path.
 * Wrapped with fastify-plugin so the hook sees the routes of every encapsulation context.
 */
export const metricsPlugin = fp<MetricsPluginOptions>(
  async (app, opts) => {
    app.addHook('onResponse', (request, reply, done) => {
      const labels = {
        method: knownMethods.has(request.method) ? request.method : 'OTHER',
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      };
      httpRequestsTotal.inc(labels);
      httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
      done();
    });
    const exposePath = opts.exposePath ?? '/metrics';
    if (exposePath !== false) app.get(exposePath, metricsHandler);
  },
  { name: 'tm-metrics', fastify: '5.x' },
);
