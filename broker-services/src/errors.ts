/**
 * The server side of the one error registry (`@tuanmiao/contract`): AppError extends Moleculer's error so that
 * the code, status and details survive a hop over the bus, and toErrorBody is the gateway's one way to turn any
 * error into `{"error": {"code", "message", "retryable", "details?"}}`.
 */
import { ERRORS, type ErrorBody, type ErrorCode, errorBody, isErrorCode } from '@tuanmiao/contract/errors';
import { Errors } from 'moleculer';

/** An error with a stable code; `details` reaches the client, so it never carries internals. */
export class AppError extends Errors.MoleculerError {
  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    const def = ERRORS[code];
    super(message ?? def.message, def.status, code, details ?? {});
    this.name = 'AppError';
    this.retryable = def.retryable;
  }
}

/** The client-facing shape of any error: known codes keep theirs, everything else is INTERNAL. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  const e = err as { type?: unknown; message?: unknown; data?: unknown; name?: unknown };
  if (e && isErrorCode(e.type)) {
    const details =
      e.data && typeof e.data === 'object' && Object.keys(e.data).length > 0
        ? (e.data as Record<string, unknown>)
        : undefined;
    return errorBody(e.type, typeof e.message === 'string' ? e.message : undefined, details);
  }
  if (e && e.name === 'ValidationError') {
    // Moleculer adds the node id and the action name to each problem: internals a client never sees.
    const problems = Array.isArray(e.data)
      ? e.data.map((p: { type?: unknown; field?: unknown; message?: unknown }) => ({
          type: p.type,
          field: p.field,
          message: p.message,
        }))
      : [];
    return errorBody('VALIDATION_FAILED', undefined, { problems });
  }
  // The bus could not reach a service (none running, none discovered yet, or it did not answer in time).
  if (
    e &&
    (e.name === 'ServiceNotAvailableError' ||
      e.name === 'ServiceNotFoundError' ||
      e.name === 'RequestTimeoutError')
  ) {
    return errorBody('DEPENDENCY_UNAVAILABLE');
  }
  return errorBody('INTERNAL');
}
