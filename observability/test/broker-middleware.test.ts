import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Errors, ServiceBroker } from 'moleculer';
import { brokerActionCallsTotal, brokerActionDuration, createBrokerMetricsMiddleware } from '../src/index.ts';

async function calls(action: string, outcome: string): Promise<number> {
  const metric = await brokerActionCallsTotal.get();
  return metric.values.find((v) => v.labels.action === action && v.labels.outcome === outcome)?.value ?? 0;
}

describe('createBrokerMetricsMiddleware', () => {
  let broker: ServiceBroker;

  before(async () => {
    broker = new ServiceBroker({ logger: false, middlewares: [createBrokerMetricsMiddleware()] });
    broker.createService({
      name: 'probe',
      actions: {
        echo: {
          params: { word: 'string' },
          handler(ctx) {
            return { word: (ctx.params as { word: string }).word };
          },
        },
        soldOut() {
          throw new Errors.MoleculerClientError('Sold out', 409, 'SOLD_OUT');
        },
        async broken() {
          throw new Error('connection reset');
        },
      },
    });
    await broker.start();
  });

  after(async () => {
    await broker.stop();
  });

  test('counts a successful call and times it', async () => {
    assert.deepEqual(await broker.call('probe.echo', { word: 'hi' }), { word: 'hi' });
    assert.deepEqual(await broker.call('probe.echo', { word: 'yo' }), { word: 'yo' });
    assert.equal(await calls('probe.echo', 'ok'), 2);
    const duration = await brokerActionDuration.get();
    const countSample = duration.values.find(
      (v) => v.metricName === 'tm_broker_action_duration_seconds_count' && v.labels.action === 'probe.echo',
    );
    assert.equal(countSample?.value, 2);
  });

  test('a business refusal counts as refused, a fault as error, and both still reach the caller', async () => {
    await assert.rejects(broker.call('probe.soldOut'), (err: unknown) => {
      assert.ok(err instanceof Errors.MoleculerClientError);
      assert.equal(err.type, 'SOLD_OUT');
      return true;
    });
    await assert.rejects(broker.call('probe.broken'), /connection reset/);
    assert.equal(await calls('probe.soldOut', 'refused'), 1);
    assert.equal(await calls('probe.soldOut', 'error'), 0);
    assert.equal(await calls('probe.broken', 'error'), 1);
  });
});
