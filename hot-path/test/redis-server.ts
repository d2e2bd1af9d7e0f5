/**
 * Private Redis servers for fault tests: a `redis-server` of its own on a free loopback port and in a temporary
 * directory (AOF, replicas), killed outright or stopped after; and a TCP switch in front of one, which moves every
 * client to another server the way a virtual IP or a DNS failover does.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export interface RedisServer {
  port: number;
  dir: string;
  url: string;
  process: ChildProcess;
  /** A plain client for the test's own commands (closed by stop/kill). */
  admin: Redis;
  /** SIGKILL: nothing flushed, nothing said to clients. */
  kill(): Promise<void>;
  /** Stops (SIGKILL) and removes its directory. */
  dispose(): Promise<void>;
}

/** Starts `redis-server` on `port` (a free one by default) in `dir` (a new temporary one by default). */
export async function startRedisServer(
  opts: { port?: number; dir?: string; args?: string[] } = {},
): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'tm-redis-'));
  const child = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...(opts.args ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const url = `redis://127.0.0.1:${port}`;
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  admin.on('error', () => {});
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}):\n${log}`);
    try {
      if (admin.status === 'wait') await admin.connect();
      // PING answers LOADING while the AOF is being read: wait until it is loaded.
      if ((await admin.ping()) === 'PONG') break;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start:\n${log}`);
      await delay(50);
    }
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const kill = async () => {
    admin.disconnect();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return {
    port,
    dir,
    url,
    process: child,
    admin,
    kill,
    async dispose() {
      await kill();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Cuts the tail of a stopped server's AOF, as an operating-system crash leaves it: the incremental file of Redis
 * 7's `appendonlydir/` is truncated to `keepFraction` of its size, then `redis-check-aof --fix` drops the command
 * cut in half (and a MULTI left open). Returns the bytes kept and cut.
 */
/** The incremental AOF file the server appends to now (Redis 7's multi-part AOF). */
function currentAof(dir: string): string {
  const aofDir = path.join(dir, 'appendonlydir');
  const manifest = readdirSync(aofDir).find((f) => f.endsWith('.manifest'));
  if (!manifest) throw new Error(`no AOF manifest in ${aofDir}`);
  const incr = readFileSync(path.join(aofDir, manifest), 'utf8')
    .split('\n')
    .map((line) => /file (\S+) seq \d+ type i/.exec(line)?.[1])
    .filter((f): f is string => f !== undefined)
    .at(-1);
  if (!incr) throw new Error('no incremental AOF file in the manifest');
  return path.join(aofDir, incr);
}

/** How many bytes of the incremental AOF are written now: a point to cut back to later. */
export function aofBytes(dir: string): number {
  return readFileSync(currentAof(dir)).length;
}

/**
 * Cuts the incremental AOF back to its first `keepBytes` (what it held at an earlier point, from `aofBytes`), as
 * an OS crash losing the tail would, then lets `redis-check-aof --fix` drop a command cut in the middle.
 */
export function cutAofTail(dir: string, keepBytes: number): { kept: number; cut: number } {
  const file = currentAof(dir);
  const size = readFileSync(file).length;
  truncateSync(file, Math.min(keepBytes, size));
  const fix = spawnSync('/usr/bin/redis-check-aof', ['--fix', file], { input: 'y\n', encoding: 'utf8' });
  if (fix.status !== 0) throw new Error(`redis-check-aof --fix failed: ${fix.stdout}${fix.stderr}`);
  return { kept: readFileSync(file).length, cut: size - readFileSync(file).length };
}

/** A TCP switch in front of Redis: clients connect to `port`; `moveTo` drops them all and sends new ones elsewhere. */
export interface TcpSwitch {
  port: number;
  url: string;
  moveTo(targetPort: number): void;
  close(): Promise<void>;
}

export async function startTcpSwitch(targetPort: number): Promise<TcpSwitch> {
  let target = targetPort;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    moveTo(next) {
      target = next;
      for (const s of open) s.destroy();
      open.clear();
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Waits until `replica` has applied everything `primary` had written when this was called; false after
 * `timeoutMs`. (WAIT on the admin connection is no such check: it waits only for that connection's own writes,
 * and the test's writes go through the store's connection, so it answered 1 while the replica lagged far behind.)
 */
export async function replicaCaughtUp(
  primary: RedisServer,
  replica: RedisServer,
  timeoutMs = 30_000,
): Promise<boolean> {
  const offset = (info: string, field: string) => Number(new RegExp(`${field}:(\\d+)`).exec(info)?.[1] ?? -1);
  const target = offset(await primary.admin.info('replication'), 'master_repl_offset');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (offset(await replica.admin.info('replication'), 'slave_repl_offset') >= target) return true;
    await delay(20);
  }
  return false;
}
