/**
 * What the points pages show, without `wx`: a ledger line in the shopper's words, and what a points-mall item
 * allows given my balance and what I already redeemed of it.
 */
import type { MallItem, PointsEntry, PointsReason, Redemption } from '../services/api-types';
import { formatDateTime } from './order-view';

export const POINTS_REASON_LABELS: Readonly<Record<PointsReason, string>> = {
  order_earn: '购物赠送',
  order_earn_reversal: '退款扣回赠送积分',
  checkout_hold: '下单抵扣',
  checkout_release: '订单取消，积分退回',
  refund_return: '退款退回',
  mall_redeem: '积分商城兑换',
  expired: '积分过期',
  admin_adjust: '客服调整',
};

export interface LedgerRowView {
  key: string;
  label: string;
  /** "+800" or "-300". */
  delta: string;
  earned: boolean;
  at: string;
  orderId: string;
  /** "2027-05-29 到期" for earnings that expire; '' otherwise. */
  expires: string;
}

export function ledgerRowView(entry: PointsEntry, index: number): LedgerRowView {
  return {
    key: `${entry.at}-${index}`,
    label: POINTS_REASON_LABELS[entry.reason] ?? entry.reason,
    delta: entry.delta > 0 ? `+${entry.delta}` : String(entry.delta),
    earned: entry.delta > 0,
    at: formatDateTime(entry.at),
    orderId: entry.orderId ?? '',
    expires: entry.expiresAt && entry.delta > 0 ? `${formatDateTime(entry.expiresAt).slice(0, 10)} 到期` : '',
  };
}

export type MallBlock = '' | 'sold_out' | 'limit' | 'not_enough' | 'not_started' | 'ended';

export interface MallItemView {
  id: string;
  title: string;
  description: string;
  imageUrl: string;
  cost: number;
  /** "仅剩 3 件", "已兑完", or "" when plenty are left. */
  stockLabel: string;
  /** "每人限兑 1 件 · 已兑 1 件". */
  limitLabel: string;
  block: MallBlock;
  /** The button's words: "立即兑换", or why not. */
  action: string;
}

const BLOCK_WORDS: Readonly<Record<Exclude<MallBlock, ''>, string>> = {
  sold_out: '已兑完',
  limit: '已达兑换上限',
  not_enough: '积分不足',
  not_started: '即将开始',
  ended: '已结束',
};

/** Few enough left to say so. */
const FEW_LEFT = 10;

export function mallItemView(
  item: MallItem,
  balance: number,
  redeemedByMe: number,
  nowMs: number,
): MallItemView {
  const block: MallBlock =
    item.stockLeft <= 0
      ? 'sold_out'
      : item.startsAt && Date.parse(item.startsAt) > nowMs
        ? 'not_started'
        : item.endsAt && Date.parse(item.endsAt) <= nowMs
          ? 'ended'
          : redeemedByMe >= item.perUserLimit
            ? 'limit'
            : balance < item.pointsCost
              ? 'not_enough'
              : '';
  return {
    id: item.id,
    title: item.title,
    description: item.description,
    imageUrl: item.imageUrl ?? '',
    cost: item.pointsCost,
    stockLabel:
      item.stockLeft <= 0 ? '已兑完' : item.stockLeft <= FEW_LEFT ? `仅剩 ${item.stockLeft} 件` : '',
    limitLabel: `每人限兑 ${item.perUserLimit} 件${redeemedByMe > 0 ? ` · 已兑 ${redeemedByMe} 件` : ''}`,
    block,
    action: block === '' ? '立即兑换' : BLOCK_WORDS[block],
  };
}

/** How many of each item I redeemed, from my redemptions. */
export function redeemedCounts(redemptions: readonly Redemption[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of redemptions) counts[r.itemId] = (counts[r.itemId] ?? 0) + 1;
  return counts;
}
