import { addressLine } from '../../../lib/address-view';
import { decodeCheckoutItems } from '../../../lib/cart-view';
import { maxPointsOf, pointsToRequest } from '../../../lib/checkout-points';
import { type CouponChoice, couponChoices } from '../../../lib/coupon-view';
import { type PriceLine, priceBreakdown } from '../../../lib/fulfilment-view';
import { TapCommand } from '../../../lib/tap-command';
import { fetchAddresses } from '../../../services/address/fetchAddresses';
import type { Address } from '../../../services/api-types';
import { fetchCart } from '../../../services/cart/fetchCart';
import { fetchProduct } from '../../../services/catalog/fetchProduct';
import { fetchApplicableCoupons } from '../../../services/coupon/fetchApplicableCoupons';
import { dispatchCheckout } from '../../../services/order/dispatchCheckout';
import { fetchPointsBalance } from '../../../services/points/fetchPointsBalance';
import { toApiError } from '../../../services/request';

interface CheckoutLine {
  skuId: string;
  title: string;
  skuTitle: string;
  quantity: number;
  priceFen: number;
}

/**
 * Checkout at the regular price: the lines (from the cart, or one SKU with `product=` for "立即购买"), the
 * delivery address (the default, or another from the address book, which can also import from WeChat), the
 * coupon (the best of mine for these lines, or another, or none), the price breakdown in fen, then
 * "提交订单": one order for all lines or none, and on to paying it on the order's page, the one payment path
 * every order takes.
 */
