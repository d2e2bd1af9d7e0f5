/**
 * A NATS or Redis server of a test's own on a free loopback port, for fault tests that stop and restart it
 * (the shared servers are never touched). Restarting keeps the port, so clients reconnect to the same URL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './real-services.ts';

export interface OwnServer {
  url: string;
  port: number;
  /** Stops it (SIGTERM, or SIGKILL with `kill`) and waits for the exit. */
  stop(opts?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  dispose(): Promise<void>;
}

async function accepting(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`server on port ${port} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function ownServer(
  scheme: string,
  command: string,
  args: (port: number, dir: string) => string[],
): () => Promise<OwnServer> {
  return async () => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), `tm-${scheme}-`));
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    const server: OwnServer = {
      url: `${scheme}://127.0.0.1:${port}`,
      port,
      async start() {
        const c = spawn(command, args(port, dir), { stdio: 'ignore' });
        child = c;
        exited = new Promise((resolve) => c.once('exit', () => resolve()));
        await accepting(port, 10_000);
      },
      async stop(opts = {}) {
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        child.kill(opts.kill ? 'SIGKILL' : 'SIGTERM');
        await exited;
      },
      async dispose() {
        await server.stop({ kill: true });
        rmSync(dir, { recursive: true, force: true });
      },
    };
    await server.start();
    return server;
  };
}

/** nats-server on a free port (no JetStream: the bus needs none). */
export const startOwnNats = ownServer('nats', '/usr/sbin/nats-server', (port) => [
  '-a',
  '127.0.0.1',
  '-p',
  String(port),
]);

/** redis-server on a free port, without persistence unless the test restarts it with its own files. */
export const startOwnRedis = ownServer('redis', '/usr/bin/redis-server', (port, dir) => [
  '--bind',
  '127.0.0.1',
  '--port',
  String(port),
  '--dir',
  dir,
  '--save',
  '',
  '--appendonly',
  'no',
]);
