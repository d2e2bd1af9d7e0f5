/** Reservations and orders as shoppers and admins see them. */
import Type, { type Static } from 'typebox';
import {
  AddressId,
  CampaignId,
  CouponId,
  Cursor,
  Fen,
  GroupId,
  IsoTime,
  Limit,
  MAX_RESERVATION_QUANTITY,
  OrderId,
  RequestId,
  ReservationId,
  SkuId,
} from '../../schemas/common.ts';
import { AddressSnapshot } from '../addresses/schemas.ts';
import { AppliedCoupon } from '../coupons/schemas.ts';
import { PackageInput, ShippingRecordView } from '../fulfilment/schemas.ts';

export const ReservationStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('settled'),
  Type.Literal('released'),
]);
export const ReservationView = Type.Object({
  id: ReservationId,
  campaignId: CampaignId,
  quantity: Type.Integer(),
  status: ReservationStatus,
  orderId: Type.Optional(OrderId),
  groupId: Type.Optional(GroupId),
  expiresAt: IsoTime,
});
export type ReservationView = Static<typeof ReservationView>;

export const ReserveBody = Type.Object(
  {
    quantity: Type.Integer({ minimum: 1, maximum: MAX_RESERVATION_QUANTITY }),
    requestId: RequestId,
    admissionToken: Type.Optional(Type.String({ minLength: 16, maxLength: 2048 })),
  },
  { additionalProperties: false },
);
export type ReserveBody = Static<typeof ReserveBody>;

export const OrderStatus = Type.Union([
  Type.Literal('pending_payment'),
  Type.Literal('paid'),
  Type.Literal('cancelled'),
  Type.Literal('refunding'),
  Type.Literal('refunded'),
  Type.Literal('shipped'),
  Type.Literal('completed'),
]);
export type OrderStatusValue = Static<typeof OrderStatus>;

/** `orders.forPayment` (internal): what the payments module needs to know of an order to charge it. */
export const OrderForPayment = Type.Object({
  id: OrderId,
  userId: Type.String(),
  status: OrderStatus,
  title: Type.String(),
  payableFen: Fen,
  expiresAt: IsoTime,
});
export type OrderForPayment = Static<typeof OrderForPayment>;

export const OrderItem = Type.Object({
  skuId: Type.String(),
  title: Type.String(),
  skuTitle: Type.Optional(Type.String()),
  productId: Type.Optional(Type.String()),
  quantity: Type.Integer(),
  unitPriceFen: Fen,
});
export const OrderView = Type.Object({
  id: OrderId,
  status: OrderStatus,
  /** Absent on a regular (non-campaign) order. */
  campaignId: Type.Optional(CampaignId),
  kind: Type.Union([Type.Literal('seckill'), Type.Literal('groupbuy'), Type.Literal('regular')]),
  groupId: Type.Optional(GroupId),
  items: Type.Array(OrderItem),
  /** The items at their prices (itemsFen). */
  totalFen: Fen,
  itemsFen: Fen,
  discountFen: Fen,
  pointsUsed: Type.Integer({ minimum: 0 }),
  /** What the payment channel charges: items less the discount and the points' worth. */
  payableFen: Fen,
  /** The coupon on the order (its discount is part of `discountFen`): locked while unpaid, used once paid. */
  coupon: Type.Optional(AppliedCoupon),
  /** The delivery address the order keeps (masked in admin lists). */
  address: Type.Optional(AddressSnapshot),
  createdAt: IsoTime,
  expiresAt: IsoTime,
  /** When paying started at the payment channel: the price is fixed from then on (no coupon change). */
  paymentStartedAt: Type.Optional(IsoTime),
  paidAt: Type.Optional(IsoTime),
  cancelledAt: Type.Optional(IsoTime),
  shippedAt: Type.Optional(IsoTime),
  completedAt: Type.Optional(IsoTime),
  afterSaleUntil: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'A completed order: refund requests are taken until then (AFTER_SALE_DAYS after completion)',
    }),
  ),
  refundedAt: Type.Optional(IsoTime),
  trackingNo: Type.Optional(Type.String()),
});
export type OrderView = Static<typeof OrderView>;

export const OrderTransitionView = Type.Object({
  from: Type.Union([OrderStatus, Type.Null()]),
  to: OrderStatus,
  reason: Type.String(),
  actor: Type.String(),
  at: IsoTime,
});
export const AdminOrderView = Type.Intersect([
  OrderView,
  Type.Object({
    userId: Type.String(),
    dryRun: Type.Boolean(),
    transitions: Type.Optional(Type.Array(OrderTransitionView)),
    /** WeChat's 发货信息录入 for this order, once it has shipped. */
    shippingRecord: Type.Optional(ShippingRecordView),
  }),
]);
export type AdminOrderView = Static<typeof AdminOrderView>;

