/**
 * The embedded default's PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly) persisted under
 * `DATA_DIR/pg`, served on 127.0.0.1 by pglite-socket so that the same `pg` driver, MikroORM and migrations
 * run unchanged. Durability: PGlite runs with fsync off, so a power loss can lose the last commits; a clean
 * stop flushes everything. It is one PostgreSQL session shared by every connection: connections serialise,
 * so the code never holds a transaction open across other I/O, and the pool never exceeds `maxConnections`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export const EMBEDDED_MAX_CONNECTIONS = 8;

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  embeddedPgPort: number;
}): Promise<EmbeddedPostgres> {
  const dir = path.join(opts.dataDir, 'pg');
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: opts.embeddedPgPort,
    maxConnections: EMBEDDED_MAX_CONNECTIONS,
  });
  await server.start();
  const port = await listeningPort(server, opts.embeddedPgPort);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

async function listeningPort(server: PGLiteSocketServer, requested: number): Promise<number> {
  if (requested !== 0) return requested;
  const internal = server as unknown as { server?: { address(): unknown } };
  const addr = internal.server?.address();
  if (addr && typeof addr === 'object' && 'port' in addr && typeof addr.port === 'number') return addr.port;
  throw new Error('embedded PostgreSQL did not report its port');
}
