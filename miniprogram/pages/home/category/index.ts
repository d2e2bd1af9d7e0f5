import { type ProductCard, productCard } from '../../../lib/shop-view';
import type { Category } from '../../../services/api-types';
import { fetchCategories } from '../../../services/catalog/fetchCategories';
import { fetchProducts } from '../../../services/catalog/fetchProducts';
import { toApiError } from '../../../services/request';

/**
 * Categories: the top level down the left, the chosen one's subcategories as chips and its products (a top-level
 * category lists its subcategories' products too), one cursor page at a time.
 */
Page({
  data: {
    tops: [] as Category[],
    children: [] as Category[],
    topId: '',
    /** The subcategory chosen, or '' for the whole top-level category. */
    childId: '',
    products: [] as ProductCard[],
    nextCursor: null as string | null,
    loading: false,
    finished: false,
    error: '',
  },
  all: [] as Category[],

  onLoad() {
    this.loadCategories();
  },
  async loadCategories() {
    try {
      this.all = await fetchCategories();
      const tops = this.all.filter((c) => !c.parentId);
      this.setData({ tops, error: '' });
      if (tops[0]) this.chooseTop(tops[0].id);
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    }
  },
  chooseTop(topId: string) {
    this.setData({ topId, childId: '', children: this.all.filter((c) => c.parentId === topId) });
    this.reload();
  },
  onTopTap(event: WechatMiniprogram.TouchEvent) {
    const id = String(event.currentTarget.dataset.id ?? '');
    if (id && id !== this.data.topId) this.chooseTop(id);
  },
  onChildTap(event: WechatMiniprogram.TouchEvent) {
    const id = String(event.currentTarget.dataset.id ?? '');
    this.setData({ childId: id === this.data.childId ? '' : id });
    this.reload();
  },
  onSearchTap() {
    wx.navigateTo({ url: '/pages/shop/search/index' });
  },
  async reload() {
    this.setData({ products: [], nextCursor: null, finished: false, loading: false });
    await this.loadMore();
  },
  onScrollBottom() {
    this.loadMore();
  },
  async loadMore() {
    if (this.data.loading || this.data.finished) return;
    const categoryId = this.data.childId || this.data.topId;
    this.setData({ loading: true });
    try {
      const page = await fetchProducts({ categoryId, cursor: this.data.nextCursor });
      // The shopper may have moved on to another category while this page was on its way.
      if (categoryId !== (this.data.childId || this.data.topId)) return;
      this.setData({
        products: [...this.data.products, ...page.items.map(productCard)],
        nextCursor: page.nextCursor,
        finished: page.nextCursor === null,
        error: '',
      });
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    } finally {
      this.setData({ loading: false });
    }
  },
});
