/**
 * The console's names for the admin API's shapes. Every type comes from `@tuanmiao/contract`, derived from the
 * gateway's TypeBox schemas (the source of `/docs/json`); `import type` is erased, so no server code is bundled.
 */
import type {
  Admin,
  AdminCampaign,
  AdminCampaignQuery,
  AdminOrder,
  AdminOrderQuery,
  OrderStatus,
} from '@tuanmiao/contract';

export type {
  AddressSnapshot,
  Admin,
  AdminCouponTemplate,
  AdminRole,
  AuditEntry,
  CampaignLive,
  CampaignStatus,
  CampaignType,
  Category,
  CouponKind,
  CreateAdminRequest,
  CreateCampaignRequest,
  CreateCategoryRequest,
  CreateCouponTemplateRequest,
  CreateMallItemRequest,
  CreateProductRequest,
  Dashboard,
  HourlyGmv,
  IssueCouponsRequest,
  IssueCouponsResponse,
  ItemsResponse,
  KillSwitchRequest,
  LedgerEntry,
  LedgerSearch,
  LoginRequest,
  LoginResponse,
  MallItem,
  MemberLevel,
  MemberLevels,
  MemberLevelsInput,
  MeResponse,
  OrderItem,
  OrderStatus,
  OrderTransition,
  PackageInput,
  PackageTracking,
  PageResponse,
  ParkedSettlementEntry,
  PointsAdjustment,
  PointsAdjustmentRequest,
  PointsReason,
  PointsReconciliation,
  PointsRules,
  PrewarmResponse,
  Product,
  ProductStatus,
  RefundRequest,
  RefundRequestKind,
  RobotFill,
  ShipRequest,
  Sku,
  StockAdjustment,
  StockAdjustmentRequest,
  TopCampaign,
  Tracking,
  UpdateAdminRequest,
  UpdateCampaignRequest,
  UpdateCategoryRequest,
  UpdateMallItemRequest,
  UpdateProductRequest,
  WaitingRoom,
} from '@tuanmiao/contract';

/** An admin account, as login, `me` and the admins list return it. */
export type AdminAccount = Admin;
/** A campaign as the admin routes return it. */
export type Campaign = AdminCampaign;
export type CampaignQuery = AdminCampaignQuery;
/** An order as the admin routes return it (list rows and detail alike). */
export type Order = AdminOrder;
/** One order with its status history (only the detail route carries `transitions`). */
export type OrderDetail = AdminOrder;
export type OrderQuery = AdminOrderQuery;

/** Every order status, in the order the filters list them. */
export const ORDER_STATUSES = [
  'pending_payment',
  'paid',
  'cancelled',
  'refunding',
  'refunded',
  'shipped',
  'completed',
] as const satisfies readonly OrderStatus[];

/** Refund request states, in the order the after-sale filter lists them. */
export const REFUND_REQUEST_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type RefundRequestStatus = (typeof REFUND_REQUEST_STATUSES)[number];