export const OrderListQuery = Type.Object(
  { cursor: Type.Optional(Cursor), limit: Type.Optional(Limit) },
  { additionalProperties: false },
);
export const AdminOrderListQuery = Type.Object(
  {
    status: Type.Optional(OrderStatus),
    campaignId: Type.Optional(CampaignId),
    order: Type.Optional(
      Type.Union([Type.Literal('newest'), Type.Literal('oldest')], {
        description:
          'newest first (the default), or oldest first: the fulfilment queue ships what waited longest',
      }),
    ),
    cursor: Type.Optional(Cursor),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);
export const OrderPage = Type.Object({
  items: Type.Array(OrderView),
  nextCursor: Type.Optional(Type.String()),
});
export const AdminOrderPage = Type.Object({
  items: Type.Array(AdminOrderView),
  nextCursor: Type.Optional(Type.String()),
});

/** The `wx.requestPayment` parameters of a WeChat Pay JSAPI order. */
export const WechatPaymentParams = Type.Object({
  timeStamp: Type.String(),
  nonceStr: Type.String(),
  package: Type.String(),
  signType: Type.Union([Type.Literal('MD5'), Type.Literal('HMAC-SHA256'), Type.Literal('RSA')]),
  paySign: Type.String(),
});
export type WechatPaymentParams = Static<typeof WechatPaymentParams>;
/** The dev provider's: where to confirm, and the amount in integer fen like all money. */
export const DevPaymentParams = Type.Object({ confirmPath: Type.String(), amountFen: Fen });
export type DevPaymentParams = Static<typeof DevPaymentParams>;
export const PaymentStart = Type.Union([
  Type.Object({ provider: Type.Literal('wechat'), params: WechatPaymentParams }),
  Type.Object({ provider: Type.Literal('dev'), params: DevPaymentParams }),
]);
/** How a payment confirmation was applied: first time, a replay of one already applied, or too late (refunded). */
export const PaymentOutcome = Type.Union([
  Type.Literal('applied'),
  Type.Literal('duplicate'),
  Type.Literal('late_refunded'),
]);
export type PaymentStart = Static<typeof PaymentStart>;

export const CheckoutBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        { skuId: SkuId, quantity: Type.Integer({ minimum: 1, maximum: 99 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
    addressId: AddressId,
    /** One of my unused coupons, locked to this order in the transaction that writes it (see ../coupons). */
    couponId: Type.Optional(CouponId),
    /** Points to spend on the order, within the operator's share and cap (INSUFFICIENT_POINTS, POINTS_OVER_LIMIT). */
    pointsToUse: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
    requestId: RequestId,
  },
  { additionalProperties: false },
);
export type CheckoutBody = Static<typeof CheckoutBody>;
export const CheckoutResult = Type.Object({ order: OrderView });

export const PaymentBody = Type.Object(
  { addressId: Type.Optional(AddressId) },
  { additionalProperties: false },
);

export const ShipBody = Type.Object(
  {
    trackingNo: Type.String({ minLength: 4, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }),
    carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    /** More packages of a split shipment, beyond the one named by carrier and trackingNo. */
    morePackages: Type.Optional(Type.Array(PackageInput, { minItems: 1, maxItems: 9 })),
  },
  { additionalProperties: false },
);
export const RefundBody = Type.Object(
  { reason: Type.String({ minLength: 2, maxLength: 200 }) },
  { additionalProperties: false },
);

/** A payment the channel confirmed, as payments hands it to the orders service (internal). */
export const ApplyPaymentParams = Type.Object({
  orderId: OrderId,
  provider: Type.Union([Type.Literal('wechat'), Type.Literal('dev')]),
  providerTxnId: Type.String({ minLength: 1, maxLength: 64 }),
  amountFen: Fen,
  paidAt: Type.String({ format: 'date-time' }),
});
export type ApplyPaymentParams = Static<typeof ApplyPaymentParams>;
export type PaymentOutcomeValue = Static<typeof PaymentOutcome>;
/** A system reason (group failed, robot fill, after-sale approved) on an internal cancel or refund. */
export const SystemReasonParams = Type.Object({
  id: OrderId,
  reason: Type.String({ minLength: 2, maxLength: 64 }),
});

export const RefundForSystemParams = Type.Object({
  id: OrderId,
  reason: Type.String({ minLength: 2, maxLength: 64 }),
  afterSale: Type.Optional(
    Type.Boolean({
      description:
        'An approved after-sale request: a completed order may be refunded too (its period is the request’s check)',
    }),
  ),
});
