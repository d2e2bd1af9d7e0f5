/**
 * The per-user rate limit of the hot-path routes (reserve, open, join), kept in this gateway process: a fixed
 * one-second window per shopper, counted in a map that is replaced when the second turns over.
 *
 * Why in process and not in Redis: the shared Redis store cost every reservation a second round trip (a fifth of
 * the route's CPU, and as many Redis calls as the reservations themselves), for a limit that guards nothing the
 * reserve script does not already guard atomically (`perUserLimit`, idempotent `requestId`). What this limit is
 * for is shedding a shopper's flood before it costs a Redis call at all, which a local counter does best. The
 * price: with N gateway machines a shopper spread across all of them gets up to N × the limit per second.
 *
 * The workers of one machine (WORKERS) split the limit between them: the kernel hands a shopper's connections
 * to any worker, so each allows `floor(limit / workers)` and the machine never more than the limit.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from '../errors.ts';

/** One worker's share of a per-user limit, so that the workers of a machine together stay within it. */
export function perWorkerLimit(maxPerSecond: number, workers: number): number {
  return Math.max(1, Math.floor(maxPerSecond / workers));
}

/**
 * A preHandler (after `requireShopper`) that answers 429 `RATE_LIMITED` with `Retry-After` past `maxPerSecond`
 * requests of one shopper in the current second. Callback style: no promise per request.
 */
export function limitPerUser(maxPerSecond: number, nowMs: () => number = Date.now) {
  let second = -1;
  let counts = new Map<string, number>();
  return function perUserLimit(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const now = Math.floor(nowMs() / 1000);
    // A fresh map per second: the memory held is the shoppers of one second, with no sweep to run.
    if (now !== second) {
      second = now;
      counts = new Map();
    }
    const userId = req.caller.user?.id ?? req.ip;
    const n = (counts.get(userId) ?? 0) + 1;
    counts.set(userId, n);
    // The gateway's error handler adds `Retry-After: 1`, the end of this window.
    if (n > maxPerSecond) done(new AppError('RATE_LIMITED', 'Too many requests; retry in 1 s'));
    else done();
  };
}
