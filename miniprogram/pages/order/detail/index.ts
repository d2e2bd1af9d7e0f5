import { addressLine } from '../../../lib/address-view';
import {
  type AfterSaleView,
  afterSaleView,
  type OrderActions,
  orderActions,
  type PriceLine,
  priceBreakdown,
  type TrackingPackageView,
  trackingView,
} from '../../../lib/fulfilment-view';
import { formatDateTime, ORDER_STATUS_LABELS } from '../../../lib/order-view';
import { serverClock } from '../../../lib/server-clock';
import { sleepMs } from '../../../lib/tap-command';
import type { Address, Order } from '../../../services/api-types';
import { dispatchOrderCancel } from '../../../services/order/dispatchOrderCancel';
import { dispatchPayment } from '../../../services/order/dispatchPayment';
import { dispatchReceipt } from '../../../services/order/dispatchReceipt';
import { fetchOrder } from '../../../services/order/fetchOrder';
import { fetchRefundRequests } from '../../../services/order/fetchRefundRequests';
import { fetchTracking } from '../../../services/order/fetchTracking';
import { toApiError } from '../../../services/request';
import { syncServerClock } from '../../../services/time/fetchServerTime';

const NO_ACTIONS: OrderActions = {
  pay: false,
  cancel: false,
  needsAddress: false,
  tracking: false,
  confirmReceipt: false,
  afterSale: false,
};

/**
 * One order: its address, lines and price breakdown; pay it before `expiresAt` (WeChat Pay, or the dev provider
 * in the demo), or cancel it. A seckill or group-buy order has no address yet: the shopper picks one here (the
 * address book opens on top, this page and its order stay as they are) and paying sends it with the payment;
 * the order keeps its units until `expiresAt` whatever happens meanwhile. Once shipped: each package's
 * tracking timeline, "确认收货", and the after-sale request.
 */
Page({
  data: {
    id: '',
    order: null as Order | null,
    statusLabel: '',
    createdAt: '',
    paidAt: '',
    shippedAt: '',
    addressText: '',
    /** Picked for an order that has no address yet; sent with the payment. */
    pickedAddress: null as Address | null,
    breakdown: [] as PriceLine[],
    actions: NO_ACTIONS,
    packages: [] as TrackingPackageView[],
    afterSale: null as AfterSaleView | null,
    busy: false,
    notice: '',
    error: '',
  },
  /** `?pay=1` (from checkout), or back from picking the address to pay with: start paying when shown. */
  payOnShow: false,

  onLoad(query: Record<string, string | undefined>) {
    this.setData({ id: query.id ?? '' });
    this.payOnShow = query.pay === '1';
  },
  async onShow() {
    await this.load();
    if (this.payOnShow && this.data.actions.pay) {
      this.payOnShow = false;
      if (!this.data.actions.needsAddress || this.data.pickedAddress) this.onPayTap();
    }
  },
  onPullDownRefresh() {
    this.load().finally(() => wx.stopPullDownRefresh());
  },
  show(order: Order) {
    const picked = this.data.pickedAddress;
    const shown = order.address ?? picked;
    this.setData({
      order,
      statusLabel: ORDER_STATUS_LABELS[order.status] ?? order.status,
      createdAt: formatDateTime(order.createdAt),
      paidAt: order.paidAt ? formatDateTime(order.paidAt) : '',
      shippedAt: order.shippedAt ? formatDateTime(order.shippedAt) : '',
      addressText: shown ? addressLine(shown) : '',
      breakdown: priceBreakdown(order).lines,
      actions: orderActions(order, serverClock.now()),
      error: '',
    });
  },
  async load() {
    try {
      const [order] = await Promise.all([fetchOrder(this.data.id), syncServerClock()]);
      this.show(order);
      await Promise.all([
        this.data.actions.tracking ? this.loadTracking() : Promise.resolve(),
        this.loadAfterSale(order),
      ]);
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    }
  },
  async loadTracking() {
    try {
      this.setData({ packages: trackingView(await fetchTracking(this.data.id)) });
    } catch (err) {
      this.setData({ notice: toApiError(err).message });
    }
  },
  /** The latest after-sale request and the operator's decision; an order never paid has none to ask about. */
  async loadAfterSale(order: Order) {
    if (order.status === 'pending_payment' || (order.status === 'cancelled' && !order.paidAt)) {
      this.setData({ afterSale: null });
      return;
    }
    try {
      const view = afterSaleView(await fetchRefundRequests(order.id));
      // A request waiting for the operator: no second one until it is decided.
      this.setData({
        afterSale: view,
        actions: { ...this.data.actions, afterSale: this.data.actions.afterSale && !view?.pending },
      });
    } catch (err) {
      this.setData({ notice: toApiError(err).message });
    }
  },
  /** Time to pay ran out: the server cancels the order and returns its stock. */
  onExpire() {
    this.load();
  },
  /** Opens the address book on top of this page; the pick comes back through the event channel. */
  onAddressTap() {
    if (!this.data.actions.needsAddress) return;
    wx.navigateTo({
      url: `/pages/address/list/index?select=1&selected=${this.data.pickedAddress?.id ?? ''}`,
      events: {
        selected: (address: Address) => {
          this.setData({ pickedAddress: address });
          if (this.data.order) this.show(this.data.order);
        },
      },
    });
  },
  async onPayTap() {
    if (this.data.busy) return;
    if (this.data.actions.needsAddress && !this.data.pickedAddress) {
      // Pay once the shopper is back with an address (onShow); the order keeps its units meanwhile.
      this.payOnShow = true;
      this.setData({ notice: '请先选择收货地址' });
      this.onAddressTap();
      return;
    }
    this.setData({ busy: true, notice: '' });
    try {
      await dispatchPayment(this.data.id, this.data.order?.address ? undefined : this.data.pickedAddress?.id);
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
      const error = toApiError(err);
      if (error.code === 'ADDRESS_REQUIRED') this.setData({ pickedAddress: null });
      this.setData({ notice: error.message });
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
  async onReceiptTap() {
    if (this.data.busy) return;
    const { confirm } = await wx.showModal({ title: '确认收货', content: '确认已经收到全部商品了吗？' });
    if (!confirm) return;
    this.setData({ busy: true, notice: '' });
    try {
      this.show(await dispatchReceipt(this.data.id));
      this.setData({ notice: '已确认收货' });
    } catch (err) {
      this.setData({ notice: toApiError(err).message });
    } finally {
      this.setData({ busy: false });
    }
  },
  onAfterSaleTap() {
    wx.navigateTo({ url: `/pages/order/after-sale/index?id=${this.data.id}` });
  },
  onCopyTap(event: WechatMiniprogram.TouchEvent) {
    const no = String(event.currentTarget.dataset.no ?? '');
    if (no) wx.setClipboardData({ data: no });
  },
});
