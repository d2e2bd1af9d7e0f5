import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayClient } from '../harness/client.ts';
import { mapConcurrent, plannedArrivals, rampThenHold, runArrivals } from '../harness/runner.ts';

describe('arrival schedule', () => {
  test('ramp then hold integrates to the planned number of arrivals', () => {
    const stages = rampThenHold(20_000, 400);
    assert.deepEqual(stages, [
      { durationMs: 5000, target: 400 },
      { durationMs: 15_000, target: 400 },
    ]);
    assert.equal(plannedArrivals(stages, 0, 0), 0);
    assert.equal(plannedArrivals(stages, 0, 5000), 1000); // half of 400/s over 5 s
    assert.equal(plannedArrivals(stages, 0, 2500), 250);
    assert.equal(plannedArrivals(stages, 0, 20_000), 7000);
    assert.equal(plannedArrivals(stages, 0, 99_000), 7000);
  });

  test('the loop starts the planned iterations, no more than the cap, and drops past max in flight', async () => {
    const stages = [{ durationMs: 300, target: 200 }];
    const planned = Math.floor(plannedArrivals(stages, 200, 300));
    assert.equal(planned, 60);
    const seen: number[] = [];
    const result = await runArrivals({
      stages,
      startRate: 200,
      maxInFlight: 1000,
      maxIterations: 1000,
      drainTimeoutMs: 1000,
      iteration: async (i) => {
        seen.push(i);
      },
    });
    assert.equal(result.started, planned);
    assert.equal(result.dropped, 0);
    assert.deepEqual(
      seen,
      Array.from({ length: planned }, (_, i) => i),
    );

    const capped = await runArrivals({
      stages,
      startRate: 200,
      maxInFlight: 1000,
      maxIterations: 10,
      drainTimeoutMs: 1000,
      iteration: async () => {},
    });
    assert.equal(capped.started, 10);
    assert.equal(capped.started + capped.dropped, planned);

    // Iterations that never finish: in flight stays at 5, later arrivals are dropped, the drain gives up.
    const stuck = await runArrivals({
      stages,
      startRate: 200,
      maxInFlight: 5,
      maxIterations: 1000,
      drainTimeoutMs: 20,
      iteration: () => new Promise<void>(() => {}),
    });
    assert.equal(stuck.started, 5);
    assert.equal(stuck.dropped, planned - 5);
    assert.equal(stuck.abandoned, 5);
  });

  test('mapConcurrent keeps order and bounds concurrency', async () => {
    let running = 0;
    let most = 0;
    const out = await mapConcurrent([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return n * 10;
    });
    assert.deepEqual(out, [10, 20, 30, 40, 50, 60, 70]);
    assert.equal(most, 3);
  });
});

describe('gateway client', () => {
  test('a refused connection is an answer with status 0, not an exception', async () => {
    const client = new GatewayClient('http://127.0.0.1:9', 1);
    try {
      const answer = await client.send({ method: 'GET', path: '/healthz' });
      assert.equal(answer.status, 0);
      assert.equal(answer.code, 'NETWORK_ERROR');
      await assert.rejects(
        client.must({ method: 'GET', path: '/healthz' }, 'health'),
        /health: GET \/healthz answered 0/,
      );
    } finally {
      await client.close();
    }
  });
});
