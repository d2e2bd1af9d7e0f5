import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { httpRequestsTotal, metricsPlugin, UNMATCHED_ROUTE } from '../src/index.ts';

async function count(labels: { method: string; route: string; status_code: string }): Promise<number> {
  const metric = await httpRequestsTotal.get();
  const hit = metric.values.find(
    (v) =>
      v.labels.method === labels.method &&
      v.labels.route === labels.route &&
      v.labels.status_code === labels.status_code,
  );
  return hit?.value ?? 0;
}

describe('metricsPlugin', () => {
  let app: FastifyInstance;

  before(async () => {
    app = Fastify({ logger: false });
    await app.register(metricsPlugin);
    // Routes in a child context: the hook must still see them.
    await app.register(
      async (child) => {
        child.get('/orders/:id', async (request) => ({ id: (request.params as { id: string }).id }));
        child.post('/orders/:id/cancel', async (_request, reply) =>
          reply.code(409).send({ error: { code: 'ORDER_NOT_CANCELLABLE', message: 'paid' } }),
        );
      },
      { prefix: '/api' },
    );
    await app.ready();
  });

  after(async () => {
    await app.close();
  });

  test('labels requests by route pattern, never by raw URL', async () => {
    const before = await count({ method: 'GET', route: '/api/orders/:id', status_code: '200' });
    for (const id of ['ord_1', 'ord_2', 'ord_3']) {
      const res = await app.inject({ method: 'GET', url: `/api/orders/${id}?x=1` });
      assert.equal(res.statusCode, 200);
    }
    const res = await app.inject({ method: 'POST', url: '/api/orders/ord_9/cancel' });
    assert.equal(res.statusCode, 409);

    assert.equal(await count({ method: 'GET', route: '/api/orders/:id', status_code: '200' }), before + 3);
    assert.equal(await count({ method: 'POST', route: '/api/orders/:id/cancel', status_code: '409' }), 1);
    const metric = await httpRequestsTotal.get();
    assert.ok(metric.values.every((v) => !String(v.labels.route).includes('ord_')));
  });

  test('unknown URLs share one label', async () => {
    await app.inject({ method: 'GET', url: '/wp-login.php' });
    await app.inject({ method: 'GET', url: '/.env' });
    assert.equal(await count({ method: 'GET', route: UNMATCHED_ROUTE, status_code: '404' }), 2);
  });

  test('/metrics serves the text exposition with the recorded durations', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(
      res.body,
      /^tm_http_request_duration_seconds_count\{method="GET",route="\/api\/orders\/:id",status_code="200"\} \d+$/m,
    );
  });
});
