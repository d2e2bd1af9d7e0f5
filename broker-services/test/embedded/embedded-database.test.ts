/**
 * The embedded default's database and first start: it is reachable only through a socket in a directory of
 * this OS user (pglite-socket takes any password); every pool of a process fits in its connection limit at once;
 * the process listens on loopback while dev login or dev payment is on; data/admin-password exists only for a
 * password that was generated, and the start-up message says which.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import {
  EMBEDDED_MAX_CONNECTIONS,
  embeddedPoolBudget,
  startEmbeddedPostgres,
} from '../../src/db/embedded-postgres.ts';
import { adminLogin } from '../support/http.ts';
import { startPlatform } from '../support/platform.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'tuanmiao-embedded-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('embedded database (item 6, item 8)', () => {
  test('listens on a Unix socket only its OS user can reach, not on a TCP port', async () => {
    const dataDir = tempDir();
    const db = await startEmbeddedPostgres({ dataDir, embeddedPgPort: 0 });
    try {
      assert.match(db.listening, /\/\.s\.PGSQL\.5432$/);
      assert.equal(statSync(path.dirname(db.listening)).mode & 0o777, 0o700, 'socket directory is private');
      assert.equal(statSync(db.listening).mode & 0o777, 0o600, 'socket is private');
      assert.doesNotMatch(db.url, /127\.0\.0\.1|localhost/, 'no TCP address');
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      assert.equal((await client.query<{ one: number }>('select 1 as one')).rows[0]?.one, 1);
      await client.end();
    } finally {
      await db.stop();
    }
  });

  test("two connections' statements never cross on the one session, in or out of a transaction", async () => {
    // pglite-socket's own queue ran one protocol message at a time from any connection: B's Parse replaced the
    // unnamed statement between A's Parse and A's Bind, and A ran B's SQL (see src/db/pglite-protocol-queue.ts).
    const db = await startEmbeddedPostgres({ dataDir: tempDir(), embeddedPgPort: 0 });
    const clients = Array.from({ length: 4 }, () => new pg.Client({ connectionString: db.url }));
    try {
      for (const c of clients) await c.connect();
      await clients[0]!.query('create table crossing (client int not null, n int not null)');
      const rounds = 150;
      const problems: string[] = [];
      await Promise.all(
        clients.map(async (c, k) => {
          for (let i = 0; i < rounds; i++) {
            // Each client its own statement shape, so a crossed Bind shows as a wrong row or an error.
            const sql = [
              'select $1::int * 2 as v',
              "select $1::text || '-' || $2::text as v",
              'select $1::int + $2::int + $3::int as v',
              'insert into crossing (client, n) values ($1, $2) returning n as v',
            ][k]!;
            const params = [[i], [`a${i}`, `b${i}`], [i, 1, 2], [k, i]][k]!;
            const want = [i * 2, `a${i}-b${i}`, i + 3, i][k];
            try {
              if (k === 2 && i % 10 === 0) {
                // A transaction of several statements from the same client, between everyone else's.
                await c.query('begin');
                const a = await c.query<{ v: number }>(sql, params);
                const b = await c.query<{ v: number }>('select $1::int as v', [i]);
                await c.query('commit');
                if (a.rows[0]?.v !== want || b.rows[0]?.v !== i) problems.push(`tx ${k}/${i}`);
                continue;
              }
              const got = (await c.query<{ v: unknown }>(sql, params)).rows[0]?.v;
              if (got !== want) problems.push(`client ${k} round ${i}: ${String(got)} for ${String(want)}`);
            } catch (err) {
              problems.push(`client ${k} round ${i}: ${(err as Error).message}`);
            }
          }
        }),
      );
      assert.deepEqual(problems.slice(0, 5), []);
      const written = await clients[0]!.query<{ n: number }>('select count(*)::int as n from crossing');
      assert.equal(written.rows[0]?.n, rounds, 'every insert ran once, none ran as another statement');
    } finally {
      for (const c of clients) await c.end().catch(() => {});
      await db.stop();
    }
  });

  test('every pool of a process (ORM, settlement workers, reconciliation) fits in the connection limit at once', async () => {
    for (let workers = 1; workers <= 16; workers++) {
      const b = embeddedPoolBudget(workers);
      assert.ok(
        b.orm + b.settlementWorkers + b.reconciliation <= EMBEDDED_MAX_CONNECTIONS,
        `${workers} workers`,
      );
      assert.ok(b.orm >= 2 && b.settlementWorkers >= 1 && b.reconciliation >= 1, `${workers} workers`);
    }
    // The default settlement pool (2) used to get 6 ORM connections beside it and reconciliation's one: 9 of 8.
    const b = embeddedPoolBudget(2);
    const dataDir = tempDir();
    const db = await startEmbeddedPostgres({ dataDir, embeddedPgPort: 0 });
    const clients: pg.Client[] = [];
    try {
      for (let i = 0; i < b.orm + b.settlementWorkers + b.reconciliation; i++) {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        clients.push(c);
      }
      const answers = await Promise.all(clients.map((c) => c.query('select 1')));
      assert.equal(answers.length, clients.length, 'all held at once, each answers');
      // One more than the limit is dropped by the socket: the failure reconciliation met under load.
      const extra = new pg.Client({ connectionString: db.url });
      extra.on('error', () => {});
      const refused = await extra
        .connect()
        .then(() => extra.query('select 1'))
        .then(
          () => false,
          () => true,
        );
      await extra.end().catch(() => {});
      assert.equal(refused, clients.length >= EMBEDDED_MAX_CONNECTIONS, 'the limit is real');
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
      await db.stop();
    }
  });

  test('listens on 127.0.0.1 by default while dev login or dev payment is on, on all interfaces otherwise', () => {
    assert.equal(loadConfig({}).host, '127.0.0.1', 'embedded default: dev login and dev payment');
    const production = {
      DATABASE_URL: 'postgresql://app@db/tuanmiao',
      REDIS_URL: 'redis://cache:6379',
      NATS_URL: 'nats://bus:4222',
      JWT_SECRET: 'x'.repeat(40),
    };
    assert.equal(loadConfig({ ...production, SERVICES: 'gateway' }).host, '0.0.0.0');
    assert.equal(loadConfig({ ...production, SERVICES: 'gateway', DEV_LOGIN: '1' }).host, '127.0.0.1');
    assert.equal(
      loadConfig({ ...production, SERVICES: 'gateway', PAYMENT_PROVIDER: 'dev' }).host,
      '127.0.0.1',
    );
    assert.equal(loadConfig({ HOST: '0.0.0.0' }).host, '0.0.0.0', 'HOST still decides');
    assert.deepEqual(loadConfig({}).trustProxy, [], 'no proxy is trusted by default');
  });
});

describe('the first admin password (item 6), and the platform as shipped (items 2, 5)', () => {
  test('ADMIN_PASSWORD given: no data/admin-password, and the start-up message says the password is the one set', async () => {
    const dataDir = tempDir();
    const platform = await startPlatform({
      dataDir,
      env: { ADMIN_PASSWORD: 'chosen-password-1' },
      timeoutMs: 180_000,
    });
    try {
      assert.equal(existsSync(path.join(dataDir, 'admin-password')), false);
      assert.match(platform.output(), /admin user: admin, with the password ADMIN_PASSWORD set/);
      assert.doesNotMatch(platform.output(), /chosen-password-1/, 'a chosen password is never printed');
      assert.ok(await adminLogin(platform.baseUrl, 'admin', 'chosen-password-1'));
      // Issue 14 item 2, as shipped (no TRUST_PROXY): forged forwarded addresses buy no fresh login allowance
      // (10 a minute per address; the sign-in above was one): trusting them gave 11 × 401 and no 429.
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${platform.baseUrl}/api/admin/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i + 1}` },
          // A username of its own each time, so that the per-username lockout (5 failures) stays out of it.
          body: JSON.stringify({ username: `nobody-${i}`, password: 'wrong-password' }),
        });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [...Array(9).fill(401), 429]);
      // Item 5: a client cannot claim TLS to get HSTS; only a trusted proxy can (hardening.test.ts).
      const claimed = await fetch(`${platform.baseUrl}/api/time`, {
        headers: { 'x-forwarded-proto': 'https' },
      });
      assert.equal(claimed.headers.get('strict-transport-security'), null);
    } finally {
      await platform.stop({ keepData: true });
    }
  });

  test('generated: written and said so; after a password change the file is reported out of date', async () => {
    const dataDir = tempDir();
    const first = await startPlatform({ dataDir, timeoutMs: 180_000 });
    let password: string;
    try {
      assert.match(
        first.output(),
        /admin login: admin \/ \S+ {2}\(generated now, kept in .*admin-password\)/,
      );
      password = first.adminPassword;
      assert.ok(existsSync(path.join(dataDir, 'admin-password')));
      const token = await adminLogin(first.baseUrl, 'admin', password);
      const me = await fetch(`${first.baseUrl}/api/admin/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const { admin } = (await me.json()) as { admin: { id: string } };
      const changed = await fetch(`${first.baseUrl}/api/admin/admins/${admin.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ password: 'a-new-owner-password' }),
      });
      assert.equal(changed.status, 200);
    } finally {
      await first.stop();
    }
    const second = await startPlatform({ dataDir, timeoutMs: 180_000 });
    try {
      assert.match(
        second.output(),
        /its password was changed since it was generated, so .*admin-password is out of date/,
      );
      assert.doesNotMatch(second.output(), new RegExp(password));
    } finally {
      await second.stop();
    }
  });
});
