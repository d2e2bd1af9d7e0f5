/**
 * Request and response types of the gateway's HTTP API, derived from the TypeBox schemas that validate the
 * routes and build the OpenAPI document (`/docs/json`): one source, so a client type cannot drift from what the
 * gateway checks and answers. Type-only: the imports below are erased, and no client loads server code.
 */
import type { Static } from 'typebox';
import type {
  AddressSnapshot as AddressSnapshotSchema,
  AddressView,
  CreateAddressBody,
  PatchAddressBody,
} from '../../src/modules/addresses/schemas.ts';
import type {
  AdminLoginBody,
  AdminRole as AdminRoleSchema,
  AdminSession,
  AdminView,
  AuditEntryView,
  CreateAdminBody,
  DashboardView,
  ParkedSettlementEntryView,
  PatchAdminBody,
} from '../../src/modules/admin/schemas.ts';
import type {
  AdminCampaignListQuery,
  AdminCampaignView,
  AdmissionView,
  CampaignLive as CampaignLiveSchema,
  CampaignStatus as CampaignStatusSchema,
  CampaignType as CampaignTypeSchema,
  CampaignView,
  CreateCampaignBody,
  KillSwitchBody,
  PatchCampaignBody,
  PrewarmView,
  WaitingRoomBody,
} from '../../src/modules/campaigns/schemas.ts';
import type { CartLine as CartLineSchema, CartView } from '../../src/modules/cart/schemas.ts';
import type {
  BrowseQuery as BrowseQuerySchema,
  CategoryView,
  CreateCategoryBody,
  CreateProductBody,
  PatchCategoryBody,
  PatchProductBody,
  ProductPage,
  ProductSort as ProductSortSchema,
  ProductView,
  ShopProductView,
  ShopSkuView,
  SkuView,
  StockAdjustmentBody,
  StockAdjustmentView,
  StockStatus as StockStatusSchema,
} from '../../src/modules/catalog/schemas.ts';
import type {
  AdminCouponTemplateView,
  Applicable,
  ApplicableBody,
  AppliedCoupon as AppliedCouponSchema,
  ClaimedCoupon,
  CouponKind as CouponKindSchema,
  CouponStatus as CouponStatusSchema,
  CouponTemplateStats,
  CouponTemplateView,
  CouponView,
  CreateCouponTemplateBody,
  IssueBody,
  IssueResult,
  OrderCouponBody,
  PatchCouponTemplateBody,
} from '../../src/modules/coupons/schemas.ts';
import type {
  CreateRefundRequestBody,
  PackageInput as PackageInputSchema,
  PackageTracking as PackageTrackingSchema,
  RefundRequestKind as RefundRequestKindSchema,
  RefundRequestView,
  TrackingView,
} from '../../src/modules/fulfilment/schemas.ts';
import type {
  GroupAndReservation,
  GroupStatus as GroupStatusSchema,
  GroupView,
} from '../../src/modules/groups/schemas.ts';
import type {
  MemberLevel as MemberLevelSchema,
  MemberLevelsView,
  MembershipCard,
  MeView,
  PutMemberLevelsBody,
} from '../../src/modules/membership/schemas.ts';
import type {
  AdminOrderListQuery,
  AdminOrderView,
  CheckoutBody,
  OrderItem as OrderItemSchema,
  OrderStatus as OrderStatusSchema,
  OrderTransitionView,
  OrderView,
  PaymentStart as PaymentStartSchema,
  ReservationStatus as ReservationStatusSchema,
  ReservationView,
  ReserveBody,
  ShipBody,
  WechatPaymentParams as WechatPaymentParamsSchema,
} from '../../src/modules/orders/schemas.ts';
import type {
  AdjustmentBody,
  AdjustmentView,
  CreateMallItemBody,
  LedgerEntryView,
  LedgerQuery,
  MallItemView,
  PatchMallItemBody,
  PointsEntryView,
  PointsReason as PointsReasonSchema,
  PointsRules as PointsRulesSchema,
  PointsView,
  ReconciliationView,
  RedemptionResult,
  RedemptionView,
} from '../../src/modules/points/schemas.ts';
import type { ShopperSession, UserView } from '../../src/modules/users/schemas.ts';

/** `{items}` answers. */
export interface ItemsResponse<T> {
  items: T[];
}
/** Cursor-paginated answers: `nextCursor` is absent on the last page. */
export interface PageResponse<T> {
  items: T[];
  nextCursor?: string;
}

