/**
 * How long a gateway takes to notice a services process killed outright (`kill -9`, no goodbye on the bus),
 * and how long a bus call made just after the kill waits for its answer. Production mode on the local
 * PostgreSQL, Redis and NATS; one gateway process, the services process killed and restarted `runs` times.
 * `root` runs another checkout's platform (a before/after comparison); the default is this one.
 *
 *   node load-tests/bench/dead-node.ts [runs=3] [root]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDeployment } from '../../broker-services/test/support/real-services.ts';

const runs = Number(process.argv[2] ?? 3);
const root = path.resolve(process.argv[3] ?? path.join(import.meta.dirname, '../..'));
const SERVICES = 'users,catalog,campaigns,orders,groups,payments,admin';

interface Running {
  child: ChildProcess;
  output(): string;
  exited: Promise<void>;
}

async function start(env: Record<string, string>, ready: RegExp): Promise<Running> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tm-dead-'));
  const child = spawn(process.execPath, [path.join(root, 'broker-services/src/main.ts')], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, METRICS_PORT: '0', ...env },
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
  while (!ready.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, exited };
}

const dep = await createTestDeployment();
let gateway: Running | undefined;
try {
  const results: { noticedAfterS: number; callAnsweredAfterS: number; callStatus: number }[] = [];
  for (let run = 0; run < runs; run++) {
    const services = await start(
      { ...dep.env, SERVICES, NODE_ID: `${dep.tag}-services-${run}`, LOG_LEVEL: 'error' },
      /production mode: services /,
    );
    gateway ??= await start(
      {
        ...dep.env,
        SERVICES: 'gateway',
        NODE_ID: `${dep.tag}-gateway`,
        MIGRATE_ON_START: '0',
        LOG_LEVEL: 'warn',
      },
      /gateway {2}http:\/\/\S+/,
    );
    const base = /gateway {2}(http:\/\/\S+)/.exec(gateway.output())![1]!;
    // The gateway has found this services process once a bus route answers.
    for (;;) {
      const res = await fetch(`${base}/api/campaigns`).catch(() => undefined);
      if (res?.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seen = gateway.output().length;
    services.child.kill('SIGKILL');
    const killedAt = performance.now();
    await services.exited;
    const call = fetch(`${base}/api/campaigns`, { signal: AbortSignal.timeout(30_000) }).then(
      (r) => ({ status: r.status, at: performance.now() }),
      () => ({ status: 0, at: performance.now() }),
    );
    while (!/Heartbeat is not received/.test(gateway.output().slice(seen))) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const noticedAt = performance.now();
    const answered = await call;
    results.push({
      noticedAfterS: Number(((noticedAt - killedAt) / 1000).toFixed(2)),
      callAnsweredAfterS: Number(((answered.at - killedAt) / 1000).toFixed(2)),
      callStatus: answered.status,
    });
  }
  console.log(JSON.stringify({ root, results }));
} finally {
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  await dep.dispose();
}
