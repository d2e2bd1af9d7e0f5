/**
 * The one error registry: every error a client can see has a stable code (those of shared/API.md first), an
 * HTTP status and whether retrying the same call can succeed. Every error body carries all three facts a
 * client needs: `{"error": {"code", "message", "retryable", "details?"}}`. Plain data, no runtime dependency,
 * so the gateway, the services, the admin console and the mini-program read the same table.
 */

export const ERRORS = {
  VALIDATION_FAILED: { status: 400, retryable: false, message: 'The request is not valid' },
  UNAUTHORIZED: { status: 401, retryable: false, message: 'Sign in first' },
  INVALID_CREDENTIALS: { status: 401, retryable: false, message: 'Wrong username or password' },
  FORBIDDEN: { status: 403, retryable: false, message: 'Your role may not do this' },
  NOT_FOUND: { status: 404, retryable: false, message: 'Not found' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, message: 'The request body is too large' },
  URL_TOO_LONG: { status: 414, retryable: false, message: 'The URL is too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, message: 'Send the body as application/json' },
  RATE_LIMITED: { status: 429, retryable: true, message: 'Too many requests, slow down' },
  QUEUED: { status: 429, retryable: true, message: 'You are in the waiting room' },
  LOGIN_LOCKED: {
    status: 429,
    retryable: true,
    message: 'Too many failed sign-ins for this username; try again later',
  },
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
  AFTER_SALE_WINDOW_CLOSED: {
    status: 409,
    retryable: false,
    message: 'The after-sale period of this order has ended',
  },
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
  COUPON_UNAVAILABLE: {
    status: 409,
    retryable: false,
    message: 'The coupon is not available (on another order, used, expired or not yet valid)',
  },
  COUPON_NOT_APPLICABLE: {
    status: 409,
    retryable: false,
    message: 'The coupon does not apply to these items (scope, minimum spend or campaign price)',
  },
  COUPON_EXPIRED: { status: 409, retryable: false, message: 'The coupon has expired' },
  COUPON_NOT_YET_VALID: { status: 409, retryable: false, message: 'The coupon is not valid yet' },
  COUPON_NOT_COMBINABLE: {
    status: 409,
    retryable: false,
    message: 'The coupon does not combine with this campaign price (seckill or group buy)',
  },
  COUPON_THRESHOLD_NOT_MET: {
    status: 409,
    retryable: false,
    message: 'The order does not reach the coupon’s minimum spend',
  },
  COUPON_CHOSEN_AT_CHECKOUT: {
    status: 409,
    retryable: false,
    message: 'A shop order takes its coupon at checkout',
  },
  PAYMENT_STARTED: {
    status: 409,
    retryable: false,
    message: 'Paying this order has started; its price can no longer change',
  },
  CARRIER_SIGNATURE_INVALID: { status: 401, retryable: false, message: 'The push signature is invalid' },
  CARRIER_PUSH_STALE: { status: 401, retryable: false, message: 'The push timestamp is too old' },
  WECHAT_SHIPPING_UNAVAILABLE: {
    status: 503,
    retryable: true,
    message: 'WeChat did not take the shipping record yet; it is retried',
  },
  WECHAT_SHIPPING_REFUSED: { status: 502, retryable: false, message: 'WeChat refused the shipping record' },
  WECHAT_TOKEN_REFUSED: {
    status: 502,
    retryable: false,
    message: 'WeChat refused the access token request (check the app id and secret)',
  },
  INSUFFICIENT_POINTS: { status: 409, retryable: false, message: 'Not enough points' },
  POINTS_OVER_LIMIT: {
    status: 409,
    retryable: false,
    message: 'More points than the rules allow on this order',
  },
  DEPENDENCY_UNAVAILABLE: { status: 503, retryable: true, message: 'A dependency is unavailable' },
  INTERNAL: { status: 500, retryable: true, message: 'Internal error' },
} as const satisfies Record<string, ErrorDefinition>;

/** What the registry knows of one code. */
export interface ErrorDefinition {
  status: number;
  retryable: boolean;
  message: string;
}

/** A stable UPPER_SNAKE code of the registry. */
export type ErrorCode = keyof typeof ERRORS;

/** Every code of the registry, in its order. */
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** The body of every error answer of the gateway. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    retryable: boolean;
    details?: Record<string, unknown>;
  };
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** True for a code of the registry. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code);
}

/** Codes that are business answers, not failures: never retried, never trip a circuit breaker. */
export function isBusinessRefusal(code: unknown): boolean {
  return isErrorCode(code) && ERRORS[code].status < 500 && code !== 'RATE_LIMITED';
}

/** The error body of `code`, with the registry's status and retryable and an optional more precise message. */
export function errorBody(
  code: ErrorCode,
  message?: string,
  details?: Record<string, unknown>,
): { status: number; body: ErrorBody } {
  const def: ErrorDefinition = ERRORS[code];
  return {
    status: def.status,
    body: {
      error: {
        code,
        message: message ?? def.message,
        retryable: def.retryable,
        ...(details ? { details } : {}),
      },
    },
  };
}
