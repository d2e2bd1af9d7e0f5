/**
 * The process's Redis client: one server (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`), through
 * ioredis' client or cluster client. Everything that talks to Redis (the hot path and its settlement streams,
 * the per-IP rate limit, the waiting room's arrival counter, readiness) takes this one client. On a cluster each
 * campaign's keys share its hash tag (one slot, one master), the rate limit's and the waiting room's keys are
 * one key per call, so no command ever spans slots.
 */
import type { RedisClient } from '@tuanmiao/hot-path';
import { Cluster, Redis } from 'ioredis';
import type { Config } from '../config.ts';

/** Same behaviour on both: connect on demand, queue while reconnecting, give up on a command after 2 retries. */
const COMMON = { maxRetriesPerRequest: 2 } as const;

export function connectRedis(config: Pick<Config, 'redisUrl' | 'redisClusterNodes'>): RedisClient {
  if (config.redisClusterNodes) {
    return new Cluster(
      config.redisClusterNodes.map((seed) => {
        const at = seed.lastIndexOf(':');
        return { host: seed.slice(0, at), port: Number(seed.slice(at + 1)) };
      }),
      { lazyConnect: true, enableOfflineQueue: true, redisOptions: COMMON },
    );
  }
  if (!config.redisUrl) throw new Error('connectRedis: neither REDIS_URL nor REDIS_CLUSTER_NODES is set');
  return new Redis(config.redisUrl, { ...COMMON, lazyConnect: true, enableOfflineQueue: true });
}
