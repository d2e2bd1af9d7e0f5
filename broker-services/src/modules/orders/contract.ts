/** The orders service on the bus: its actions, and the facts it emits (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract, defineEvent } from '../../broker/contract.ts';
import {
  AddressId,
  CampaignId,
  GroupId,
  IdParam,
  OrderId,
  ReservationId,
  withParams,
} from '../../schemas/common.ts';
import { AddressSnapshot } from '../addresses/schemas.ts';
import { OrderCouponBody } from '../coupons/schemas.ts';
import {
  AdminOrderListQuery,
  AdminOrderPage,
  AdminOrderView,
  ApplyPaymentParams,
  CheckoutBody,
  CheckoutResult,
  OrderForPayment,
  OrderListQuery,
  OrderPage,
  OrderStatus,
  OrderView,
  PaymentOutcome,
  RefundBody,
  RefundForSystemParams,
  ShipBody,
  SystemReasonParams,
} from './schemas.ts';

const OrderIdParam = IdParam(OrderId);
const Count = Type.Integer({ minimum: 0 });

export const ordersContract = defineContract({
  name: 'orders',
  actions: {
    checkout: { params: CheckoutBody, result: CheckoutResult },
    ensureAddress: {
      params: Type.Object({ id: OrderId, userId: Type.String(), addressId: Type.Optional(AddressId) }),
      result: Type.Object({ hasAddress: Type.Boolean() }),
    },
    listMine: { params: OrderListQuery, result: OrderPage },
    get: { params: OrderIdParam, result: OrderView },
    forPayment: {
      params: Type.Object({ id: OrderId, userId: Type.Optional(Type.String()) }),
      result: OrderForPayment,
    },
    startPayment: {
      params: Type.Object({ id: OrderId, userId: Type.String() }),
      result: OrderForPayment,
    },
    applyCoupon: { params: withParams(OrderIdParam, OrderCouponBody), result: OrderView },
    removeCoupon: { params: OrderIdParam, result: OrderView },
    findByReservation: {
      params: Type.Object({ reservationId: ReservationId, userId: Type.String() }),
      result: Type.Object({ order: Type.Union([AdminOrderView, Type.Null()]) }),
    },
    cancel: { params: OrderIdParam, result: OrderView },
    cancelForSystem: { params: SystemReasonParams, result: Type.Object({ cancelled: Type.Boolean() }) },
    applyPayment: { params: ApplyPaymentParams, result: Type.Object({ outcome: PaymentOutcome }) },
    adminList: { params: AdminOrderListQuery, result: AdminOrderPage },
    adminGet: { params: OrderIdParam, result: AdminOrderView },
    adminRevealAddress: { params: OrderIdParam, result: AddressSnapshot },
    ship: { params: withParams(OrderIdParam, ShipBody), result: AdminOrderView },
    confirmReceipt: { params: OrderIdParam, result: OrderView },
    autoReceive: { params: Type.Object({}), result: Type.Object({ completed: Count }) },
    refund: { params: withParams(OrderIdParam, RefundBody), result: AdminOrderView },
    refundForSystem: {
      params: RefundForSystemParams,
      /** refunding: moved to refunding now; status: the order's status after the call. */
      result: Type.Object({ refunding: Type.Boolean(), status: OrderStatus }),
    },
    completeRefund: {
      params: Type.Object({ id: OrderId }),
      result: Type.Object({ refunded: Type.Boolean() }),
    },
    expireDue: { params: Type.Object({}), result: Type.Object({ cancelled: Count }) },
  },
  events: {
    /** An order was paid (first application of its payment). Campaign and group are null on a regular order. */
    'order.paid': defineEvent(1, {
      orderId: OrderId,
      campaignId: Type.Union([CampaignId, Type.Null()]),
      groupId: Type.Union([GroupId, Type.Null()]),
      userId: Type.String(),
    }),
    /** A refund record is pending: payments drives it to the channel now rather than at its next sweep. */
    'refund.requested': defineEvent(1, { orderId: OrderId }),
  },
});
