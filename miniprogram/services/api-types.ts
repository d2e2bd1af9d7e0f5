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
}

export interface Reservation {
  id: string;
  campaignId: string;
  quantity: number;
  status: string;
  orderId?: string | null;
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
}

export interface GroupEntry {
  group: Group;
  reservation: Reservation;
}

export interface ShopperUser {
  id: string;
  nickname?: string;
  openid?: string;
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
  | { provider: 'dev'; params: Record<string, unknown> };
