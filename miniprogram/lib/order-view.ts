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
  totalFen: number;
  quantity: number;
  createdAt: string;
}

export function orderRowView(order: Order): OrderRowView {
  return {
    id: order.id,
    statusLabel: ORDER_STATUS_LABELS[order.status] ?? order.status,
    payable: order.status === 'pending_payment',
    totalFen: order.totalFen,
    quantity: (order.items ?? []).reduce((n, item) => n + item.quantity, 0),
    createdAt: formatDateTime(order.createdAt),
  };
}
