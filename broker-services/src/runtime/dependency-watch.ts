/**
 * Whether each dependency of this process is reachable now, from the clients' own connection events: one log
 * line per change of state (never one per failed request, nor ioredis's "Unhandled error event" per retry),
 * `tm_dependency_up` kept current, and a synchronous answer for the gateway's fail-fast checks and `/readyz`.
 */

import type { RedisClient } from '@tuanmiao/hot-path';
import { type Dependency, setDependencyUp } from '@tuanmiao/observability';
import type { ServiceBroker } from 'moleculer';
import type { Logger } from 'pino';

/** The reachability of this process's dependencies, as its clients last reported it. */
export class DependencyWatch {
  readonly #down = new Map<Dependency, string>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Whether the dependency is reachable as far as its client knows. */
  isUp(dependency: Dependency): boolean {
    return !this.#down.has(dependency);
  }

  /** Why the dependency is down, or undefined when it is up. */
  reason(dependency: Dependency): string | undefined {
    return this.#down.get(dependency);
  }

  /** Records a change of state; repeats of the same state are not logged. */
  set(dependency: Dependency, up: boolean, reason = 'unreachable'): void {
    const wasUp = !this.#down.has(dependency);
    if (up === wasUp) return;
    if (up) {
      this.#down.delete(dependency);
      this.#log.warn({ dependency }, `${dependency} reachable again`);
    } else {
      this.#down.set(dependency, reason);
      this.#log.error({ dependency, reason }, `${dependency} unreachable`);
    }
    setDependencyUp(dependency, up);
  }
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' ? e.code : String(e.message ?? err);
}

/** Follows a Redis client's connection; its `error` listener is what keeps ioredis from logging each retry. */
export function watchRedis(redis: RedisClient, watch: DependencyWatch): void {
  redis.on('error', (err: unknown) => watch.set('hotpath', false, describe(err)));
  redis.on('close', () => watch.set('hotpath', false, 'connection closed'));
  redis.on('ready', () => watch.set('hotpath', true));
}

interface NatsStatus {
  type: string;
}
interface NatsClientLike {
  status(): AsyncIterable<NatsStatus>;
}

/**
 * Follows the NATS connection under the broker. Moleculer's NATS transporter keeps `transit.connected` true
 * while the client reconnects, so `/readyz` said `bus: ok` through outages and calls waited out their timeout.
 * On a disconnect every remote node is taken out of the registry at once: calls in flight to them are rejected
 * and new ones fail fast (no node offers the service) instead of waiting for heartbeats to lapse; each node is
 * discovered again by its first heartbeat after the reconnect.
 */
export function watchNats(broker: ServiceBroker, watch: DependencyWatch): void {
  const client = (broker.transit?.tx as unknown as { client?: NatsClientLike } | undefined)?.client;
  if (!client) return;
  void (async () => {
    for await (const s of client.status()) {
      if (s.type === 'disconnect' || s.type === 'staleConnection') {
        watch.set('bus', false, s.type);
        for (const node of broker.registry.nodes.toArray()) {
          if (!node.local && node.available) broker.registry.nodes.disconnected(node.id, true);
        }
      } else if (s.type === 'reconnect') {
        watch.set('bus', true);
        // Ask every node for its INFO now rather than at its next heartbeat.
        void broker.transit?.discoverNodes();
      }
    }
  })().catch(() => {});
}