// Shopper and admin sign-in.
export type ShopperUser = Static<typeof UserView>;
export type Session = Static<typeof ShopperSession>;
export type AdminRole = Static<typeof AdminRoleSchema>;
export type Admin = Static<typeof AdminView>;
export type LoginRequest = Static<typeof AdminLoginBody>;
export type LoginResponse = Static<typeof AdminSession>;
export interface MeResponse {
  admin: Admin;
}
export type CreateAdminRequest = Static<typeof CreateAdminBody>;
export type UpdateAdminRequest = Static<typeof PatchAdminBody>;

// Catalogue.
export type Sku = Static<typeof SkuView>;
/** A delivery address (`GET /api/addresses`); `region` is province, city and district codes. */
export type Address = Static<typeof AddressView>;
export type AddressInput = Static<typeof CreateAddressBody>;
/** An address edit (`PUT` or `PATCH /api/addresses/:id`): only the fields given change. */
export type AddressPatch = Static<typeof PatchAddressBody>;
/** The address an order keeps. */
export type AddressSnapshot = Static<typeof AddressSnapshotSchema>;
export type Product = Static<typeof ProductView>;
export type ProductStatus = Product['status'];
export type CreateProductRequest = Static<typeof CreateProductBody>;
export type UpdateProductRequest = Static<typeof PatchProductBody>;
/** A category (two levels: `parentId` names the top-level one). */
export type Category = Static<typeof CategoryView>;
export type CreateCategoryRequest = Static<typeof CreateCategoryBody>;
export type UpdateCategoryRequest = Static<typeof PatchCategoryBody>;
/** A relative change of a SKU's regular stock (`+N` / `−N`) and its reason. */
export type StockAdjustmentRequest = Static<typeof StockAdjustmentBody>;
export type StockAdjustment = Static<typeof StockAdjustmentView>;
export type StockStatus = Static<typeof StockStatusSchema>;
export type ProductSort = Static<typeof ProductSortSchema>;
export type BrowseQuery = Static<typeof BrowseQuerySchema>;
/** A product on sale as shoppers see it, with its SKUs' stock and any live campaign price. */
export type ShopProduct = Static<typeof ShopProductView>;
export type ShopSku = Static<typeof ShopSkuView>;
export type ShopProductPage = Static<typeof ProductPage>;

// Coupons.
/** A coupon template as the coupon center shows it (`GET /api/coupons`), with its claim window for a countdown. */
export type CouponTemplate = Static<typeof CouponTemplateView>;
/** One of my coupons (`GET /api/me/coupons`). */
export type Coupon = Static<typeof CouponView>;
export type CouponStatus = Static<typeof CouponStatusSchema>;
/** 满减 `amount_off`, 折扣 `percent_off`, 无门槛 `no_threshold`. */
export type CouponKind = Static<typeof CouponKindSchema>;
/** `POST /api/coupons/:templateId/claims` → the coupon claimed (or the one a retried requestId claimed). */
export type CouponClaim = Static<typeof ClaimedCoupon>;
export type ApplicableCouponsRequest = Static<typeof ApplicableBody>;
/** `POST /api/me/coupons/applicable` → my coupons for these items, best first, with their discount. */
export type ApplicableCoupons = Static<typeof Applicable>;
export type AdminCouponTemplate = Static<typeof AdminCouponTemplateView>;
export type CouponTemplateFigures = Static<typeof CouponTemplateStats>;
export type CreateCouponTemplateRequest = Static<typeof CreateCouponTemplateBody>;
export type UpdateCouponTemplateRequest = Static<typeof PatchCouponTemplateBody>;
export type IssueCouponsRequest = Static<typeof IssueBody>;
export type IssueCouponsResponse = Static<typeof IssueResult>;
/** The coupon on an order, as its price breakdown shows it (`Order.coupon`). */
export type AppliedCoupon = Static<typeof AppliedCouponSchema>;
/** `PUT /api/orders/:id/coupon`: one of my coupons for my unpaid seckill or group-buy order. */
export type OrderCouponRequest = Static<typeof OrderCouponBody>;

// Cart, checkout, delivery, after-sale.
export type Cart = Static<typeof CartView>;
export type CartLine = Static<typeof CartLineSchema>;
export type CheckoutRequest = Static<typeof CheckoutBody>;
/** My points (`GET /api/me/points`): the balance and the ledger, newest first. */
export type MyPoints = Static<typeof PointsView>;
export type ShipRequest = Static<typeof ShipBody>;
export type PackageInput = Static<typeof PackageInputSchema>;
export type Tracking = Static<typeof TrackingView>;
export type PackageTracking = Static<typeof PackageTrackingSchema>;
export type RefundRequestKind = Static<typeof RefundRequestKindSchema>;
export type RefundRequest = Static<typeof RefundRequestView>;
export type RefundRequestInput = Static<typeof CreateRefundRequestBody>;

