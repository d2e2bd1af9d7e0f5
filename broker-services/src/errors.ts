/**
 * The one error registry: every error a client can see has a stable code (those of shared/API.md first), an
 * HTTP status and whether retrying the same call can succeed. AppError extends Moleculer's error so that the
 * code, status and details survive a hop over the bus; the gateway's one handler turns it into
 * `{"error": {"code", "message", "details?"}}`.
 */
import { Errors } from 'moleculer';

export const ERRORS = {
  VALIDATION_FAILED: { status: 400, retryable: false, message: 'The request is not valid' },
  UNAUTHORIZED: { status: 401, retryable: false, message: 'Sign in first' },
  INVALID_CREDENTIALS: { status: 401, retryable: false, message: 'Wrong username or password' },
  FORBIDDEN: { status: 403, retryable: false, message: 'Your role may not do this' },
  NOT_FOUND: { status: 404, retryable: false, message: 'Not found' },
  RATE_LIMITED: { status: 429, retryable: true, message: 'Too many requests, slow down' },
  QUEUED: { status: 429, retryable: true, message: 'You are in the waiting room' },
  SOLD_OUT: { status: 409, retryable: false, message: 'Sold out' },
  LIMIT_EXCEEDED: { status: 409, retryable: false, message: 'Over the per-user limit of this campaign' },
  NOT_STARTED: { status: 409, retryable: false, message: 'The campaign has not started yet' },
  ENDED: { status: 409, retryable: false, message: 'The campaign has ended' },
  CAMPAIGN_STOPPED: { status: 409, retryable: false, message: 'The campaign was stopped' },
  RESERVATIONS_PAUSED: { status: 409, retryable: true, message: 'Reservations are paused for this campaign' },
  ADMISSION_REQUIRED: { status: 409, retryable: false, message: 'A valid admission token is required' },
  WRONG_CAMPAIGN_TYPE: { status: 409, retryable: false, message: 'This campaign is of another type' },
  GROUP_FULL: { status: 409, retryable: false, message: 'The group is full' },
  GROUP_CLOSED: { status: 409, retryable: false, message: 'The group is no longer open' },
  ALREADY_MEMBER: { status: 409, retryable: false, message: 'You are already in this group' },
  ORDER_NOT_PAYABLE: { status: 409, retryable: false, message: 'The order cannot be paid in its state' },
  ORDER_EXPIRED: { status: 409, retryable: false, message: 'The order expired before payment' },
  INVALID_TRANSITION: { status: 409, retryable: false, message: 'Not allowed in the current state' },
  CONFLICT: { status: 409, retryable: false, message: 'Conflicts with an existing record' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    retryable: false,
    message: 'This requestId was already used for a different request',
  },
  PAYMENT_SIGNATURE_INVALID: { status: 401, retryable: false, message: 'Notification signature is invalid' },
  PAYMENT_TIMESTAMP_STALE: { status: 401, retryable: false, message: 'Notification timestamp is too old' },
  PAYMENT_NOTIFICATION_MALFORMED: { status: 400, retryable: false, message: 'Notification cannot be read' },
  PAYMENT_AMOUNT_MISMATCH: { status: 400, retryable: false, message: 'Paid amount differs from the order' },
  PAYMENT_PROVIDER_ERROR: { status: 502, retryable: true, message: 'The payment provider failed' },
  WECHAT_CODE_INVALID: { status: 400, retryable: false, message: 'The WeChat login code is invalid or used' },
  WECHAT_RATE_LIMITED: { status: 503, retryable: true, message: 'WeChat is rate limiting logins' },
  WECHAT_UNAVAILABLE: { status: 503, retryable: true, message: 'WeChat is unavailable' },
  WECHAT_LOGIN_FAILED: { status: 502, retryable: false, message: 'WeChat refused the login' },
  CATEGORY_TOO_DEEP: { status: 409, retryable: false, message: 'Categories have two levels at most' },
  ADDRESS_REQUIRED: { status: 409, retryable: false, message: 'Choose a delivery address first' },
  ADDRESS_LIMIT: { status: 409, retryable: false, message: 'The address book is full' },
  CART_FULL: { status: 409, retryable: false, message: 'The cart is full' },
  COUPON_NOT_SUPPORTED: { status: 400, retryable: false, message: 'Coupons cannot be used at checkout yet' },
  CARRIER_SIGNATURE_INVALID: { status: 401, retryable: false, message: 'The push signature is invalid' },
  CARRIER_PUSH_STALE: { status: 401, retryable: false, message: 'The push timestamp is too old' },
  POINTS_NOT_SUPPORTED: { status: 400, retryable: false, message: 'Points cannot be used at checkout yet' },
  DEPENDENCY_UNAVAILABLE: { status: 503, retryable: true, message: 'A dependency is unavailable' },
  INTERNAL: { status: 500, retryable: true, message: 'Internal error' },
} as const satisfies Record<string, { status: number; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}

/** Codes that are business answers, not failures: never retried, never trip a circuit breaker. */
export function isBusinessRefusal(code: unknown): boolean {
  return isErrorCode(code) && ERRORS[code].status < 500 && code !== 'RATE_LIMITED';
}

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
export function toErrorBody(err: unknown): {
  status: number;
  body: { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };
} {
  const e = err as { type?: unknown; message?: unknown; data?: unknown; code?: unknown };
  if (e && isErrorCode(e.type)) {
    const def = ERRORS[e.type];
    const details =
      e.data && typeof e.data === 'object' && Object.keys(e.data).length > 0
        ? (e.data as Record<string, unknown>)
        : undefined;
    return {
      status: def.status,
      body: {
        error: {
          code: e.type,
          message: typeof e.message === 'string' ? e.message : def.message,
          ...(details ? { details } : {}),
        },
      },
    };
  }
  if (e && (e as { name?: unknown }).name === 'ValidationError') {
    return {
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_FAILED',
          message: ERRORS.VALIDATION_FAILED.message,
          details: { problems: e.data },
        },
      },
    };
  }
  // The bus could not reach a service (none running, none discovered yet, or it did not answer in time).
  const name = e ? (e as { name?: unknown }).name : undefined;
  if (
    name === 'ServiceNotAvailableError' ||
    name === 'ServiceNotFoundError' ||
    name === 'RequestTimeoutError'
  ) {
    return {
      status: 503,
      body: { error: { code: 'DEPENDENCY_UNAVAILABLE', message: ERRORS.DEPENDENCY_UNAVAILABLE.message } },
    };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: ERRORS.INTERNAL.message } } };
}
