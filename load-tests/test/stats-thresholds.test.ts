import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  percentile,
  type Sample,
  statusBreakdown,
  summarizeByTag,
  summarizeLatency,
} from '../harness/stats.ts';
import { evaluateThresholds, isUnexpected, type ThresholdSpec } from '../harness/thresholds.ts';

const ms = (n: number, tag = 'reserve', status = 201, code?: string): Sample =>
  code ? { tag, status, code, latencyMs: n } : { tag, status, latencyMs: n };

describe('percentiles and summaries', () => {
  test('nearest-rank percentile', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 90), 90);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile(values, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 99), 0);
    assert.equal(percentile([1, 2, 3], 0), 1);
  });

  test('summary of unsorted latencies', () => {
    const s = summarizeLatency([ms(30), ms(10), ms(20), ms(40.456)]);
    assert.deepEqual(s, { count: 4, p50: 20, p90: 40.46, p99: 40.46, max: 40.46, mean: 25.11 });
  });

  test('status breakdown keys carry the error code', () => {
    const samples = [
      ms(1),
      ms(1),
      ms(1, 'reserve', 409, 'SOLD_OUT'),
      ms(1, 'reserve', 409, 'LIMIT_EXCEEDED'),
      ms(1, 'reserve', 409, 'SOLD_OUT'),
      ms(1, 'reserve', 0, 'NETWORK_ERROR'),
    ];
    assert.deepEqual(statusBreakdown(samples), {
      '0 NETWORK_ERROR': 1,
      '201': 2,
      '409 LIMIT_EXCEEDED': 1,
      '409 SOLD_OUT': 2,
    });
  });

  test('summaries per tag and overall', () => {
    const byTag = summarizeByTag([ms(5, 'list-groups', 200), ms(15, 'join'), ms(25, 'join')]);
    assert.deepEqual(Object.keys(byTag), ['*', 'join', 'list-groups']);
    assert.equal(byTag['*']?.count, 3);
    assert.equal(byTag.join?.p99, 25);
  });
});

describe('thresholds', () => {
  const spec: ThresholdSpec = {
    latencyTag: 'reserve',
    p99Ms: 200,
    maxUnexpectedRate: 0.001,
    expectedCodes: ['SOLD_OUT', 'LIMIT_EXCEEDED', 'RATE_LIMITED'],
  };

  test('expected refusals are answers, other errors are failures', () => {
    assert.equal(isUnexpected(ms(1), spec.expectedCodes), false);
    assert.equal(isUnexpected(ms(1, 'reserve', 409, 'SOLD_OUT'), spec.expectedCodes), false);
    assert.equal(isUnexpected(ms(1, 'reserve', 429, 'RATE_LIMITED'), spec.expectedCodes), false);
    assert.equal(isUnexpected(ms(1, 'reserve', 409, 'NOT_STARTED'), spec.expectedCodes), true);
    assert.equal(isUnexpected(ms(1, 'reserve', 400, 'VALIDATION_FAILED'), spec.expectedCodes), true);
    assert.equal(isUnexpected(ms(1, 'reserve', 500, 'SOLD_OUT'), spec.expectedCodes), true);
    assert.equal(isUnexpected(ms(1, 'reserve', 0, 'NETWORK_ERROR'), spec.expectedCodes), true);
  });

  test('a fast run with only expected refusals passes', () => {
    const samples = [
      ...Array.from({ length: 500 }, (_, i) => ms(5 + (i % 50))),
      ...Array.from({ length: 1500 }, () => ms(8, 'reserve', 409, 'SOLD_OUT')),
    ];
    const [latency, errors] = evaluateThresholds(samples, spec);
    assert.equal(latency?.pass, true);
    assert.equal(latency?.actual, '52 ms'); // 1,500 SOLD_OUT at 8 ms are reservation answers too
    assert.equal(errors?.pass, true);
    assert.equal(errors?.actual, '0.000% (0/2000)');
  });

  test('p99 at or over the limit fails, and so does 0.1% of unexpected errors', () => {
    const slow = [...Array.from({ length: 98 }, () => ms(10)), ms(200), ms(900)];
    assert.equal(evaluateThresholds(slow, spec)[0]?.pass, false);
    const faulty = [...Array.from({ length: 999 }, () => ms(10)), ms(10, 'reserve', 503, 'UNAVAILABLE')];
    const errors = evaluateThresholds(faulty, spec)[1];
    assert.equal(errors?.pass, false);
    assert.equal(errors?.actual, '0.100% (1/1000)');
  });

  test('latency is judged on the tagged requests only, or all with *', () => {
    const samples = [
      ...Array.from({ length: 100 }, () => ms(10)),
      ...Array.from({ length: 100 }, () => ms(999, 'list')),
    ];
    assert.equal(evaluateThresholds(samples, spec)[0]?.pass, true);
    assert.equal(evaluateThresholds(samples, { ...spec, latencyTag: '*' })[0]?.pass, false);
  });

  test('a run without requests fails', () => {
    const results = evaluateThresholds([], spec);
    assert.deepEqual(
      results.map((r) => r.pass),
      [false, false],
    );
  });
});
