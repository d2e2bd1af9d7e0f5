/**
 * The harness end to end against a real platform (the embedded default, started as `npm start`): a small
 * seckill spike, then the correctness check through the admin API must pass. Latency is not judged here.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type StartedPlatform, startPlatform } from '../../broker-services/test/support/platform.ts';
import { runScenario } from '../harness/index.ts';

let platform: StartedPlatform;

before(async () => {
  platform = await startPlatform();
});
after(async () => {
  await platform?.stop();
});

test('seckill-spike on a live platform: stock conserved, settled, no oversell, limit held', async () => {
  const report = await runScenario('seckill-spike', {
    baseUrl: platform.baseUrl,
    adminUsername: platform.adminUsername,
    adminPassword: platform.adminPassword,
    durationMs: 4000,
    rate: 150,
    users: 200,
    stock: 50,
    settleTimeoutMs: 30_000,
    reportDir: '',
  });
  assert.ok(report.correctness.length >= 6, 'every correctness check ran');
  for (const check of report.correctness) assert.equal(check.pass, true, `${check.name}: ${check.detail}`);
  assert.equal(report.load.abandonedIterations, 0);
  assert.ok(report.live, 'live numbers were read');
  assert.equal(report.live.stockTotal, 50);
  // More shoppers than stock: every unit went, and the rest were told SOLD_OUT.
  assert.equal(report.live.stockLeft, 0);
  assert.equal(report.live.ordersPending + report.live.ordersPaid, 50);
  const byCode = report.statusBreakdown;
  assert.equal(byCode['201'], 50);
  assert.ok((byCode['409 SOLD_OUT'] ?? 0) > 0);
});
