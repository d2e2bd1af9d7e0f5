/**
 * (e) The naive PostgreSQL baseline: a reservation as most first versions write it (one conditional UPDATE of a
 * stock row and one INSERT of the order per request, in a transaction) behind a bare Fastify route
 * (`./servers/naive-pg.ts`), measured closed-loop. The reservation route (d) and the regular checkout (l) are both
 * read against it.
 */
import type pg from 'pg';
import { spawnServer } from './child-server.ts';
import { type HttpFigures, measureHttp } from './http-load.ts';

export async function measureNaivePg(o: {
  /** A client on `databaseUrl`, where the baseline's two tables are created. */
  db: pg.Client;
  databaseUrl: string;
  connections: number;
  durationSeconds: number;
  warmSeconds: number;
  users: number;
  tag: string;
}): Promise<HttpFigures> {
  await o.db.query(
    'create table bench_stock (id int primary key, "left" int not null); ' +
      'create table bench_orders (id bigserial primary key, stock_id int not null, user_id text not null, ' +
      'request_id text not null, created_at timestamptz not null default now())',
  );
  await o.db.query('insert into bench_stock (id, "left") values (1, 100000000)');
  const naive = await spawnServer('naive-pg.ts', { DATABASE_URL: o.databaseUrl });
  try {
    const load = {
      url: naive.url,
      serverPid: naive.pid,
      method: 'POST' as const,
      path: '/api/naive/1/reservations',
      connections: o.connections,
      headers: { 'content-type': 'application/json' },
      next: (i: number) => ({ body: `{"userId":"usr_${i % o.users}","requestId":"naive-${o.tag}-${i}"}` }),
    };
    await measureHttp({ ...load, durationSeconds: o.warmSeconds });
    return await measureHttp({ ...load, durationSeconds: o.durationSeconds, breakdown: true });
  } finally {
    await naive.stop();
  }
}
