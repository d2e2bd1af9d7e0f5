import { addressLine } from '../../../lib/address-view';
import {
  type CouponChoice,
  orderCouponChange,
  orderCouponChoice,
  orderPriceWith,
  orderTakesCoupon,
} from '../../../lib/coupon-view';
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
import { fetchOrderCoupons } from '../../../services/coupon/fetchOrderCoupons';
import { dispatchOrderCancel } from '../../../services/order/dispatchOrderCancel';
import { dispatchOrderCoupon } from '../../../services/order/dispatchOrderCoupon';
import { dispatchPayment } from '../../../services/order/dispatchPayment';
import { dispatchReceipt } from '../../../services/order/dispatchReceipt';
import { dispatchRemoveOrderCoupon } from '../../../services/order/dispatchRemoveOrderCoupon';
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
 *
 * An unpaid seckill or group-buy order takes one of my coupons here (a shop order took its coupon at checkout):
 * the one it holds is chosen, else the best that applies at the campaign price; choosing another puts it on the
 * order at once (the server answers the new payable amount), and "立即支付" first puts the chosen one on if it
 * is not yet. Once paying started the price is fixed (`paymentStartedAt`): the coupon shows without a choice.
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
    /** Shown with the breakdown: the chosen coupon's payable amount until the server's answer replaces it. */
    payableFen: 0,
    /** An unpaid campaign order: the coupon choice shows (none first, then mine best first). */
    couponChoosable: false,
    coupons: [] as CouponChoice[],
    couponLabels: [] as string[],
    couponIndex: 0,
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
    const choosable = orderTakesCoupon(order);
    const price = choosable ? orderPriceWith(order, this.data.coupons[this.data.couponIndex]) : order;
    const { lines: breakdown, payableFen } = priceBreakdown(price);
    this.setData({
      order,
      statusLabel: ORDER_STATUS_LABELS[order.status] ?? order.status,
      createdAt: formatDateTime(order.createdAt),
      paidAt: order.paidAt ? formatDateTime(order.paidAt) : '',
      shippedAt: order.shippedAt ? formatDateTime(order.shippedAt) : '',
      addressText: shown ? addressLine(shown) : '',
      breakdown,
      payableFen,
      couponChoosable: choosable,
      actions: orderActions(order, serverClock.now()),
      error: '',
    });
  },
  async load() {
    try {
      const [order] = await Promise.all([fetchOrder(this.data.id), syncServerClock()]);
      await this.loadCoupons(order);
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
  /** My coupons for an unpaid campaign order, the one it holds (else the best) chosen; none to choose otherwise. */
  async loadCoupons(order: Order) {
    if (!orderTakesCoupon(order)) {
      this.setData({ coupons: [], couponLabels: [], couponIndex: 0 });
      return;
    }
    const applicable = await fetchOrderCoupons(order.id).catch(() => ({ items: [] }));
    const { choices, index } = orderCouponChoice(applicable.items, order.coupon?.id);
    this.setData({ coupons: choices, couponLabels: choices.map((c) => c.label), couponIndex: index });
  },
  /** The shopper chose a coupon (or none): it goes on the order now, and the order's new price shows. */
  async onCouponChange(e: WechatMiniprogram.PickerChange) {
    if (this.data.busy || !this.data.order) return;
    this.setData({ couponIndex: Number(e.detail.value), notice: '' });
    this.show(this.data.order);
    this.setData({ busy: true });
    try {
      await this.applyChosenCoupon();
    } finally {
      this.setData({ busy: false });
    }
  },
  /**
   * Puts the chosen coupon on the order (or takes the held one off) unless it is so already; false when the
   * server refused, after showing why and going back to what the order holds.
   */
  async applyChosenCoupon(): Promise<boolean> {
    const order = this.data.order;
    if (!order || !this.data.couponChoosable) return true;
    const change = orderCouponChange(this.data.coupons[this.data.couponIndex], order.coupon?.id);
    if (!change) return true;
    try {
      const updated =
        change.kind === 'apply'
          ? await dispatchOrderCoupon(order.id, change.couponId)
          : await dispatchRemoveOrderCoupon(order.id);
      this.show(updated);
      return true;
    } catch (err) {
      const error = toApiError(err);
      // The coupon went elsewhere, no longer applies, or paying started: what the order holds now, and the choices.
      const now = await fetchOrder(order.id).catch(() => order);
      await this.loadCoupons(now);
      this.show(now);
      this.setData({ notice: error.message });
      return false;
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
      // The chosen coupon goes on first, so the channel is asked for the price the shopper sees.
      if (!(await this.applyChosenCoupon())) return;
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
