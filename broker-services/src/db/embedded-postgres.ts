/**
 * The embedded default's PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly) persisted under
 * `DATA_DIR/pg`, served by pglite-socket so that the same `pg` driver, MikroORM and migrations run unchanged.
 * Durability: PGlite runs with fsync off, so a power loss can lose the last commits; a clean stop flushes
 * everything. It is one PostgreSQL session shared by every connection: connections serialise, so the code never
 * holds a transaction open across other I/O, and the pools together never exceed `maxConnections`
 * (`embeddedPoolBudget`): pglite-socket drops a connection over its limit ("Connection terminated unexpectedly").
 *
 * pglite-socket takes any user and password, so by default it listens on a Unix socket in a directory only this
 * process's OS user may enter (mode 0700 under DATA_DIR): no other local user can reach the data.
 * EMBEDDED_PG_PORT opts into a loopback TCP port instead, for psql, with that caveat logged.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer, type PGLiteSocketServerOptions } from '@electric-sql/pglite-socket';
import { ConnectionAffineQueue } from './pglite-protocol-queue.ts';

export const EMBEDDED_MAX_CONNECTIONS = 8;

/** The port number in the socket file's name (`.s.PGSQL.<port>`), as libpq and `pg` build it. */
const SOCKET_PORT = 5432;
/** sun_path holds 108 bytes on Linux (104 on macOS); a longer DATA_DIR gets a private directory under tmp. */
const MAX_SOCKET_PATH = 100;

export interface EmbeddedPostgres {
  url: string;
  /** Where it listens: a Unix socket path, or a loopback TCP address. */
  listening: string;
  stop(): Promise<void>;
}

/** Connections each pool of a process may hold on the embedded database; together within its limit. */
export interface EmbeddedPoolBudget {
  orm: number;
  settlementWorkers: number;
  reconciliation: number;
}

/**
 * Splits the embedded database's connections between the pools of the process: one per settlement worker
 * thread (each holds one), one for reconciliation, the rest for the ORM, which keeps at least two. Settlement
 * threads beyond what fits are refused here rather than dropped by the socket under load.
 */
export function embeddedPoolBudget(
  settlementPoolSize: number,
  maxConnections = EMBEDDED_MAX_CONNECTIONS,
): EmbeddedPoolBudget {
  const reconciliation = 1;
  const settlementWorkers = Math.max(1, Math.min(settlementPoolSize, maxConnections - reconciliation - 2));
  return { orm: maxConnections - reconciliation - settlementWorkers, settlementWorkers, reconciliation };
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  embeddedPgPort: number;
}): Promise<EmbeddedPostgres> {
  const dir = path.join(opts.dataDir, 'pg');
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  if (opts.embeddedPgPort !== 0) {
    const server = socketServer({
      db,
      host: '127.0.0.1',
      port: opts.embeddedPgPort,
      maxConnections: EMBEDDED_MAX_CONNECTIONS,
    });
    await server.start();
    return {
      url: `postgresql://postgres@127.0.0.1:${opts.embeddedPgPort}/postgres`,
      listening: `127.0.0.1:${opts.embeddedPgPort}`,
      async stop() {
        await server.stop();
        await db.close();
      },
    };
  }
  const socketDir = privateSocketDir(opts.dataDir);
  const socketPath = path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`);
  // A socket file left by a process that was killed; two processes never share one PGlite data directory.
  rmSync(socketPath, { force: true });
  const server = socketServer({ db, path: socketPath, maxConnections: EMBEDDED_MAX_CONNECTIONS });
  await server.start();
  chmodSync(socketPath, 0o600);
  return {
    // A host that is a directory is a Unix socket to `pg` and to MikroORM alike.
    url: `postgresql://postgres@${encodeURIComponent(socketDir)}:${SOCKET_PORT}/postgres`,
    listening: socketPath,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * pglite-socket's server with its query queue replaced by one that keeps each connection's protocol exchange
 * whole (./pglite-protocol-queue.ts: its own queue lets two connections' statements cross). The server hands
 * `queryQueue` to each connection's handler as it arrives, so the queue is swapped before it starts; the
 * property is private in its declarations, hence the one cast.
 */
function socketServer(options: PGLiteSocketServerOptions): PGLiteSocketServer {
  const server = new PGLiteSocketServer(options);
  (server as unknown as { queryQueue: ConnectionAffineQueue }).queryQueue = new ConnectionAffineQueue(
    options.db,
  );
  return server;
}

/** A directory for the socket that only this OS user may enter. */
function privateSocketDir(dataDir: string): string {
  const preferred = path.join(dataDir, 'pg-socket');
  const dir =
    path.join(preferred, `.s.PGSQL.${SOCKET_PORT}`).length <= MAX_SOCKET_PATH
      ? preferred
      : mkdtempSync(path.join(tmpdir(), 'tuanmiao-pg-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}