Page({
  data: {
    lines: [] as CheckoutLine[],
    address: null as Address | null,
    addressText: '',
    breakdown: [] as PriceLine[],
    payableFen: 0,
    /** No coupon first, then my applicable coupons best first; `couponIndex` is the one chosen. */
    coupons: [] as CouponChoice[],
    couponLabels: [] as string[],
    couponIndex: 0,
    pointsBalance: 0,
    usePoints: false,
    /** What the gateway said this order may use at most, once it has refused more. */
    maxPoints: null as number | null,
    pointsToUse: 0,
    busy: false,
    error: '',
  },
  /**
   * One tap on "提交订单" and its retries share a requestId: a lost answer never makes a second order. Made in
   * onLoad, since object fields of the options are copied per page and a copy would lose its methods.
   */
  tap: null as TapCommand | null,

  onLoad(query: Record<string, string | undefined>) {
    this.tap = new TapCommand({ campaignId: '', requestIdPrefix: 'co' });
    this.load(decodeCheckoutItems(query.items ?? ''), query.product ?? '');
  },
  async load(items: Array<{ skuId: string; quantity: number }>, productId: string) {
    try {
      const [lines, addresses] = await Promise.all([this.linesOf(items, productId), fetchAddresses()]);
      if (lines.length === 0) throw new Error('nothing to check out');
      this.setData({ lines, error: '' });
      this.useAddress(addresses.find((a) => a.isDefault) ?? addresses[0] ?? null);
      // Points are optional: without a balance (or its answer) the switch just does not show.
      fetchPointsBalance()
        .then((pointsBalance) => this.setData({ pointsBalance }))
        .catch(() => this.setData({ pointsBalance: 0 }));
      await this.loadCoupons();
    } catch (err) {
      this.setData({
        error: err instanceof Error && !('code' in err) ? '没有可结算的商品' : toApiError(err).message,
      });
    }
  },
  /** My coupons for these lines, the best one chosen (the shopper may pick another or none). */
  async loadCoupons() {
    const lines = this.data.lines;
    const applicable = await fetchApplicableCoupons(lines).catch(() => ({ items: [] }));
    const coupons = couponChoices(applicable.items);
    this.setData({
      coupons,
      couponLabels: coupons.map((c) => c.label),
      couponIndex: coupons.length > 1 ? 1 : 0,
    });
    this.price();
  },
  /** The price breakdown with the chosen coupon's discount; the points' worth shows on the order once placed. */
  price() {
    const itemsFen = this.data.lines.reduce((sum, l) => sum + l.priceFen * l.quantity, 0);
    const discountFen = this.data.coupons[this.data.couponIndex]?.discountFen ?? 0;
    const { lines: breakdown, payableFen } = priceBreakdown({
      itemsFen,
      discountFen,
      payableFen: itemsFen - discountFen,
      pointsUsed: 0,
    });
    this.setData({ breakdown, payableFen });
  },
  onCouponChange(e: WechatMiniprogram.PickerChange) {
    this.setData({ couponIndex: Number(e.detail.value) });
    this.price();
  },
  /** The lines with today's titles and prices: the cart's, or the product's for a single "立即购买". */
  async linesOf(
    items: Array<{ skuId: string; quantity: number }>,
    productId: string,
  ): Promise<CheckoutLine[]> {
    if (productId) {
      const product = await fetchProduct(productId);
      return items.flatMap((i) => {
        const sku = product.skus.find((s) => s.id === i.skuId);
        return sku
          ? [
              {
                skuId: i.skuId,
                title: product.title,
                skuTitle: sku.title,
                quantity: i.quantity,
                priceFen: sku.priceFen,
              },
            ]
          : [];
      });
    }
    const cart = await fetchCart();
    return items.flatMap((i) => {
      const line = cart.items.find((l) => l.skuId === i.skuId && l.available);
      return line
        ? [
            {
              skuId: i.skuId,
              title: line.title ?? i.skuId,
              skuTitle: line.skuTitle ?? '',
              quantity: i.quantity,
              priceFen: line.priceFen,
            },
          ]
        : [];
    });
  },
  useAddress(address: Address | null) {
    this.setData({ address, addressText: address ? addressLine(address) : '' });
  },
  onPointsChange(event: WechatMiniprogram.SwitchChange) {
    const usePoints = event.detail.value;
    this.setData({
      usePoints,
      pointsToUse: pointsToRequest(this.data.pointsBalance, usePoints, this.data.maxPoints),
    });
  },
  onAddressTap() {
    const selected = this.data.address?.id ?? '';
    wx.navigateTo({
      url: `/pages/address/list/index?select=1&selected=${selected}`,
      events: { selected: (address: Address) => this.useAddress(address) },
    });
  },
  async onSubmitTap() {
    if (this.data.busy) return;
    const address = this.data.address;
    if (!address) {
      this.setData({ error: '请先选择收货地址' });
      this.onAddressTap();
      return;
    }
    this.setData({ busy: true, error: '' });
    const couponId = this.data.coupons[this.data.couponIndex]?.couponId ?? '';
    try {
      this.tap ??= new TapCommand({ campaignId: '', requestIdPrefix: 'co' });
      const order = await this.tap.run(({ requestId }) =>
        dispatchCheckout({
          items: this.data.lines.map((l) => ({ skuId: l.skuId, quantity: l.quantity })),
          addressId: address.id,
          ...(this.data.pointsToUse > 0 ? { pointsToUse: this.data.pointsToUse } : {}),
          requestId,
          ...(couponId ? { couponId } : {}),
        }),
      );
      wx.redirectTo({ url: `/pages/order/detail/index?id=${order.id}&pay=1` });
    } catch (err) {
      const error = toApiError(err);
      const maxPoints = error.code === 'POINTS_OVER_LIMIT' ? maxPointsOf(error.details) : null;
      if (maxPoints !== null) {
        // Ask for what this order allows; the shopper sees it and submits again.
        const pointsToUse = pointsToRequest(this.data.pointsBalance, maxPoints > 0, maxPoints);
        this.setData({
          maxPoints,
          pointsToUse,
          usePoints: pointsToUse > 0,
          error:
            pointsToUse > 0 ? `本单最多可用 ${maxPoints} 积分，已为你调整，请再次提交` : '本单不能使用积分',
        });
        return;
      }
      this.setData({ error: error.message });
      // The coupon went to another order meanwhile (or no longer applies): offer what is left.
      if (error.code === 'COUPON_UNAVAILABLE' || error.code === 'COUPON_NOT_APPLICABLE')
        await this.loadCoupons();
    } finally {
      this.setData({ busy: false });
    }
  },
});
