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
  /** Lines the shopper unticked; made in onLoad, since object fields of the options are copied per page. */
  deselected: null as Set<string> | null,

  onLoad() {
    this.deselected = new Set<string>();
  },
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
    this.setData({ view: cartPageView(cart, this.unticked()), loaded: true, error: '' });
  },
  unticked(): Set<string> {
    this.deselected ??= new Set<string>();
    return this.deselected;
  },
  onToggle(event: WechatMiniprogram.TouchEvent) {
    const skuId = String(event.currentTarget.dataset.sku ?? '');
    const unticked = this.unticked();
    if (unticked.has(skuId)) unticked.delete(skuId);
    else unticked.add(skuId);
    if (this.cart) this.show(this.cart);
  },
  onToggleAll() {
    if (!this.cart) return;
    const unticked = this.unticked();
    if (this.data.view.allSelected) for (const l of this.cart.items) unticked.add(l.skuId);
    else unticked.clear();
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
