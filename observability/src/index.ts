/** @tuanmiao/observability: the one metrics module every tuanmiao process imports. */
export {
  type ActionOutcome,
  classifyActionError,
  createBrokerMetricsMiddleware,
} from './broker-middleware.ts';
export {
  answerMetricsCollection,
  inWorkerGroup,
  requestGroupMetrics,
  serveGroupMetrics,
} from './cluster-metrics.ts';
export {
  type MetricsPluginOptions,
  metricsHandler,
  metricsPlugin,
  UNMATCHED_ROUTE,
} from './fastify-plugin.ts';
export * from './metrics.ts';
export { collectRuntimeMetrics, metricsContentType, registry, renderMetrics } from './registry.ts';
