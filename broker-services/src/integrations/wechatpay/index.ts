/** The WeChat Pay v3 provider's public surface: the client factory, its error, and the shapes it returns. */

export type {
  IncomingHeaders,
  JsapiPrepayInput,
  Refund,
  RefundInput,
  RefundNotice,
  RefundStatus,
  RequestPaymentParams,
  TradeState,
  Transaction,
  WechatPayClient,
  WechatPayConfig,
  WechatPayNotification,
} from './client.ts';
export { createWechatPayClient, MAX_CLOCK_SKEW_MS } from './client.ts';
export type { WechatPayLocalErrorCode } from './errors.ts';
export { WechatPayError } from './errors.ts';
