/**
 * The shopper's side of the catalogue: listing with category filter, sorts, cursors and substring search over
 * titles (through the bigram index of Migration20261212000000), and product detail. Only products on sale and
 * not archived are ever returned; any other is NOT_FOUND to shoppers.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.ts';
import type { ProductSort, ShopProductView, ShopSkuView, StockStatus } from './schemas.ts';

/** At or below this many units a SKU shows as few left (少量库存). */
export const FEW_LEFT = 10;

export function stockStatus(stock: number): StockStatus {
  if (stock <= 0) return 'sold_out';
  return stock <= FEW_LEFT ? 'few_left' : 'available';
}

/**
 * The index tokens a query must all have: each word's character bigrams, or the character itself for a
 * one-character word. The same cut as `shop_search_tokens` in SQL, so a title holding the query holds them.
 */
export function queryTokens(words: readonly string[]): string[] {
  const tokens = new Set<string>();
  for (const word of words) {
    const chars = Array.from(word);
    if (chars.length === 1) tokens.add(chars[0]!);
    for (let i = 0; i + 1 < chars.length; i++) tokens.add(chars[i]! + chars[i + 1]!);
  }
  return [...tokens];
}

/** The words of a query, lower-cased as the index is (whitespace, ASCII or full-width, separates them). */
export function queryWords(q: string): string[] {
  return q
    .toLowerCase()
    .split(/[\s\u3000]+/)
    .filter((w) => w.length > 0);
}

/** A PostgreSQL text[] literal (bound as one parameter: the driver would expand a JS array into a list). */
export function textArrayLiteral(items: readonly string[]): string {
  return `{${items.map((s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

interface ProductRow {
  id: string;
  title: string;
  description: string;
  category_id: string | null;
  images: string[] | string;
  image_url: string | null;
  min_price_fen: number;
  sales: number;
  on_sale: boolean;
}
interface SkuRow {
  id: string;
  product_id: string;
  name: string;
  price_fen: number;
  stock: number;
}

type CursorKey = [ProductSort, number, string];

function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string, sort: ProductSort): CursorKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  if (
    !Array.isArray(key) ||
    key.length !== 3 ||
    key[0] !== sort ||
    !Number.isSafeInteger(key[1]) ||
    typeof key[2] !== 'string' ||
    !/^prd_[0-9A-HJKMNP-TV-Z]{26}$/.test(key[2])
  ) {
    throw new AppError('VALIDATION_FAILED', 'The cursor is not valid for this sort');
  }
  return key as CursorKey;
}

const ORDER: Record<ProductSort, { by: string; after: string; value: (r: ProductRow) => number }> = {
  newest: { by: 'p.id desc', after: 'p.id < ?', value: () => 0 },
  price_asc: {
    by: 'p.min_price_fen, p.id',
    after: '(p.min_price_fen, p.id) > (?, ?)',
    value: (r) => r.min_price_fen,
  },
  price_desc: {
    by: 'p.min_price_fen desc, p.id desc',
    after: '(p.min_price_fen, p.id) < (?, ?)',
    value: (r) => r.min_price_fen,
  },
  sales: { by: 'p.sales desc, p.id desc', after: '(p.sales, p.id) < (?, ?)', value: (r) => r.sales },
};

export interface BrowseInput {
  q?: string;
  categoryId?: string;
  sort?: ProductSort;
  cursor?: string;
  limit: number;
}

/** One page of products on sale, with their SKUs. */
export async function browseProducts(
  em: EntityManager,
  input: BrowseInput,
): Promise<{ items: ShopProductView[]; nextCursor?: string }> {
  const sort = input.sort ?? 'newest';
  const order = ORDER[sort];
  const where = ['p.on_sale', "p.status = 'active'"];
  const values: unknown[] = [];
  if (input.categoryId) {
    where.push('p.category_id in (select c.id from categories c where c.id = ? or c.parent_id = ?)');
    values.push(input.categoryId, input.categoryId);
  }
  const words = input.q ? queryWords(input.q) : [];
  if (words.length > 0) {
    where.push('p.search_tokens @> ?::text[]');
    values.push(textArrayLiteral(queryTokens(words)));
    for (const w of words) {
      where.push('strpos(lower(p.title), ?) > 0');
      values.push(w);
    }
  }
  if (input.cursor) {
    const [, v, id] = decodeCursor(input.cursor, sort);
    where.push(order.after);
    values.push(...(sort === 'newest' ? [id] : [v, id]));
  }
  const rows = await em.execute<ProductRow[]>(
    `select p.id, p.title, p.description, p.category_id, p.images, p.image_url, p.min_price_fen, p.sales, p.on_sale
     from products p where ${where.join(' and ')} order by ${order.by} limit ?`,
    [...values, input.limit + 1],
  );
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  const skus = await skusOf(
    em,
    page.map((p) => p.id),
  );
  return {
    items: page.map((p) => shopView(p, skus)),
    ...(rows.length > input.limit && last
      ? { nextCursor: encodeCursor([sort, order.value(last), last.id]) }
      : {}),
  };
}

/** One product on sale with its SKUs; NOT_FOUND when it is off sale, archived or unknown. */
export async function productDetail(em: EntityManager, id: string): Promise<ShopProductView> {
  const rows = await em.execute<ProductRow[]>(
    `select p.id, p.title, p.description, p.category_id, p.images, p.image_url, p.min_price_fen, p.sales, p.on_sale
     from products p where p.id = ? and p.on_sale and p.status = 'active'`,
    [id],
  );
  if (!rows[0]) throw new AppError('NOT_FOUND', 'No such product');
  return shopView(rows[0], await skusOf(em, [id]));
}

async function skusOf(em: EntityManager, productIds: string[]): Promise<SkuRow[]> {
  if (productIds.length === 0) return [];
  return em.execute<SkuRow[]>(
    `select id, product_id, name, price_fen, stock from skus where product_id in (${productIds.map(() => '?').join(', ')}) order by id`,
    productIds,
  );
}

function shopView(p: ProductRow, skus: SkuRow[]): ShopProductView {
  const images = typeof p.images === 'string' ? (JSON.parse(p.images) as string[]) : p.images;
  return {
    id: p.id,
    title: p.title,
    ...(p.category_id ? { categoryId: p.category_id } : {}),
    images: images.length > 0 ? images : p.image_url ? [p.image_url] : [],
    description: p.description,
    priceFen: p.min_price_fen,
    sales: p.sales,
    onSale: p.on_sale,
    skus: skus
      .filter((s) => s.product_id === p.id)
      .map(
        (s): ShopSkuView => ({
          id: s.id,
          title: s.name,
          priceFen: s.price_fen,
          stockLeft: s.stock,
          stockStatus: stockStatus(s.stock),
        }),
      ),
  };
}