// Points and the points mall.
export type PointsReason = Static<typeof PointsReasonSchema>;
export type PointsEntry = Static<typeof PointsEntryView>;
export type PointsRules = Static<typeof PointsRulesSchema>;
export type LedgerEntry = Static<typeof LedgerEntryView>;
export type LedgerSearch = Static<typeof LedgerQuery>;
export type PointsAdjustmentRequest = Static<typeof AdjustmentBody>;
export type PointsAdjustment = Static<typeof AdjustmentView>;
export type PointsReconciliation = Static<typeof ReconciliationView>;
export type MallItem = Static<typeof MallItemView>;
export type CreateMallItemRequest = Static<typeof CreateMallItemBody>;
export type UpdateMallItemRequest = Static<typeof PatchMallItemBody>;
export type Redemption = Static<typeof RedemptionView>;
export type RedemptionResponse = Static<typeof RedemptionResult>;

// Membership.
/** A member level with its threshold, discount and benefits. */
export type MemberLevel = Static<typeof MemberLevelSchema>;
/** My member card (`GET /api/me/membership`): level, benefits, growth and progress to the next level. */
export type MemberCard = Static<typeof MembershipCard>;
/** The levels and the growth window (`GET|PUT /api/admin/member-levels`). */
export type MemberLevels = Static<typeof MemberLevelsView>;
export type MemberLevelsInput = Static<typeof PutMemberLevelsBody>;
/** Me (`GET /api/me`): who I am, my level, growth and points. */
export type Me = Static<typeof MeView>;

// Campaigns.
export type CampaignType = Static<typeof CampaignTypeSchema>;
export type CampaignStatus = Static<typeof CampaignStatusSchema>;
/** A campaign as shoppers see it. */
export type Campaign = Static<typeof CampaignView>;
/** A campaign as the admin routes return it: the shopper view plus the operator controls. */
export type AdminCampaign = Static<typeof AdminCampaignView>;
export type WaitingRoom = Static<typeof WaitingRoomBody>;
export type RobotFill = AdminCampaign['robotFill'];
export type AdminCampaignQuery = Static<typeof AdminCampaignListQuery>;
export type CreateCampaignRequest = Static<typeof CreateCampaignBody>;
export type UpdateCampaignRequest = Static<typeof PatchCampaignBody>;
export type CampaignLive = Static<typeof CampaignLiveSchema>;
export type KillSwitchRequest = Static<typeof KillSwitchBody>;
export type PrewarmResponse = Static<typeof PrewarmView>;
export type Admission = Static<typeof AdmissionView>;

// Reservations, orders, payment.
export type ReservationStatus = Static<typeof ReservationStatusSchema>;
export type Reservation = Static<typeof ReservationView>;
export type ReserveRequest = Static<typeof ReserveBody>;
export type OrderStatus = Static<typeof OrderStatusSchema>;
export type OrderItem = Static<typeof OrderItemSchema>;
/** An order as its shopper sees it. */
export type Order = Static<typeof OrderView>;
export type OrderPage = PageResponse<Order>;
/** An order as the admin routes return it; only the detail route carries `transitions`. */
export type AdminOrder = Static<typeof AdminOrderView>;
export type OrderTransition = Static<typeof OrderTransitionView>;
export type AdminOrderQuery = Static<typeof AdminOrderListQuery>;
export type WechatPaymentParams = Static<typeof WechatPaymentParamsSchema>;
export type PaymentStart = Static<typeof PaymentStartSchema>;

// Group buy.
export type GroupStatus = Static<typeof GroupStatusSchema>;
export type Group = Static<typeof GroupView>;
export type GroupEntry = Static<typeof GroupAndReservation>;

// Admin views.
export type Dashboard = Static<typeof DashboardView>;
export type TopCampaign = Dashboard['topCampaigns'][number];
export type HourlyGmv = Dashboard['gmvByHour'][number];
export type AuditEntry = Static<typeof AuditEntryView>;
/** A settlement entry set aside after repeated failures (GET /api/admin/settlement/parked). */
export type ParkedSettlementEntry = Static<typeof ParkedSettlementEntryView>;
