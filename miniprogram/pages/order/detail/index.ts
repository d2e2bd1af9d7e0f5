import { formatDateTime, ORDER_STATUS_LABELS } from '../../../lib/order-view';
import { sleepMs } from '../../../lib/tap-command';
import type { Order } from '../../../services/api-types';
import { dispatchOrderCancel } from '../../../services/order/dispatchOrderCancel';
import { dispatchPayment } from '../../../services/order/dispatchPayment';
import { fetchOrder } from '../../../services/order/fetchOrder';
import { toApiError } from '../../../services/request';
import { syncServerClock } from '../../../services/time/fetchServerTime';

/**
 * One order: pay it before `expiresAt` (WeChat Pay, or the dev provider in the demo), or cancel it. After
 * paying, the page polls until the gateway has heard from the provider and the order reads `paid`.
 */
Page({
  data: {
    id: '',
    order: null as Order | null,
    statusLabel: '',
    createdAt: '',
    paidAt: '',
    busy: false,
    notice: '',
    error: '',
  },

  onLoad(query: Record<string, string | undefined>) {
    this.setData({ id: query.id ?? '' });
  },
  onShow() {
    this.load();
  },
  show(order: Order) {
    this.setData({
      order,
      statusLabel: ORDER_STATUS_LABELS[order.status] ?? order.status,
      createdAt: formatDateTime(order.createdAt),
      paidAt: order.paidAt ? formatDateTime(order.paidAt) : '',
      error: '',
    });
  },
  async load() {
    try {
      const [order] = await Promise.all([fetchOrder(this.data.id), syncServerClock()]);
      this.show(order);
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    }
  },
  /** Time to pay ran out: the server cancels the order and returns its stock. */
  onExpire() {
    this.load();
  },
  async onPayTap() {
    if (this.data.busy) return;
    this.setData({ busy: true, notice: '' });
    try {
      await dispatchPayment(this.data.id);
      this.setData({ notice: '支付确认中…' });
      // The provider tells the gateway on its own channel; give it a few seconds before leaving it to "下拉刷新".
      for (let poll = 0; poll < 10; poll++) {
        const order = await fetchOrder(this.data.id);
        this.show(order);
        if (order.status !== 'pending_payment') break;
        await sleepMs(1000);
      }
      this.setData({
        notice: this.data.order?.status === 'paid' ? '支付成功' : '支付结果确认中，请稍后刷新',
      });
    } catch (err) {
      this.setData({ notice: toApiError(err).message });
    } finally {
      this.setData({ busy: false });
    }
  },
  async onCancelTap() {
    if (this.data.busy) return;
    const { confirm } = await wx.showModal({
      title: '取消订单',
      content: '确定取消这个订单吗？名额将被释放。',
    });
    if (!confirm) return;
    this.setData({ busy: true, notice: '' });
    try {
      this.show(await dispatchOrderCancel(this.data.id));
    } catch (err) {
      this.setData({ notice: toApiError(err).message });
    } finally {
      this.setData({ busy: false });
    }
  },
});
