/**
 * The gateway's request logger makes its pino child on the first line its level lets through, and that line is
 * the one Fastify's own per-request child would have written: same bindings (the request id), same level rules.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import pino from 'pino';
import { lazyRequestLogger } from '../../src/gateway/request-logger.ts';

/** A pino logger at `level` that keeps its lines, parsed, without their time. */
function capturing(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level, timestamp: false, base: undefined },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}

describe('lazy request logger', () => {
  test('below the level nothing is written; at the level the line matches a pino child’s', () => {
    const lazy = capturing('warn');
    const eager = capturing('warn');
    const bindings = { reqId: 'req-1' };
    const log = lazyRequestLogger(lazy.logger, bindings, {});
    const child = eager.logger.child(bindings, {});
    for (const l of [log, child]) {
      l.info('incoming request');
      l.debug({ a: 1 }, 'detail');
      l.trace('trace');
      l.warn({ orderId: 'ord_1' }, 'slow: %d ms', 12);
      l.error({ err: new Error('boom') }, 'request failed');
      l.fatal('down');
    }
    assert.equal(lazy.lines.length, 3);
    assert.deepEqual(lazy.lines, eager.lines);
    assert.equal(lazy.lines[0]?.reqId, 'req-1');
    assert.equal(lazy.lines[0]?.msg, 'slow: 12 ms');
    assert.equal((lazy.lines[1]?.err as { message?: string } | undefined)?.message, 'boom');
  });

  test('the level is the parent’s until set; setting it applies to the request only', () => {
    const { logger, lines } = capturing('info');
    const log = lazyRequestLogger(logger, { reqId: 'req-2' }, {});
    assert.equal(log.level, 'info');
    log.info('kept');
    log.debug('dropped');
    log.level = 'debug';
    assert.equal(log.level, 'debug');
    assert.equal(logger.level, 'info');
    log.debug('kept too');
    assert.deepEqual(
      lines.map((l) => [l.msg, l.reqId]),
      [
        ['kept', 'req-2'],
        ['kept too', 'req-2'],
      ],
    );
  });

  test('a child of it carries the request’s bindings and its own', () => {
    const { logger, lines } = capturing('warn');
    const log = lazyRequestLogger(logger, { reqId: 'req-3' }, {});
    log.child({ step: 'pay' }).warn('retrying');
    assert.deepEqual(lines, [{ level: 40, reqId: 'req-3', step: 'pay', msg: 'retrying' }]);
  });

  test('silent level writes nothing; a route’s own level is applied from the first line', () => {
    const quiet = capturing('silent');
    const log = lazyRequestLogger(quiet.logger, { reqId: 'req-4' }, {});
    log.fatal('nothing');
    log.silent('nothing');
    assert.deepEqual(quiet.lines, []);
    const loud = capturing('warn');
    const routeLog = lazyRequestLogger(loud.logger, { reqId: 'req-5' }, { level: 'debug' });
    assert.equal(routeLog.level, 'debug');
    routeLog.debug('route detail');
    assert.deepEqual(loud.lines, [{ level: 20, reqId: 'req-5', msg: 'route detail' }]);
  });

  test('in Fastify: a failed request is logged with its request id, a fine one logs nothing', async () => {
    const { logger, lines } = capturing('warn');
    const app = Fastify({ loggerInstance: logger, childLoggerFactory: lazyRequestLogger });
    app.get('/fine', async () => ({ ok: true }));
    app.get('/broken', async (req) => {
      req.log.error({ route: 'broken' }, 'request failed');
      throw new Error('boom');
    });
    try {
      assert.equal((await app.inject({ url: '/fine', headers: { 'x-request-id': 'abc' } })).statusCode, 200);
      assert.equal(lines.length, 0, 'a fine request logs nothing at warn');
      const res = await app.inject({ url: '/broken' });
      assert.equal(res.statusCode, 500);
      const ours = lines.find((l) => l.msg === 'request failed');
      assert.equal(ours?.route, 'broken');
      assert.equal(typeof ours?.reqId, 'string');
      // Fastify's own line for the 500 goes through the same child, with the same request id.
      const fastifys = lines.find((l) => l.msg === 'boom');
      assert.equal(fastifys?.reqId, ours?.reqId);
    } finally {
      await app.close();
    }
  });
});
