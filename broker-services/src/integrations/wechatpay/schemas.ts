/**
 * The shapes WeChat Pay v3 answers and notifies with, as TypeBox schemas: each untrusted JSON value is
 * checked against one of these before a caller sees it. Unknown extra fields are allowed (WeChat adds them).
 */
import Type, { type Static } from 'typebox';

/** `trade_state` of a JSAPI transaction. */
export const TradeState = Type.Union([
  Type.Literal('SUCCESS'),
  Type.Literal('REFUND'),
  Type.Literal('NOTPAY'),
  Type.Literal('CLOSED'),
  Type.Literal('REVOKED'),
  Type.Literal('USERPAYING'),
  Type.Literal('PAYERROR'),
]);
export type TradeState = Static<typeof TradeState>;

/** A transaction, as queried or as the decrypted resource of a `TRANSACTION.*` notification. */
export const Transaction = Type.Object({
  appid: Type.String(),
  mchid: Type.String(),
  out_trade_no: Type.String(),
  transaction_id: Type.Optional(Type.String()),
  trade_type: Type.Optional(Type.String()),
  trade_state: TradeState,
  trade_state_desc: Type.Optional(Type.String()),
  bank_type: Type.Optional(Type.String()),
  attach: Type.Optional(Type.String()),
  success_time: Type.Optional(Type.String()),
  payer: Type.Optional(Type.Object({ openid: Type.Optional(Type.String()) })),
  amount: Type.Optional(
    Type.Object({
      total: Type.Optional(Type.Integer()),
      payer_total: Type.Optional(Type.Integer()),
      currency: Type.Optional(Type.String()),
      payer_currency: Type.Optional(Type.String()),
    }),
  ),
});
export type Transaction = Static<typeof Transaction>;

/** `status` of a refund (`refund_status` in a refund notification). */
export const RefundStatus = Type.Union([
  Type.Literal('SUCCESS'),
  Type.Literal('CLOSED'),
  Type.Literal('PROCESSING'),
  Type.Literal('ABNORMAL'),
]);
export type RefundStatus = Static<typeof RefundStatus>;

const RefundAmount = Type.Object({
  total: Type.Integer(),
  refund: Type.Integer(),
  payer_total: Type.Optional(Type.Integer()),
  payer_refund: Type.Optional(Type.Integer()),
  currency: Type.Optional(Type.String()),
});

/** A refund, as created or queried. */
export const Refund = Type.Object({
  refund_id: Type.String(),
  out_refund_no: Type.String(),
  transaction_id: Type.String(),
  out_trade_no: Type.String(),
  channel: Type.Optional(Type.String()),
  user_received_account: Type.Optional(Type.String()),
  success_time: Type.Optional(Type.String()),
  create_time: Type.Optional(Type.String()),
  status: RefundStatus,
  amount: RefundAmount,
});
export type Refund = Static<typeof Refund>;

/** The decrypted resource of a `REFUND.*` notification. */
export const RefundNotice = Type.Object({
  mchid: Type.String(),
  out_trade_no: Type.String(),
  transaction_id: Type.String(),
  out_refund_no: Type.String(),
  refund_id: Type.String(),
  refund_status: RefundStatus,
  success_time: Type.Optional(Type.String()),
  user_received_account: Type.Optional(Type.String()),
  amount: RefundAmount,
});
export type RefundNotice = Static<typeof RefundNotice>;

/** The JSON body of a notification, before decryption. */
export const NotificationEnvelope = Type.Object({
  id: Type.String(),
  create_time: Type.String(),
  event_type: Type.String(),
  resource_type: Type.String(),
  summary: Type.Optional(Type.String()),
  resource: Type.Object({
    algorithm: Type.String(),
    ciphertext: Type.String(),
    nonce: Type.String(),
    associated_data: Type.Optional(Type.String()),
    original_type: Type.String(),
  }),
});

/** Answer of `POST /v3/pay/transactions/jsapi`. */
export const PrepayAnswer = Type.Object({ prepay_id: Type.String({ minLength: 1 }) });

/** Body of every 4xx/5xx answer. */
export const ErrorAnswer = Type.Object({ code: Type.String(), message: Type.Optional(Type.String()) });
