import type { ProductSort, ShopProduct } from '../api-types';
import { api } from '../request';

export interface ProductQuery {
  /** Part of a title (Chinese substrings match: `龙井` finds `西湖龙井 明前特级`). */
  q?: string;
  categoryId?: string;
  sort?: ProductSort;
  cursor?: string | null;
  limit?: number;
}

/** One page of products on sale: `nextCursor` is null on the last page (the wire omits it). */
export interface ProductListPage {
  items: ShopProduct[];
  nextCursor: string | null;
}

/** `GET /api/products?q=&categoryId=&sort=&cursor=` → one page of products on sale. */
export async function fetchProducts(query: ProductQuery = {}): Promise<ProductListPage> {
  const res = await api.request<{ items: ShopProduct[]; nextCursor?: string }>({
    path: '/api/products',
    query: {
      q: query.q?.trim(),
      categoryId: query.categoryId,
      sort: query.sort,
      cursor: query.cursor,
      limit: query.limit,
    },
    auth: false,
  });
  return { items: res.items, nextCursor: res.nextCursor ?? null };
}
