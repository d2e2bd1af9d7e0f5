/**
 * Request and response shapes of the admin HTTP API (see the gateway's OpenAPI document at /docs/json).
 * Money is integer fen; times are ISO 8601 UTC strings.
 */

export type AdminRole = 'owner' | 'operator' | 'viewer';

export interface Admin {
  id: string;
  username: string;
  role: AdminRole;
}

export interface AdminAccount extends Admin {
  disabled: boolean;
  createdAt: string;
}

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
  nextCursor?: string | null;
}

export interface TopCampaign {
  campaignId: string;
  title: string;
  gmvFen: number;
  paidOrders: number;
}

export interface HourlyGmv {
  /** An ISO timestamp of the hour's start, or the hour of the day (0–23). */
  hour: string | number;
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
}

export type ProductStatus = 'active' | 'archived';

export interface Sku {
  id: string;
  name: string;
  priceFen: number;
}

export interface Product {
  id: string;
  title: string;
  description: string | null;
  imageUrl: string | null;
  status: ProductStatus;
  skus: Sku[];
  createdAt: string;
  updatedAt: string;
}

export interface CreateProductRequest {
  title: string;
  description?: string;
  imageUrl?: string;
  skus: { name: string; priceFen: number }[];
}

export interface UpdateProductRequest {
  title?: string;
  description?: string;
  imageUrl?: string;
  status?: ProductStatus;
  skus?: { id?: string; name: string; priceFen: number }[];
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
  waitingRoom?: WaitingRoom;
  killSwitch: boolean;
  dryRun: boolean;
  robotFill?: RobotFill;
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
}

export type UpdateCampaignRequest = Partial<Omit<CreateCampaignRequest, 'type'>>;

export interface CampaignLive {
  stockTotal: number;
  stockLeft: number;
  reserved: number;
  ordersPending: number;
  ordersPaid: number;
  ordersCancelled: number;
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
  quantity: number;
  priceFen: number;
  title?: string;
}

export interface Order {
  id: string;
  status: OrderStatus;
  campaignId: string;
  items: OrderItem[];
  totalFen: number;
  createdAt: string;
  expiresAt: string;
  paidAt?: string | null;
  userId?: string;
}

export interface OrderTransition {
  from: OrderStatus | null;
  to: OrderStatus;
  reason: string | null;
  actor: string | null;
  at: string;
}

export interface OrderDetail extends Order {
  userId: string;
  trackingNo?: string | null;
  transitions: OrderTransition[];
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
  objectId: string | null;
  detail: unknown;
  at: string;
}
