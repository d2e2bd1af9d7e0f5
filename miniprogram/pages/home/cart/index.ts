import { type CartPageView, cartPageView, encodeCheckoutItems } from '../../../lib/cart-view';
import type { Cart } from '../../../services/api-types';
import { dispatchCartQuantity } from '../../../services/cart/dispatchCartQuantity';
import { dispatchCartRemove } from '../../../services/cart/dispatchCartRemove';
import { fetchCart } from '../../../services/cart/fetchCart';
import { api, toApiError } from '../../../services/request';

const EMPTY: CartPageView = {
  rows: [],
  selectedCount: 0,
  selectedTotalFen: 0,
  allSelected: false,
  checkoutItems: [],
};

/**
 * The cart at today's prices: tick lines, change quantities (each change is the line's new quantity, sent as
 * is, so a resend lands in the same state), remove lines; the ticked total in fen, shown as yuan by `tm-price`.
 */
Page({
  data: {
    loggedIn: false,
    loaded: false,
    view: EMPTY,
    busy: false,
    error: '',
  },
  cart: null as Cart | null,
  deselected: new Set<string>(),

  onShow() {
    const loggedIn = api.session() !== null;
    this.setData({ loggedIn });
    if (loggedIn) this.load();
  },
  onPullDownRefresh() {
    this.load().finally(() => wx.stopPullDownRefresh());
  },
  async load() {
    try {
      this.show(await fetchCart());
    } catch (err) {
      this.setData({ error: toApiError(err).message, loaded: true });
    }
  },
  show(cart: Cart) {
    this.cart = cart;
    this.setData({ view: cartPageView(cart, this.deselected), loaded: true, error: '' });
  },
  onToggle(event: WechatMiniprogram.TouchEvent) {
    const skuId = String(event.currentTarget.dataset.sku ?? '');
    if (this.deselected.has(skuId)) this.deselected.delete(skuId);
    else this.deselected.add(skuId);
    if (this.cart) this.show(this.cart);
  },
  onToggleAll() {
    if (!this.cart) return;
    if (this.data.view.allSelected) for (const l of this.cart.items) this.deselected.add(l.skuId);
    else this.deselected.clear();
    this.show(this.cart);
  },
  async setQuantity(skuId: string, quantity: number) {
    if (this.data.busy) return;
    this.setData({ busy: true });
    try {
      this.show(quantity > 0 ? await dispatchCartQuantity(skuId, quantity) : await dispatchCartRemove(skuId));
    } catch (err) {
      wx.showToast({ title: toApiError(err).message, icon: 'none' });
    } finally {
      this.setData({ busy: false });
    }
  },
  onMinus(event: WechatMiniprogram.TouchEvent) {
    const row = this.data.view.rows.find((r) => r.skuId === event.currentTarget.dataset.sku);
    if (row && row.quantity > 1) this.setQuantity(row.skuId, row.quantity - 1);
  },
  onPlus(event: WechatMiniprogram.TouchEvent) {
    const row = this.data.view.rows.find((r) => r.skuId === event.currentTarget.dataset.sku);
    if (row && row.quantity < Math.min(99, Math.max(row.stockLeft, 1)))
      this.setQuantity(row.skuId, row.quantity + 1);
  },
  async onRemove(event: WechatMiniprogram.TouchEvent) {
    const skuId = String(event.currentTarget.dataset.sku ?? '');
    const { confirm } = await wx.showModal({ title: '删除商品', content: '确定从购物车删除这件商品吗？' });
    if (confirm) this.setQuantity(skuId, 0);
  },
  onRowTap(event: WechatMiniprogram.TouchEvent) {
    const id = String(event.currentTarget.dataset.product ?? '');
    if (id) wx.navigateTo({ url: `/pages/shop/product/index?id=${id}` });
  },
  onCheckoutTap() {
    const items = this.data.view.checkoutItems;
    if (items.length === 0) return;
    wx.navigateTo({ url: `/pages/order/checkout/index?items=${encodeCheckoutItems(items)}&fromCart=1` });
  },
  onLoginTap() {
    wx.switchTab({ url: '/pages/me/profile/index' });
  },
  onBrowseTap() {
    wx.switchTab({ url: '/pages/home/category/index' });
  },
});
