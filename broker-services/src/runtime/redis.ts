/**
 * The process's Redis client: one server (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`, or a `REDIS_URL`
 * naming any node of a cluster), through ioredis' client or cluster client. Everything that talks to Redis (the
 * hot path and its settlement streams, the per-IP rate limit, the waiting room's arrival counter, readiness)
 * takes this one client. On a cluster each campaign's keys share its hash tag (one slot, one master), the rate
 * limit's and the waiting room's keys are one key per call, so no command ever spans slots.
 */
import type { RedisClient } from '@tuanmiao/hot-path';
import { Cluster, Redis } from 'ioredis';
import type { Config } from '../config.ts';

/** Same behaviour on both: connect on demand, queue while reconnecting, give up on a command after 2 retries. */
const COMMON = { maxRetriesPerRequest: 2 } as const;

function clusterOf(seeds: { host: string; port: number }[], redisOptions: object = {}): Cluster {
  return new Cluster(seeds, {
    lazyConnect: true,
    enableOfflineQueue: true,
    redisOptions: { ...COMMON, ...redisOptions },
  });
}

function connectRedis(config: Pick<Config, 'redisUrl' | 'redisClusterNodes'>): RedisClient {
  if (config.redisClusterNodes) {
    return clusterOf(
      config.redisClusterNodes.map((seed) => {
        const at = seed.lastIndexOf(':');
        return { host: seed.slice(0, at), port: Number(seed.slice(at + 1)) };
      }),
    );
  }
  if (!config.redisUrl) throw new Error('connectRedis: neither REDIS_URL nor REDIS_CLUSTER_NODES is set');
  return new Redis(config.redisUrl, { ...COMMON, lazyConnect: true, enableOfflineQueue: true });
}

/**
 * A cluster client seeded with the node `url` names, with its credentials and TLS. A cluster has database 0
 * only, so a URL naming another one is refused rather than silently ignored.
 */
function clusterFromUrl(url: string): Cluster {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && db !== '0') {
    throw new Error(`REDIS_URL names database ${db}, but a Redis Cluster has database 0 only`);
  }
  return clusterOf([{ host: u.hostname, port: Number(u.port || 6379) }], {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  });
}

/** Whether the server at `url` runs in cluster mode, asked on a connection of its own (`INFO cluster`). */
async function runsInClusterMode(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  // Its errors reach the caller as the rejection of connect(); the events would only repeat them.
  probe.on('error', () => {});
  try {
    await probe.connect();
    // A server that refuses INFO (an ACL without it, a renamed command) is taken for a single server, as before.
    const info = await probe.info('cluster').catch(() => '');
    return /^cluster_enabled:1\b/m.test(info);
  } finally {
    probe.disconnect();
  }
}

/**
 * Connects the process's Redis client and checks it answers. A `REDIS_URL` server is first asked whether it runs
 * in cluster mode: a node of a cluster answers MOVED for most keys, so the URL then seeds a cluster client instead
 * of a client of that one node. `prepare` sees the client before it connects (its event listeners).
 */
export async function openRedis(
  config: Pick<Config, 'redisUrl' | 'redisClusterNodes'>,
  prepare: (client: RedisClient) => void = () => {},
): Promise<RedisClient> {
  const client =
    !config.redisClusterNodes && config.redisUrl && (await runsInClusterMode(config.redisUrl))
      ? clusterFromUrl(config.redisUrl)
      : connectRedis(config);
  prepare(client);
  await client.connect();
  await client.ping();
  return client;
}
