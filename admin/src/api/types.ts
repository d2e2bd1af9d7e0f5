/**
 * Request and response shapes of the admin HTTP API, written after the gateway's OpenAPI document (/docs/json,
 * built from broker-services/src/schemas/). Money is integer fen; times are ISO 8601 UTC strings.
 */

export type AdminRole = 'owner' | 'operator' | 'viewer';

/** An admin account, as login, `me` and the admins list return it. */
export interface Admin {
  id: string;
  username: string;
  role: AdminRole;
  disabled: boolean;
  createdAt: string;
}

export type AdminAccount = Admin;

export interface LoginRequest {
  username: string;
  password: string;
}

export interface LoginResponse {
  token: string;
  admin: Admin;
}

export interface MeResponse {
  admin: Admin;
}

export interface ItemsResponse<T> {
  items: T[];
}

export interface PageResponse<T> {
  items: T[];
  nextCursor?: string;
}

export interface TopCampaign {
  campaignId: string;
  title: string;
  gmvFen: number;
  paidOrders: number;
}

export interface HourlyGmv {
  /** ISO timestamp of the hour's start (UTC). */
  hour: string;
  gmvFen: number;
  orders: number;
}

export interface Dashboard {
  todayGmvFen: number;
  todayOrders: number;
  todayPaidOrders: number;
  paidConversion: number;
  liveCampaigns: number;
  topCampaigns: TopCampaign[];
  gmvByHour: HourlyGmv[];
  serverTime: string;
}

export type ProductStatus = 'active' | 'archived';

export interface Sku {
  id: string;
  name: string;
  priceFen: number;
  /** Units for sale at the regular price (apart from campaign stock). */
  stock: number;
}

export interface Product {
  id: string;
  title: string;
  description: string;
  imageUrl?: string;
  images: string[];
  categoryId?: string;
  /** Off sale: hidden from shoppers (404) and not for sale. */
  onSale: boolean;
  status: ProductStatus;
  sales: number;
  skus: Sku[];
  createdAt: string;
  updatedAt: string;
}

export interface CreateProductRequest {
  title: string;
  description?: string;
  imageUrl?: string;
  images?: string[];
  categoryId?: string;
  onSale?: boolean;
  skus: { name: string; priceFen: number; stock?: number }[];
}

export interface UpdateProductRequest {
  title?: string;
  description?: string;
  imageUrl?: string;
  status?: ProductStatus;
  images?: string[];
  categoryId?: string;
  onSale?: boolean;
  skus?: { id?: string; name: string; priceFen: number; stock?: number }[];
}

export type CampaignType = 'seckill' | 'groupbuy';
export type CampaignStatus = 'scheduled' | 'live' | 'ended' | 'stopped';

export interface WaitingRoom {
  enabled: boolean;
  admissionRatePerSecond: number;
}

export interface RobotFill {
  enabled: boolean;
  maxMissing: number;
}

export interface Campaign {
  id: string;
  type: CampaignType;
  title: string;
  productId: string;
  skuId: string;
  priceFen: number;
  originalPriceFen: number;
  startsAt: string;
  endsAt: string;
  stockTotal: number;
  stockLeft: number;
  perUserLimit: number;
  status: CampaignStatus;
  groupSize?: number;
  groupTtlSeconds?: number;
  waitingRoom: WaitingRoom;
  killSwitch: boolean;
  dryRun: boolean;
  robotFill: RobotFill;
  createdAt: string;
  updatedAt: string;
}

export interface CampaignQuery {
  status?: CampaignStatus;
  type?: CampaignType;
}

export interface CreateCampaignRequest {
  type: CampaignType;
  title: string;
  skuId: string;
  priceFen: number;
  startsAt: string;
  endsAt: string;
  stockTotal: number;
  perUserLimit: number;
  groupSize?: number;
  groupTtlSeconds?: number;
  dryRun?: boolean;
  robotFill?: RobotFill;
}

/** What a scheduled campaign may change; its type, SKU and group size are fixed at creation. */
export interface UpdateCampaignRequest {
  title?: string;
  priceFen?: number;
  startsAt?: string;
  endsAt?: string;
  stockTotal?: number;
  perUserLimit?: number;
  groupTtlSeconds?: number;
  robotFill?: RobotFill;
}

export interface CampaignLive {
  stockTotal: number;
  stockLeft: number;
  /** Units held by unpaid orders and reservations not yet settled. */
  reserved: number;
  /** Units of paid, shipped or completed orders. */
  sold: number;
  /** Reservations not yet settled into orders. */
  unsettled: number;
  ordersPending: number;
  ordersPaid: number;
  ordersCancelled: number;
  ordersRefunded: number;
  reservationsPerSecond: number;
  groupsForming?: number;
  groupsSucceeded?: number;
  groupsFailed?: number;
  serverTime: string;
}

export interface KillSwitchRequest {
  active: boolean;
}

export interface PrewarmResponse {
  loaded: boolean;
  verified: boolean;
}

export type OrderStatus =
  | 'pending_payment'
  | 'paid'
  | 'cancelled'
  | 'refunding'
  | 'refunded'
  | 'shipped'
  | 'completed';

export const ORDER_STATUSES: readonly OrderStatus[] = [
  'pending_payment',
  'paid',
  'cancelled',
  'refunding',
  'refunded',
  'shipped',
  'completed',
];

export interface OrderItem {
  skuId: string;
  title: string;
  quantity: number;
  unitPriceFen: number;
}

/** An order as the admin routes return it (list rows and detail alike). */
export interface Order {
  id: string;
  status: OrderStatus;
  campaignId: string;
  groupId?: string;
  userId: string;
  dryRun: boolean;
  items: OrderItem[];
  totalFen: number;
  createdAt: string;
  expiresAt: string;
  paidAt?: string;
  cancelledAt?: string;
  shippedAt?: string;
  refundedAt?: string;
  trackingNo?: string;
}

export interface OrderTransition {
  from: OrderStatus | null;
  to: OrderStatus;
  reason: string;
  actor: string;
  at: string;
}

/** One order with its status history (only the detail route carries `transitions`). */
export interface OrderDetail extends Order {
  transitions?: OrderTransition[];
}

export interface OrderQuery {
  status?: OrderStatus;
  campaignId?: string;
  cursor?: string;
}

export interface CreateAdminRequest {
  username: string;
  password: string;
  role: AdminRole;
}

export interface UpdateAdminRequest {
  role?: AdminRole;
  disabled?: boolean;
  password?: string;
}

export interface AuditEntry {
  id: string;
  adminId: string;
  adminUsername: string;
  action: string;
  objectType: string;
  objectId: string;
  detail: Record<string, unknown>;
  at: string;
}
