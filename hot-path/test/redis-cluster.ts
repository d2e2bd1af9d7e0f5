/**
 * A real Redis Cluster for tests: three masters and a replica each (six Debian `redis-server` processes on free
 * loopback ports, in a temporary directory), joined with `redis-cli --cluster create`, stopped and removed
 * after. A short node timeout makes a killed master's replica take over within a few seconds.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface ClusterNode {
  port: number;
  process: ChildProcess;
}

export interface LocalRedisCluster {
  /** `127.0.0.1:<port>` of every node: the seeds of a cluster client. */
  seeds: string[];
  nodes: ClusterNode[];
  /** The port of the master that serves `key` now. */
  masterPortFor(key: string): Promise<number>;
  /** SIGKILL one node (no shutdown, no save). */
  kill(port: number): Promise<void>;
  /** Resolves once every slot is served again (a replica took over from a dead master). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function clusterInfo(port: number): Promise<string> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    return String(await r.call('CLUSTER', 'INFO'));
  } finally {
    r.disconnect();
  }
}

/**
 * Starts a cluster (three masters with a replica each unless told otherwise); resolves once it reports
 * `cluster_state:ok` and every replica has synced.
 */
export async function startRedisCluster(
  opts: { masters?: number; replicas?: number } = {},
): Promise<LocalRedisCluster> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicas ?? 1;
  const dir = mkdtempSync(path.join(tmpdir(), 'tm-redis-cluster-'));
  const nodes: ClusterNode[] = [];
  const stop = async () => {
    await Promise.all(
      nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.process.exitCode !== null || n.process.signalCode !== null) return resolve();
            n.process.once('exit', () => resolve());
            n.process.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePort();
      const child = spawn(
        '/usr/bin/redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          path.join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '1000',
          // A replica is only promoted once it has synced; the default 5 s delay before the first sync outlasts a
          // quick test that kills its master right away.
          '--repl-diskless-sync-delay',
          '0',
          '--dir',
          dir,
          '--dbfilename',
          `dump-${port}.rdb`,
          '--save',
          '',
          '--appendonly',
          'no',
          '--protected-mode',
          'no',
        ],
        { stdio: 'ignore' },
      );
      nodes.push({ port, process: child });
    }
    for (const n of nodes) {
      for (let tries = 0; ; tries++) {
        try {
          await clusterInfo(n.port);
          break;
        } catch (err) {
          if (tries > 100) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
    await run('/usr/bin/redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    const cluster: LocalRedisCluster = {
      seeds: nodes.map((n) => `127.0.0.1:${n.port}`),
      nodes,
      async masterPortFor(key) {
        const c = new Cluster(
          cluster.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })),
        );
        try {
          const slot = Number(await c.call('CLUSTER', 'KEYSLOT', key));
          // CLUSTER SLOTS: one [from, to, [masterHost, masterPort, ...], ...replicas] per range.
          const slots: unknown = await c.call('CLUSTER', 'SLOTS');
          const ranges = Array.isArray(slots) ? slots : [];
          const range = ranges.find(
            (r: unknown) => Array.isArray(r) && slot >= Number(r[0]) && slot <= Number(r[1]),
          );
          if (!Array.isArray(range) || !Array.isArray(range[2]))
            throw new Error(`no master serves slot ${slot}`);
          return Number(range[2][1]);
        } finally {
          c.disconnect();
        }
      },
      async kill(port) {
        const n = nodes.find((x) => x.port === port);
        if (!n) throw new Error(`no node on ${port}`);
        await new Promise<void>((resolve) => {
          n.process.once('exit', () => resolve());
          n.process.kill('SIGKILL');
        });
      },
      async waitHealthy(timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const alive = nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
          const infos = await Promise.all(alive.map((n) => clusterInfo(n.port).catch(() => '')));
          if (infos.every((i) => i.includes('cluster_state:ok'))) return;
          if (Date.now() > deadline) throw new Error('the Redis Cluster did not recover in time');
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      stop,
    };
    await cluster.waitHealthy();
    await waitReplicasSynced(nodes.map((n) => n.port));
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Waits until every replica has its master link up (an unsynced replica is never promoted on failover). */
async function waitReplicasSynced(ports: number[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const infos = await Promise.all(
      ports.map(async (port) => {
        const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
          await r.connect();
          return await r.info('replication');
        } finally {
          r.disconnect();
        }
      }),
    );
    const unsynced = infos.filter((i) => i.includes('role:slave') && !i.includes('master_link_status:up'));
    if (unsynced.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${unsynced.length} replicas never synced with their master`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Deletes every key matching `pattern` on every master of a cluster (SCAN is per node on a cluster). */
export async function deleteClusterKeys(cluster: Cluster, pattern: string): Promise<void> {
  for (const node of cluster.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) await cluster.del(key);
    } while (cursor !== '0');
  }
}
