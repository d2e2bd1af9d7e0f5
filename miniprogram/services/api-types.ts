/**
 * The gateway's answers as the mini-program reads them. Every wire type comes from `@tuanmiao/contract`, derived
 * from the gateway's TypeBox schemas (the source of `/docs/json`); `import type` is erased by the TypeScript
 * compiler (WeChat DevTools' included), so no package code reaches the mini-program's bundle.
 */
import type { Order } from '@tuanmiao/contract';

export type {
  Address,
  AddressInput,
  AddressPatch,
  AddressSnapshot,
  Admission,
  ApplicableCoupons,
  Campaign,
  CampaignStatus,
  CampaignType,
  Cart,
  CartLine,
  Category,
  CheckoutRequest,
  Coupon,
  CouponClaim,
  CouponStatus,
  CouponTemplate,
  ErrorBody,
  ErrorCode,
  Group,
  GroupEntry,
  GroupStatus,
  MallItem,
  MemberCard,
  MemberLevel,
  MyPoints,
  Order,
  OrderItem,
  OrderStatus,
  PackageTracking,
  PaymentStart,
  PointsEntry,
  PointsReason,
  ProductSort,
  Redemption,
  RedemptionResponse,
  RefundRequest,
  RefundRequestInput,
  RefundRequestKind,
  Reservation,
  ReservationStatus,
  Session,
  ShopProduct,
  ShopperUser,
  ShopSku,
  StockStatus,
  Tracking,
  WechatPaymentParams,
} from '@tuanmiao/contract';

/** One page of `fetchOrders`: `nextCursor` is null on the last page (the wire omits it). */
export interface OrderPage {
  items: Order[];
  nextCursor: string | null;
}
