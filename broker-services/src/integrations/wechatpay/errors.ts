/** Codes this module raises itself; any other `code` is WeChat Pay's own (`ORDER_NOT_EXIST`, `SIGN_ERROR`, …). */
export type WechatPayLocalErrorCode =
  | 'PAYMENT_SIGNATURE_INVALID'
  | 'PAYMENT_TIMESTAMP_STALE'
  | 'PAYMENT_NOTIFICATION_MALFORMED'
  | 'PAYMENT_RESPONSE_MALFORMED'
  | 'PAYMENT_PROVIDER_UNAVAILABLE';

/** WeChat Pay error codes that mean "try again later" rather than "no". */
const RETRYABLE_WECHAT_CODES = new Set(['SYSTEM_ERROR', 'FREQUENCY_LIMITED', 'BANK_ERROR']);

/** A refused, failed or untrustworthy WeChat Pay exchange; `httpStatus` is set when WeChat Pay answered. */
export class WechatPayError extends Error {
  override readonly name = 'WechatPayError';
  /** A `WechatPayLocalErrorCode`, or WeChat Pay's own code kept as it answered. */
  readonly code: string;
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;

  constructor(
    code: WechatPayLocalErrorCode | (string & NonNullable<unknown>),
    message: string,
    opts: { httpStatus?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.httpStatus = opts.httpStatus;
    this.retryable =
      opts.retryable ??
      (code === 'PAYMENT_PROVIDER_UNAVAILABLE' ||
        RETRYABLE_WECHAT_CODES.has(code) ||
        (opts.httpStatus !== undefined && opts.httpStatus >= 500));
  }
}
