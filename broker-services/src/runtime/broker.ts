/**
 * The ServiceBroker: NATS transporter in production, the local transport on the embedded default; TypeBox
 * validation of action params; retry and circuit breaking that never treat a business refusal (sold out,
 * over the limit) as a failure; our cheap action metrics instead of Moleculer's built-in ones, which cost
 * two thirds of local call throughput when measured here.
 */

import { isBusinessRefusal } from '@tuanmiao/contract/errors';
import { createBrokerMetricsMiddleware } from '@tuanmiao/observability';
import { type Middleware, ServiceBroker } from 'moleculer';
import { contractResultCheck } from '../broker/result-check.ts';
import { TypeBoxValidator } from '../broker/validator.ts';
import type { Config } from '../config.ts';

function isInfrastructureError(err: unknown): boolean {
  const e = err as { type?: unknown; code?: unknown; retryable?: unknown; name?: unknown };
  if (isBusinessRefusal(e.type)) return false;
  if (e.name === 'ValidationError') return false;
  return e.retryable === true || (typeof e.code === 'number' && e.code >= 500);
}

/** Seconds without a heartbeat after which a node is taken for dead. */
export const HEARTBEAT_TIMEOUT_S = 4;

interface HeartbeatDiscoverer {
  checkRemoteNodes(): void;
}

/** Checks peers' heartbeats every half second rather than Moleculer's every heartbeatTimeout. */
function heartbeatChecks(): Middleware {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'HeartbeatChecks',
    async started(broker: ServiceBroker) {
      // Moleculer's discoverer is not in its type declarations; checkRemoteNodes() is its own periodic check.
      const discoverer = (broker.registry as unknown as { discoverer?: HeartbeatDiscoverer }).discoverer;
      if (!broker.transit || !discoverer) return;
      timer = setInterval(() => discoverer.checkRemoteNodes(), 500);
      timer.unref();
    },
    async stopped() {
      clearInterval(timer);
    },
  };
}

export interface BrokerOptions {
  /** Check every local action's answer against its contract (tests; see ../broker/result-check.ts). */
  checkResults?: boolean;
}

export function createBroker(config: Config, nodeId: string, opts: BrokerOptions = {}): ServiceBroker {
  return new ServiceBroker({
    nodeID: nodeId,
    namespace: config.brokerNamespace,
    // Reconnect forever, every half second: a NATS restart is back in the time it takes to start. A link that
    // dies silently (no TCP reset) is noticed by two missed pings, in about 6 s.
    transporter: config.natsUrl
      ? {
          type: 'NATS',
          options: {
            url: config.natsUrl,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 500,
            pingInterval: 2000,
            maxPingOut: 2,
          },
        }
      : null,
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            type: 'Console',
            options: {
              level: config.logLevel === 'trace' ? 'trace' : config.logLevel,
              formatter: 'short',
              colors: false,
            },
          },
    logLevel: config.logLevel === 'silent' ? 'fatal' : (config.logLevel as 'info'),
    validator: new TypeBoxValidator({}),
    metrics: false,
    tracing: false,
    requestTimeout: 10_000,
    // A stopping service waits (at most 10 s) for its actions and event handlers in flight, so work an event
    // started (a refund driven on `refund.requested`, say) is done before the process closes its database pool.
    // Without it, such work could query after the close, and MikroORM opens a new pool for a query made then.
    tracking: { enabled: true, shutdownTimeout: 10_000 },
    // A process killed outright sends no goodbye: peers notice only when its heartbeats stop, and until then
    // they route calls to it and wait (a node declared dead has its calls in flight rejected and retried on
    // another). Moleculer checks heartbeats only every heartbeatTimeout, so a 6 s timeout was noticed after
    // 6.8–10.5 s; with the check below every half second a dead node is noticed HEARTBEAT_TIMEOUT_S to
    // HEARTBEAT_TIMEOUT_S + 1.5 s after its last heartbeat (process.uptime() in whole seconds, the check's period).
    heartbeatInterval: 1,
    heartbeatTimeout: HEARTBEAT_TIMEOUT_S,
    retryPolicy: {
      enabled: true,
      retries: 2,
      delay: 100,
      maxDelay: 1000,
      factor: 2,
      check: isInfrastructureError,
    },
    circuitBreaker: {
      enabled: true,
      threshold: 0.5,
      minRequestCount: 20,
      windowTime: 60,
      halfOpenTime: 10_000,
      check: isInfrastructureError,
    },
    registry: { strategy: 'RoundRobin', preferLocal: true },
    middlewares: [
      createBrokerMetricsMiddleware(),
      heartbeatChecks(),
      ...(opts.checkResults ? [contractResultCheck()] : []),
    ],
  });
}
