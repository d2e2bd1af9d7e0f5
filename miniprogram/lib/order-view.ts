import type { Order, OrderStatus } from '../services/api-types';

export const ORDER_STATUS_LABELS: Readonly<Record<OrderStatus, string>> = {
  pending_payment: '待付款',
  paid: '已付款',
  cancelled: '已取消',
  refunding: '退款中',
  refunded: '已退款',
  shipped: '已发货',
  completed: '已完成',
};

/** Local date and time for a list row: "2025-11-25 15:04". */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export interface OrderRowView {
  id: string;
  statusLabel: string;
  payable: boolean;
  /** The first line's product, and how many other lines: "西湖龙井 明前特级 等 2 种". */
  title: string;
  /** What the shopper pays (or paid): the items less any discount and points. */
  payableFen: number;
  quantity: number;
  createdAt: string;
}

export function orderRowView(order: Order): OrderRowView {
  return {
    id: order.id,
    statusLabel: ORDER_STATUS_LABELS[order.status] ?? order.status,
    payable: order.status === 'pending_payment',
    title: orderTitle(order),
    payableFen: order.payableFen,
    quantity: (order.items ?? []).reduce((n, item) => n + item.quantity, 0),
    createdAt: formatDateTime(order.createdAt),
  };
}

function orderTitle(order: Order): string {
  const items = order.items ?? [];
  const first = items[0]?.title ?? '';
  return items.length > 1 ? `${first} 等 ${items.length} 种` : first;
}
