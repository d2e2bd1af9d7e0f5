/**
 * How fast a services process that comes back drains the expiry backlog: N unpaid orders whose payment time ran
 * out while no sweeper ran (production mode on the local PostgreSQL, Redis and NATS). Makes N reservations with
 * the sweep held off, lets them settle and expire, restarts the platform with the usual 1 s sweep, and times
 * until every order is cancelled and its stock is back. `root` runs another checkout's platform (a before/after
 * comparison); the default is this one.
 *
 *   node load-tests/bench/expiry-drain.ts [orders=2000] [root]
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adminLogin, api, devLogin } from '../../broker-services/test/support/http.ts';
import {
  createLiveSeckill,
  createTestDeployment,
  liveFigures,
} from '../../broker-services/test/support/real-services.ts';

const orders = Number(process.argv[2] ?? 2000);
const root = path.resolve(process.argv[3] ?? path.join(import.meta.dirname, '../..'));
const PER_USER = 10;

interface Running {
  baseUrl: string;
  child: ChildProcess;
  exited: Promise<void>;
}

async function start(env: Record<string, string>): Promise<Running> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tm-drain-'));
  const child = spawn(process.execPath, [path.join(root, 'broker-services/src/main.ts')], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      rmSync(dataDir, { recursive: true, force: true });
      resolve();
    }),
  );
  const deadline = Date.now() + 300_000;
  for (;;) {
    const url = /gateway {2}(http:\/\/\S+)/.exec(out)?.[1];
    if (url) return { baseUrl: url, child, exited };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`platform did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(p: Running): Promise<void> {
  p.child.kill('SIGTERM');
  await p.exited;
}

const dep = await createTestDeployment();
try {
  const env = {
    ...dep.env,
    ALLOW_SHORT_TTL: '1',
    PAYMENT_TTL_SECONDS: '5',
    RATE_LIMIT_PER_USER_PER_SECOND: '1000',
  };
  let platform = await start({ ...env, SWEEP_INTERVAL_MS: '3600000' });
  const admin = await adminLogin(platform.baseUrl, 'admin', dep.adminPassword);
  const campaignId = await createLiveSeckill(platform.baseUrl, admin, {
    stockTotal: orders,
    perUserLimit: PER_USER,
  });
  const users = await Promise.all(
    Array.from({ length: Math.ceil(orders / PER_USER) }, (_, i) =>
      devLogin(platform.baseUrl, `drain-${i}-${dep.tag}`),
    ),
  );
  let made = 0;
  await Promise.all(
    users.map(async (u, i) => {
      for (let k = 0; k < PER_USER && i * PER_USER + k < orders; k++) {
        const r = await api(platform.baseUrl, 'POST', `/api/seckill/${campaignId}/reservations`, {
          token: u.token,
          body: { quantity: 1, requestId: `drain-${i}-${k}` },
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        made++;
      }
    }),
  );
  const count = async (status: string) =>
    Number(
      (
        await dep.sql.query<{ n: string }>(
          'select count(*) n from orders where campaign_id = $1 and status = $2',
          [campaignId, status],
        )
      ).rows[0]!.n,
    );
  while ((await count('pending_payment')) < made) await new Promise((r) => setTimeout(r, 200));
  await stop(platform);
  await new Promise((r) => setTimeout(r, 6_000));

  platform = await start({ ...env, SWEEP_INTERVAL_MS: '1000' });
  const token = await adminLogin(platform.baseUrl, 'admin', dep.adminPassword);
  const started = performance.now();
  let firstAt = 0;
  // Drained: every order cancelled and every unit back in the hot path's stock.
  for (;;) {
    const cancelled = await count('cancelled');
    if (cancelled > 0 && firstAt === 0) firstAt = performance.now();
    if (cancelled === made && (await liveFigures(platform.baseUrl, token, campaignId)).stockLeft === orders)
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const done = performance.now();
  await stop(platform);
  const drainS = (done - firstAt) / 1000;
  console.log(
    JSON.stringify({
      root,
      orders: made,
      firstCancelAfterReadyS: Number(((firstAt - started) / 1000).toFixed(2)),
      drainS: Number(drainS.toFixed(2)),
      ordersPerSecond: Math.round(made / Math.max(drainS, 0.001)),
      allCancelledAfterReadyS: Number(((done - started) / 1000).toFixed(2)),
    }),
  );
} finally {
  await dep.dispose();
}
