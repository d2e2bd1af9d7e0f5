/** After payment, without `wx`: price breakdown, what an order allows, its tracking timeline, after-sale kinds. */
import type { Order, RefundRequest, RefundRequestKind, Tracking } from '../services/api-types';
import { formatDateTime } from './order-view';

export interface PriceLine {
  label: string;
  /** Integer fen; a deduction is negative. */
  fen: number;
}

/**
 * 商品金额, 优惠, 积分抵扣 and 实付, all in fen. The points' worth is what the items, less the discount, do
 * not charge: the order carries the points used, and their worth is derived so the lines always add up.
 */
export function priceBreakdown(
  order: Pick<Order, 'itemsFen' | 'discountFen' | 'payableFen' | 'pointsUsed'>,
): { lines: PriceLine[]; payableFen: number } {
  const pointsFen = order.itemsFen - order.discountFen - order.payableFen;
  const lines: PriceLine[] = [{ label: '商品金额', fen: order.itemsFen }];
  // `0 - x`, not `-x`: no -0 for a deduction of nothing.
  lines.push({ label: '优惠', fen: 0 - order.discountFen });
  lines.push({
    label: order.pointsUsed > 0 ? `积分抵扣（${order.pointsUsed} 积分）` : '积分抵扣',
    fen: 0 - pointsFen,
  });
  return { lines, payableFen: order.payableFen };
}

/** What the shopper may do with an order now. */
export interface OrderActions {
  pay: boolean;
  cancel: boolean;
  /** Goods without an address: pick one before paying (the reservation waits until `expiresAt`). */
  needsAddress: boolean;
  tracking: boolean;
  confirmReceipt: boolean;
  afterSale: boolean;
}

/**
 * `nowMs` is the server's clock (`serverClock.now()`): a completed order takes an after-sale request until its
 * `afterSaleUntil` (AFTER_SALE_DAYS after completion); the gateway refuses a later one all the same.
 */
export function orderActions(order: Order, nowMs: number = Date.now()): OrderActions {
  const pending = order.status === 'pending_payment';
  return {
    pay: pending,
    cancel: pending,
    needsAddress: pending && !order.address,
    tracking: order.status === 'shipped' || order.status === 'completed' || order.shippedAt !== undefined,
    confirmReceipt: order.status === 'shipped',
    afterSale:
      order.status === 'paid' ||
      order.status === 'shipped' ||
      (order.status === 'completed' &&
        order.afterSaleUntil !== undefined &&
        Date.parse(order.afterSaleUntil) > nowMs),
  };
}

/** Carrier codes as WeChat's shipping records name them, and the names a shopper knows. */
export const CARRIER_NAMES: Readonly<Record<string, string>> = {
  SF: '顺丰速运',
  JD: '京东快递',
  EMS: '中国邮政 EMS',
  YTO: '圆通速递',
  ZTO: '中通快递',
  STO: '申通快递',
  YD: '韵达快递',
  JTSD: '极兔速递',
  DBL: '德邦快递',
};

export interface TrackingPackageView {
  carrier: string;
  trackingNo: string;
  events: Array<{ at: string; description: string; latest: boolean }>;
}

/** Each package with its events newest first; the newest is marked for the timeline's highlight. */
export function trackingView(tracking: Tracking): TrackingPackageView[] {
  return tracking.packages.map((p) => ({
    carrier: CARRIER_NAMES[p.carrier] ?? p.carrier,
    trackingNo: p.trackingNo,
    events: [...p.events]
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
      .map((e, i) => ({ at: formatDateTime(e.at), description: e.description, latest: i === 0 })),
  }));
}

export const AFTER_SALE_KINDS: ReadonlyArray<{ kind: RefundRequestKind; label: string; hint: string }> = [
  { kind: 'refund_only', label: '仅退款', hint: '未收到货，或与商家协商不退货' },
  { kind: 'return_refund', label: '退货退款', hint: '已收到货，需要寄回' },
];

export const AFTER_SALE_REASONS: readonly string[] = [
  '不想要了',
  '商品质量问题',
  '商品与描述不符',
  '少件、漏发',
  '快递一直未送达',
  '其他',
];

/** The reason as the gateway takes it (2–200 characters), or the sentence to show. */
export function afterSaleReason(reason: string, note: string): { reason: string } | { error: string } {
  const text = [reason, note.trim()].filter((s) => s).join('：');
  if (text.length < 2) return { error: '请选择或填写退款原因' };
  if (text.length > 200) return { error: '退款原因请控制在 200 字以内' };
  return { reason: text };
}

export interface AfterSaleView {
  /** "售后处理中", "售后已同意，退款中", "售后未通过". */
  state: string;
  kind: string;
  reason: string;
  /** The operator's note, when they left one. */
  note: string;
  pending: boolean;
}

const AFTER_SALE_STATE: Readonly<Record<RefundRequest['status'], string>> = {
  pending: '售后处理中，商家会尽快处理',
  approved: '售后已同意，款项原路退回',
  rejected: '售后未通过',
};

/** The latest after-sale request of an order as its shopper reads it, or null when there is none. */
export function afterSaleView(requests: readonly RefundRequest[]): AfterSaleView | null {
  const latest = requests[0];
  if (!latest) return null;
  return {
    state: AFTER_SALE_STATE[latest.status],
    kind: latest.kind === 'return_refund' ? '退货退款' : '仅退款',
    reason: latest.reason,
    note: latest.note ?? '',
    pending: latest.status === 'pending',
  };
}
