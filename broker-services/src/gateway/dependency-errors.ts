/**
 * Errors that mean a dependency did not answer (Redis, PostgreSQL, the bus's transport), as opposed to a fault
 * in our code: the client sees 503 DEPENDENCY_UNAVAILABLE with Retry-After, never 500 INTERNAL.
 */
import { type ErrorBody, errorBody } from '@tuanmiao/contract/errors';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTCONN',
]);
// ioredis: a command given up after its reconnect attempts, or sent on a closed or unwritable connection.
const REDIS_MESSAGES = /^(Connection is closed|Stream isn't writeable|Reached the max retries per request)/;
// node-postgres: the connection was lost or could not be made in time.
const PG_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect)/;

/** Whether an error says a dependency is unreachable rather than that a request or our code is wrong. */
export function isDependencyFailure(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return REDIS_MESSAGES.test(message) || PG_MESSAGES.test(message);
}

/** The answer to a request whose dependency is down (the error handler adds `Retry-After: 1`). */
export function dependencyUnavailable(): { status: number; body: ErrorBody } {
  return errorBody('DEPENDENCY_UNAVAILABLE');
}
