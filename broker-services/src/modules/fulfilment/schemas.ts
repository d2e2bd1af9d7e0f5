/** Schemas of delivery (packages, tracking) and after-sale (refund requests). */
import Type, { type Static } from 'typebox';
import { IsoTime, OrderId, prefixedId } from '../../schemas/common.ts';
import { PlainText } from '../catalog/schemas.ts';

export const RefundRequestId = prefixedId('ars');
export const Carrier = Type.String({ minLength: 2, maxLength: 32, pattern: '^[A-Za-z0-9_]+$' });
export const TrackingNo = Type.String({ minLength: 4, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' });
export const PackageInput = Type.Object(
  { carrier: Carrier, trackingNo: TrackingNo },
  { additionalProperties: false },
);
export type PackageInput = Static<typeof PackageInput>;

export const TrackingEvent = Type.Object({ at: IsoTime, description: Type.String() });
export const PackageTracking = Type.Object({
  carrier: Type.String(),
  trackingNo: Type.String(),
  events: Type.Array(TrackingEvent),
});
export const TrackingView = Type.Object({
  /** The first package's carrier and number (the contract's single-package fields). */
  carrier: Type.String(),
  trackingNo: Type.String(),
  /** Every package's events, newest first. */
  events: Type.Array(TrackingEvent),
  packages: Type.Array(PackageTracking),
});
export type TrackingView = Static<typeof TrackingView>;

/** What a carrier pushes (signed; see ./carrier-signature.ts). */
export const CarrierPush = Type.Object(
  {
    trackingNo: TrackingNo,
    events: Type.Array(
      Type.Object(
        { id: Type.String({ minLength: 1, maxLength: 64 }), at: IsoTime, description: PlainText(1, 200) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
  },
  { additionalProperties: false },
);
export type CarrierPush = Static<typeof CarrierPush>;

export const RefundRequestKind = Type.Union([Type.Literal('refund_only'), Type.Literal('return_refund')]);
export const CreateRefundRequestBody = Type.Object(
  { kind: Type.Optional(RefundRequestKind), reason: PlainText(2, 200) },
  { additionalProperties: false },
);
export const RefundRequestView = Type.Object({
  id: RefundRequestId,
  orderId: OrderId,
  userId: Type.String(),
  kind: RefundRequestKind,
  reason: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
  note: Type.Optional(Type.String()),
  afterReceipt: Type.Boolean({
    description: 'Asked after the shopper received the order (completed, within AFTER_SALE_DAYS)',
  }),
  createdAt: IsoTime,
  decidedAt: Type.Optional(IsoTime),
});
export type RefundRequestView = Static<typeof RefundRequestView>;
export const RefundRequestList = Type.Object({ items: Type.Array(RefundRequestView) });
export const DecideBody = Type.Object(
  { note: Type.Optional(PlainText(1, 200)) },
  { additionalProperties: false },
);
export const RefundRequestListQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
    ),
  },
  { additionalProperties: false },
);

/**
 * The order's WeChat shipping record (发货信息录入): `pending` until WeChat accepts it (retried with back-off),
 * `sent` once it has, `failed` when WeChat refused it for good (`lastErrorCode`, WeChat's `lastErrcode`),
 * `not_applicable` when the order was not paid through WeChat Pay.
 */
export const ShippingRecordView = Type.Object({
  state: Type.Union([
    Type.Literal('pending'),
    Type.Literal('sent'),
    Type.Literal('failed'),
    Type.Literal('not_applicable'),
  ]),
  attempts: Type.Integer({ minimum: 0 }),
  /** A code of the error registry: WECHAT_SHIPPING_UNAVAILABLE, WECHAT_SHIPPING_REFUSED, WECHAT_TOKEN_REFUSED. */
  lastErrorCode: Type.Optional(Type.String()),
  /** WeChat's own errcode of the last failed attempt, when WeChat answered with one. */
  lastErrcode: Type.Optional(Type.Integer()),
  lastError: Type.Optional(Type.String()),
  nextAttemptAt: Type.Optional(IsoTime),
  sentAt: Type.Optional(IsoTime),
});
export type ShippingRecordView = Static<typeof ShippingRecordView>;
