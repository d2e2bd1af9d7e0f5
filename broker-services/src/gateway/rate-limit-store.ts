/**
 * The per-IP rate limit's store: shared through Redis across gateway processes while Redis answers, this
 * process's own counts while it does not. A Redis outage used to turn every route into 500 INTERNAL (the
 * limiter runs first and threw); routes that need no Redis now keep working, limited per process, and each
 * decision taken without Redis is counted in tm_rate_limit_fallback_total.
 */
import { createRequire } from 'node:module';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RedisClient } from '@tuanmiao/hot-path';
import { rateLimitFallbackTotal } from '@tuanmiao/observability';

type Incr = FastifyRateLimitStore['incr'];
type RouteOptions = Parameters<FastifyRateLimitStore['child']>[0];

// The plugin's two built-in stores (plain JavaScript, no declarations of their own).
const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: RedisClient,
  nameSpace: string,
) => FastifyRateLimitStore;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache?: number,
) => FastifyRateLimitStore;

class FallbackStore implements FastifyRateLimitStore {
  readonly #redis: RedisClient;
  readonly #shared: FastifyRateLimitStore;
  readonly #local: FastifyRateLimitStore;

  constructor(redis: RedisClient, shared: FastifyRateLimitStore, local: FastifyRateLimitStore) {
    this.#redis = redis;
    this.#shared = shared;
    this.#local = local;
  }

  incr(...[key, callback, timeWindow, max]: Parameters<Incr>): void {
    // Not connected: answer at once from the local counts rather than queue behind ioredis's reconnects.
    if (this.#redis.status !== 'ready') {
      rateLimitFallbackTotal.inc();
      this.#local.incr(key, callback, timeWindow, max);
      return;
    }
    this.#shared.incr(
      key,
      (error, result) => {
        if (!error) return callback(null, result);
        rateLimitFallbackTotal.inc();
        this.#local.incr(key, callback, timeWindow, max);
      },
      timeWindow,
      max,
    );
  }

  child(routeOptions: RouteOptions): FastifyRateLimitStore {
    return new FallbackStore(this.#redis, this.#shared.child(routeOptions), this.#local.child(routeOptions));
  }
}

/** A store class for @fastify/rate-limit: Redis under `nameSpace`, this process's memory while Redis is down. */
export function redisWithLocalFallback(redis: RedisClient, nameSpace: string): FastifyRateLimitStoreCtor {
  return class extends FallbackStore {
    constructor() {
      super(redis, new RedisStore(false, false, redis, nameSpace), new LocalStore(false, false));
    }
  };
}
