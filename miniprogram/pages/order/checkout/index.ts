import { addressLine } from '../../../lib/address-view';
import { decodeCheckoutItems } from '../../../lib/cart-view';
import { type PriceLine, priceBreakdown } from '../../../lib/fulfilment-view';
import { TapCommand } from '../../../lib/tap-command';
import { fetchAddresses } from '../../../services/address/fetchAddresses';
import type { Address } from '../../../services/api-types';
import { fetchCart } from '../../../services/cart/fetchCart';
import { fetchProduct } from '../../../services/catalog/fetchProduct';
import { dispatchCheckout } from '../../../services/order/dispatchCheckout';
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
 * price breakdown in fen, then "提交订单": one order for all lines or none, and on to paying it on the order's
 * page, the one payment path every order takes.
 */
Page({
  data: {
    lines: [] as CheckoutLine[],
    address: null as Address | null,
    addressText: '',
    breakdown: [] as PriceLine[],
    payableFen: 0,
    busy: false,
    error: '',
  },
  /** One tap on "提交订单" and its retries share a requestId: a lost answer never makes a second order. */
  tap: new TapCommand({ campaignId: '', requestIdPrefix: 'co' }),

  onLoad(query: Record<string, string | undefined>) {
    this.load(decodeCheckoutItems(query.items ?? ''), query.product ?? '');
  },
  async load(items: Array<{ skuId: string; quantity: number }>, productId: string) {
    try {
      const [lines, addresses] = await Promise.all([this.linesOf(items, productId), fetchAddresses()]);
      if (lines.length === 0) throw new Error('nothing to check out');
      const itemsFen = lines.reduce((sum, l) => sum + l.priceFen * l.quantity, 0);
      // Coupons and points are not offered yet: the breakdown shows them at zero, as the order will.
      const { lines: breakdown, payableFen } = priceBreakdown({
        itemsFen,
        discountFen: 0,
        payableFen: itemsFen,
        pointsUsed: 0,
      });
      this.setData({ lines, breakdown, payableFen, error: '' });
      this.useAddress(addresses.find((a) => a.isDefault) ?? addresses[0] ?? null);
    } catch (err) {
      this.setData({
        error: err instanceof Error && !('code' in err) ? '没有可结算的商品' : toApiError(err).message,
      });
    }
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
    try {
      const order = await this.tap.run(({ requestId }) =>
        dispatchCheckout({
          items: this.data.lines.map((l) => ({ skuId: l.skuId, quantity: l.quantity })),
          addressId: address.id,
          requestId,
        }),
      );
      wx.redirectTo({ url: `/pages/order/detail/index?id=${order.id}&pay=1` });
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    } finally {
      this.setData({ busy: false });
    }
  },
});
