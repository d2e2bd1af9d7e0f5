/**
 * The benchmark end to end with tiny counts: every measurement runs against real PostgreSQL, Redis, NATS and a
 * platform process, the report is written, and it has every figure and ratio (the numbers are not judged).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { type BenchReport, runBench } from '../bench/run-bench.ts';

const reportDir = mkdtempSync(path.join(tmpdir(), 'tm-bench-'));
after(() => rmSync(reportDir, { recursive: true, force: true }));

function assertHttpFigures(name: string, f: unknown): void {
  const figures = f as Record<string, unknown>;
  for (const key of ['requests', 'requestsPerSec', 'okPerSec', 'p50Ms', 'p99Ms', 'durationSeconds']) {
    assert.equal(typeof figures[key], 'number', `${name}.${key}`);
  }
  assert.ok((figures.requests as number) > 0, `${name} got answers`);
  assert.equal(typeof figures.statusCounts, 'object', `${name}.statusCounts`);
}

test('npm run bench with tiny counts writes a complete report', async () => {
  const lines: string[] = [];
  const report = await runBench({
    durationSeconds: 1,
    connections: 4,
    users: 60,
    hotPathOperations: 300,
    joins: 100,
    settlementBurst: 300,
    searchProducts: 2000,
    settleTimeoutSeconds: 60,
    reportDir,
    log: (line) => lines.push(line),
  });
  const files = readdirSync(reportDir).filter((f) => /^bench-.*\.json$/.test(f));
  assert.equal(files.length, 1);
  const written = JSON.parse(readFileSync(path.join(reportDir, files[0] as string), 'utf8')) as BenchReport;
  assert.deepEqual(written, JSON.parse(JSON.stringify(report)));

  for (const [name, f] of Object.entries(written.http)) assertHttpFigures(name, f);
  // Reservations through the gateway and the naive baseline succeed (large stock, high limits).
  assert.ok((written.http.gatewayReserve.statusCounts['201'] ?? 0) > 0);
  assert.ok((written.http.naivePg.statusCounts['201'] ?? 0) > 0);
  // Regular checkouts of two SKUs each are placed (large stock, every shopper with an address).
  assert.ok((written.http.checkout.statusCounts['201'] ?? 0) > 0);
  assert.equal(written.http.checkout.statusCounts['201'], written.http.checkout.requests);
  assert.equal(typeof written.ratios.checkoutToNaivePg.value, 'number');
  assert.equal(written.http.checkoutHotProduct.statusCounts['201'], written.http.checkoutHotProduct.requests);
  assert.equal(written.search.products, 2000);
  assert.ok(written.search.indexed.meanHits > 0, 'the search queries find products');
  assert.equal(written.http.gatewayJoin.statusCounts['201'], 100, 'every join took a free slot');
  assert.equal(typeof written.http.gatewayReserveAt80.offeredRate, 'number');
  // The reference route reserved on its own campaign; the gateway's peak says where the machine's CPU went.
  assert.ok((written.http.reference.statusCounts['201'] ?? 0) > 0);
  const parts = written.http.gatewayReserve.cpuPerAnswer ?? {};
  for (const part of ['server', 'generator', 'machineBusy', 'machineIdle']) {
    assert.equal(typeof parts[part], 'number', `gateway CPU per answer has ${part}`);
  }

  assert.equal(typeof written.hotPath.rawReserveEvalshaOpsPerSec, 'number');
  assert.deepEqual(
    written.hotPath.storeReserve.map((s) => s.concurrency),
    [64, 128, 256],
  );
  assert.equal(typeof written.hotPath.rawJoinEvalshaOpsPerSec, 'number');
  // (i) the acknowledgements: each measured in the same run, with its ratio to the default.
  for (const k of ['primary', 'waitReplica', 'aofAlways'] as const)
    assert.ok(written.ack[k].opsPerSec > 0, k);
  assert.equal(typeof written.ratios.ackWaitReplicaToPrimary.value, 'number');

  assert.equal(written.settlement.reservations, 300);
  assert.equal(written.settlement.ordersPresent, 300, 'every burst reservation became an order');
  assert.equal(typeof written.settlement.drainSecondsAfterBurst, 'number');

  for (const name of [
    'hotPathToRawEvalsha',
    'gatewayToBareFastify',
    'gatewayToNaivePg',
    'referenceToBareFastify',
    'gatewayToReference',
  ] as const) {
    const r = written.ratios[name];
    assert.equal(typeof r.value, 'number', name);
    assert.equal(typeof r.target, 'number', name);
    assert.equal(r.met, r.value >= r.target, name);
  }
  assert.equal(written.machine.cpus > 0, true);
  assert.match(written.generator, /same machine/);
  assert.ok(lines.some((l) => l.startsWith('ratio gatewayToBareFastify')));
});
