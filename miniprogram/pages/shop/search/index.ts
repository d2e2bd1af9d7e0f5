import { type ProductCard, productCard } from '../../../lib/shop-view';
import type { ProductSort } from '../../../services/api-types';
import { fetchProducts } from '../../../services/catalog/fetchProducts';
import { toApiError } from '../../../services/request';

const SORTS: ReadonlyArray<{ sort: ProductSort; label: string }> = [
  { sort: 'newest', label: '最新' },
  { sort: 'sales', label: '销量' },
  { sort: 'price_asc', label: '价格↑' },
  { sort: 'price_desc', label: '价格↓' },
];

/** Search by any part of a title (`龙井` finds `西湖龙井 明前特级`), sorted, paged by cursor. */
Page({
  data: {
    input: '',
    q: '',
    sorts: SORTS,
    sort: 'newest' as ProductSort,
    products: [] as ProductCard[],
    nextCursor: null as string | null,
    searched: false,
    loading: false,
    finished: false,
    error: '',
  },
  /** Bumped by each new search, so a late page of an older one is dropped. */
  generation: 0,

  onLoad(query: Record<string, string | undefined>) {
    const q = decodeURIComponent(query.q ?? '').trim();
    if (q) {
      this.setData({ input: q });
      this.search(q);
    }
  },
  onInput(event: WechatMiniprogram.Input) {
    this.setData({ input: event.detail.value });
  },
  onConfirm() {
    const q = this.data.input.trim();
    if (q) this.search(q);
  },
  onSortTap(event: WechatMiniprogram.TouchEvent) {
    const sort = String(event.currentTarget.dataset.sort ?? 'newest') as ProductSort;
    this.setData({ sort });
    if (this.data.q) this.search(this.data.q);
  },
  search(q: string) {
    this.generation++;
    this.setData({ q, products: [], nextCursor: null, finished: false, searched: true, loading: false });
    this.loadMore();
  },
  onReachBottom() {
    this.loadMore();
  },
  async loadMore() {
    if (this.data.loading || this.data.finished || !this.data.q) return;
    const generation = this.generation;
    this.setData({ loading: true });
    try {
      const page = await fetchProducts({
        q: this.data.q,
        sort: this.data.sort,
        cursor: this.data.nextCursor,
      });
      if (generation !== this.generation) return;
      this.setData({
        products: [...this.data.products, ...page.items.map(productCard)],
        nextCursor: page.nextCursor,
        finished: page.nextCursor === null,
        error: '',
      });
    } catch (err) {
      if (generation === this.generation) this.setData({ error: toApiError(err).message });
    } finally {
      if (generation === this.generation) this.setData({ loading: false });
    }
  },
});
