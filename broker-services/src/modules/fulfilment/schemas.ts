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
