import { collectDefaultMetrics, Registry } from 'prom-client';

/** The one registry every tuanmiao process exposes on `/metrics`. */
export const registry = new Registry();

const withDefaults = new WeakSet<Registry>();

/**
 * Adds prom-client's Node runtime metrics (event loop lag, GC, heap, handles) to a registry, once: a second call
 * for the same registry is a no-op, because prom-client throws on duplicate metric names.
 */
export function collectRuntimeMetrics(target: Registry = registry): void {
  if (withDefaults.has(target)) return;
  withDefaults.add(target);
  collectDefaultMetrics({ register: target, eventLoopMonitoringPrecision: 20 });
}

collectRuntimeMetrics(registry);

/** Content type of the Prometheus text exposition this registry writes. */
export const metricsContentType = registry.contentType;

/** The exposition text of the registry. */
export function renderMetrics(target: Registry = registry): Promise<string> {
  return target.metrics();
}
