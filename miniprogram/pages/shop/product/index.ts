import { encodeCheckoutItems } from '../../../lib/cart-view';
import { clampQuantity, firstBuyableSku, type SkuChoice, skuChoice } from '../../../lib/shop-view';
import type { ShopProduct } from '../../../services/api-types';
import { dispatchCartQuantity } from '../../../services/cart/dispatchCartQuantity';
import { fetchCart } from '../../../services/cart/fetchCart';
import { fetchProduct } from '../../../services/catalog/fetchProduct';
import { toApiError } from '../../../services/request';

/**
 * Product detail: images, description, and the SKU picker (each spec with its price and stock: 有货 / 仅剩 N 件 /
 * 已售罄). A SKU on a live campaign shows the campaign price and leads to the campaign's own page, where its stock
 * and limits apply; otherwise "加入购物车" or "立即购买" at the regular price.
 */
Page({
  data: {
    id: '',
    product: null as ShopProduct | null,
    choices: [] as SkuChoice[],
    skuId: '',
    chosen: null as SkuChoice | null,
    quantity: 1,
    busy: false,
    notice: '',
    error: '',
  },

  onLoad(query: Record<string, string | undefined>) {
    this.setData({ id: query.id ?? '' });
    this.load();
  },
  onPullDownRefresh() {
    this.load().finally(() => wx.stopPullDownRefresh());
  },
  async load() {
    try {
      const product = await fetchProduct(this.data.id);
      const choices = product.skus.map(skuChoice);
      const keep = choices.find((c) => c.id === this.data.skuId && !c.disabled);
      const skuId = keep ? keep.id : firstBuyableSku(product);
      this.setData({ product, choices, error: '' });
      this.choose(skuId);
      wx.setNavigationBarTitle({ title: product.title });
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    }
  },
  choose(skuId: string) {
    const chosen = this.data.choices.find((c) => c.id === skuId) ?? null;
    this.setData({
      skuId: chosen?.id ?? '',
      chosen,
      quantity: chosen ? clampQuantity(this.data.quantity, chosen.stockLeft) : 1,
      notice: '',
    });
  },
  onSkuTap(event: WechatMiniprogram.TouchEvent) {
    const id = String(event.currentTarget.dataset.id ?? '');
    const choice = this.data.choices.find((c) => c.id === id);
    if (choice && !choice.disabled) this.choose(id);
  },
  onMinus() {
    const stock = this.data.chosen?.stockLeft ?? 1;
    this.setData({ quantity: clampQuantity(this.data.quantity - 1, stock) });
  },
  onPlus() {
    const stock = this.data.chosen?.stockLeft ?? 1;
    this.setData({ quantity: clampQuantity(this.data.quantity + 1, stock) });
  },
  /** A campaign SKU is bought on its campaign's page (its own stock, limit and reservation). */
  onCampaignTap() {
    const chosen = this.data.chosen;
    if (!chosen?.campaignId) return;
    const page = chosen.campaignType === 'groupbuy' ? 'group/campaign' : 'seckill/detail';
    wx.navigateTo({ url: `/pages/${page}/index?id=${chosen.campaignId}` });
  },
  async onAddToCartTap() {
    const chosen = this.data.chosen;
    if (!chosen || chosen.disabled || this.data.busy) return;
    this.setData({ busy: true, notice: '' });
    try {
      // The cart route sets a line's quantity, so add to what is already there.
      const cart = await fetchCart();
      const inCart = cart.items.find((l) => l.skuId === chosen.id)?.quantity ?? 0;
      await dispatchCartQuantity(chosen.id, Math.min(99, inCart + this.data.quantity));
      wx.showToast({ title: '已加入购物车', icon: 'success' });
    } catch (err) {
      this.setData({ notice: toApiError(err).message });
    } finally {
      this.setData({ busy: false });
    }
  },
  onBuyNowTap() {
    const chosen = this.data.chosen;
    if (!chosen || chosen.disabled) return;
    const items = encodeCheckoutItems([{ skuId: chosen.id, quantity: this.data.quantity }]);
    wx.navigateTo({ url: `/pages/order/checkout/index?items=${items}&product=${this.data.id}` });
  },
  onCartTap() {
    wx.switchTab({ url: '/pages/home/cart/index' });
  },
  onShareAppMessage() {
    return {
      title: this.data.product?.title ?? '团秒好物',
      path: `/pages/shop/product/index?id=${this.data.id}`,
    };
  },
});
