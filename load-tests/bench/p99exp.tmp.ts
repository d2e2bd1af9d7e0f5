// Throwaway experiment (not committed): p99 at 80% of peak under platform env variants.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { RedisHotPathStore } from '@tuanmiao/hot-path';
import { startPlatform } from '../../broker-services/test/support/platform.ts';
import { json, openBenchShop } from './bench-shop.ts';
import { benchPlatformEnv } from './checkout-bench.ts';
import { formatFigures, measureHttp } from './http-load.ts';

const extra = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
const tag = randomBytes(4).toString('hex');
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
await admin.connect();
const dbName = `tm_exp_${tag}`;
await admin.query(`create database ${dbName}`);
const adminPassword = randomBytes(12).toString('base64url');
const env = { ...benchPlatformEnv({ databaseUrl: `postgres://postgres@127.0.0.1:5432/${dbName}`, redisUrl: 'redis://127.0.0.1:6379', natsUrl: 'nats://127.0.0.1:4222', tag, adminPassword }), ...extra };
const platform = await startPlatform({ env, timeoutMs: 90_000 });
const store = new RedisHotPathStore({ redisUrl: 'redis://127.0.0.1:6379' });
const ids: string[] = [];
try {
  const base = platform.baseUrl;
  const { call, adminToken, skuId } = await openBenchShop(base, adminPassword, tag);
  const mk = async () => { const c = await json<{ id: string }>(await call('POST', '/api/admin/campaigns', adminToken, { type: 'seckill', title: `x ${tag}`, skuId, priceFen: 100, startsAt: new Date(Date.now() - 1000).toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), stockTotal: 10_000_000, perUserLimit: 100 }), 'c'); ids.push(c.id); return c.id; };
  const [warm, peak, at80a, at80b] = [await mk(), await mk(), await mk(), await mk()];
  const auth: string[] = [];
  for (let i = 0; i < 2000; i += 16) {
    const b = await Promise.all(Array.from({ length: 16 }, async (_, k) => json<{ token: string }>(await call('POST', '/api/auth/dev', undefined, { openid: `x-${tag}-${i + k}` }), 'l')));
    for (const u of b) auth.push(`Bearer ${u.token}`);
  }
  const load = (id: string) => ({ url: base, serverPid: platform.child.pid, method: 'POST' as const, path: `/api/seckill/${id}/reservations`, connections: 128, headers: { 'content-type': 'application/json' }, next: (i: number) => ({ headers: { authorization: auth[i % auth.length] as string }, body: `{"quantity":1,"requestId":"b-${tag}-${id.slice(-6)}-${i}"}` }) });
  const settled = async () => { for (;;) { let u = 0; for (const id of ids) u += (await store.getCampaignCounters(id))?.unsettled ?? 0; if (u === 0) return; await new Promise((r) => setTimeout(r, 100)); } };
  await measureHttp({ ...load(warm), durationSeconds: 3 });
  await settled();
  const pk = await measureHttp({ ...load(peak), durationSeconds: 8 });
  console.log(formatFigures('peak', pk));
  for (const id of [at80a, at80b]) {
    await settled();
    const r = await measureHttp({ ...load(id), durationSeconds: 8, overallRate: Math.round(pk.requestsPerSec * 0.8) });
    console.log(formatFigures('at 80%', r));
    const m = await (await fetch(`${base}/metrics`)).text();
    console.log(m.split('\n').filter((l) => /^(nodejs_eventloop_lag_(max|p99)|nodejs_gc_duration_seconds_(sum|count|bucket))/.test(l)).join('\n'));
  }
} finally {
  await platform.stop();
  for (const id of ids) for (const k of await store.redis.keys(`*{c:${id}}*`)) await store.redis.del(k);
  await store.close();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
