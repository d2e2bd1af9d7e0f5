/** Shapes of the gateway's answers (API.md). Money is integer fen; times are ISO 8601 UTC strings. */

export type CampaignType = 'seckill' | 'groupbuy';
export type CampaignStatus = 'scheduled' | 'live' | 'ended' | 'stopped';

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
  /** While enabled, buying needs an admission token from `POST /api/campaigns/:id/admission`. */
  waitingRoom?: { enabled: boolean; admissionRatePerSecond: number };
}

export type ReservationStatus = 'pending' | 'settled' | 'released';

export interface Reservation {
  id: string;
  campaignId: string;
  quantity: number;
  status: ReservationStatus;
  orderId?: string;
  /** Set on group-buy reservations. */
  groupId?: string;
  expiresAt: string;
}

export type OrderStatus =
  | 'pending_payment'
  | 'paid'
  | 'cancelled'
  | 'refunding'
  | 'refunded'
  | 'shipped'
  | 'completed';

export interface OrderItem {
  skuId: string;
  quantity: number;
  unitPriceFen: number;
  title: string;
}

export interface Order {
  id: string;
  status: OrderStatus;
  campaignId: string;
  groupId?: string;
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

export interface OrderPage {
  items: Order[];
  nextCursor: string | null;
}

export type GroupStatus = 'forming' | 'succeeded' | 'failed';

export interface GroupMember {
  userId: string;
  paid: boolean;
}

export interface Group {
  id: string;
  campaignId: string;
  leaderId: string;
  size: number;
  slotsTaken: number;
  members: GroupMember[];
  status: GroupStatus;
  expiresAt: string;
  /** The mini-program page that opens this group (for share cards). */
  sharePath: string;
}

export interface GroupEntry {
  group: Group;
  reservation: Reservation;
}

export interface ShopperUser {
  id: string;
  nickname?: string;
  createdAt?: string;
}

export interface Session {
  token: string;
  user: ShopperUser;
}

export interface Admission {
  token: string;
  expiresAt: string;
}

export type WechatPaymentParams = {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'MD5' | 'HMAC-SHA256' | 'RSA';
  paySign: string;
};

export type PaymentStart =
  | { provider: 'wechat'; params: WechatPaymentParams }
  | { provider: 'dev'; params: Record<string, string> };

/** A delivery address (`GET /api/addresses`); `region` is province, city and district codes. */
export interface Address {
  id: string;
  name: string;
  phone: string;
  region: [string, string, string];
  regionNames?: [string, string, string];
  detail: string;
  isDefault: boolean;
}

export type AddressInput = Omit<Address, 'id' | 'isDefault'> & { isDefault?: boolean };
