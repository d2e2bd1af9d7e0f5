/**
 * Regular stock of SKUs (apart from campaign stock, which lives in the hot path): taken at checkout and given
 * back when an unpaid order is cancelled or a refund of an unshipped one completes. Exported to the orders
 * module, which calls these inside its own transaction so that an order and its stock commit together.
 *
 * Each SKU moves in one guarded UPDATE (`stock >= q`), never read-then-write, so no interleaving can take a
 * unit twice or drive stock below zero (the column's check would refuse it anyway). Locks are taken in one
 * global order: every SKU row in ascending id, then every product row (units sold) in ascending id. Two
 * checkouts sharing rows then queue instead of deadlocking; bumping a product's count between its SKUs did
 * deadlock (A: sku1, product, waits sku2; B: sku2, waits product), seen in the checkout race test on PostgreSQL.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.ts';

export interface StockLine {
  skuId: string;
  quantity: number;
}

export interface TakenLine extends StockLine {
  productId: string;
  /** The product's category and that category's parent, when it has them (coupon scopes match either). */
  categoryIds: string[];
  title: string;
  skuTitle: string;
  unitPriceFen: number;
}

/**
 * Takes every line's units or none: the first SKU that is off sale or unknown (NOT_FOUND) or short (SOLD_OUT,
 * naming it) throws, and the caller's transaction rolls back whatever was taken before it. The units are not
 * counted as sold yet: the caller ends its transaction with `countRegularSales`.
 */
export async function takeRegularStock(tx: EntityManager, lines: readonly StockLine[]): Promise<TakenLine[]> {
  const taken: TakenLine[] = [];
  for (const line of [...lines].sort(bySku)) {
    const rows = await tx.execute<
      { product_id: string; category_ids: string[]; title: string; name: string; price_fen: number }[]
    >(
      `update skus s set stock = s.stock - ?
       from products p
       where s.id = ? and p.id = s.product_id and p.on_sale and p.status = 'active' and s.stock >= ?
       returning s.product_id, ${CATEGORY_IDS} as category_ids, p.title, s.name, s.price_fen`,
      [line.quantity, line.skuId, line.quantity],
    );
    const row = rows[0];
    if (!row) {
      const known = await tx.execute<{ stock: number }[]>(
        `select s.stock from skus s join products p on p.id = s.product_id
         where s.id = ? and p.on_sale and p.status = 'active'`,
        [line.skuId],
      );
      if (!known[0]) throw new AppError('NOT_FOUND', 'No such product on sale', { skuId: line.skuId });
      throw new AppError('SOLD_OUT', 'Not enough stock for one of the items', {
        skuId: line.skuId,
        stockLeft: known[0].stock,
      });
    }
    taken.push({
      ...line,
      productId: row.product_id,
      categoryIds: row.category_ids,
      title: row.title,
      skuTitle: row.name,
      unitPriceFen: row.price_fen,
    });
  }
  return taken;
}

/**
 * Counts the units of `taken` as sold on their products. The caller calls it last in its transaction, after
 * every other write: a product's row is then locked only for the commit, not for the whole checkout, which on a
 * hot product is what every concurrent checkout of it waits for (the lock order above still holds: SKUs first).
 */
export async function countRegularSales(tx: EntityManager, taken: readonly TakenLine[]): Promise<void> {
  await countSales(
    tx,
    taken.map((l) => [l.productId, l.quantity]),
  );
}

/** A product's category and its parent, as a text array (empty for a product without a category). */
const CATEGORY_IDS = `array_remove(array[p.category_id,
  (select c.parent_id from categories c where c.id = p.category_id)], null)`;

const bySku = (a: StockLine, b: StockLine) => (a.skuId < b.skuId ? -1 : a.skuId > b.skuId ? 1 : 0);

/** Adds units sold per product (negative to take them back), products in ascending id: after every SKU lock. */
async function countSales(tx: EntityManager, units: [productId: string, quantity: number][]): Promise<void> {
  const per = new Map<string, number>();
  for (const [id, q] of units) per.set(id, (per.get(id) ?? 0) + q);
  for (const id of [...per.keys()].sort()) {
    await tx.execute('update products set sales = greatest(sales + ?, 0) where id = ?', [per.get(id), id]);
  }
}

/** Gives the units back (an order cancelled or refunded before shipping); same SKU order as taking them. */
export async function returnRegularStock(tx: EntityManager, lines: readonly StockLine[]): Promise<void> {
  const returned: [string, number][] = [];
  for (const line of [...lines].sort(bySku)) {
    const rows = await tx.execute<{ product_id: string }[]>(
      'update skus set stock = stock + ? where id = ? returning product_id',
      [line.quantity, line.skuId],
    );
    if (rows[0]) returned.push([rows[0].product_id, -line.quantity]);
  }
  await countSales(tx, returned);
}

export interface SkuForSale {
  id: string;
  productId: string;
  /** The product's category and its parent (what a coupon's category scope matches). */
  categoryIds: string[];
  title: string;
  skuTitle: string;
  priceFen: number;
  stockLeft: number;
  onSale: boolean;
}

/** The SKUs among `ids` that exist, with their product's sale state (for the cart). */
export async function skusForSale(em: EntityManager, ids: readonly string[]): Promise<SkuForSale[]> {
  if (ids.length === 0) return [];
  const rows = await em.execute<
    {
      id: string;
      product_id: string;
      title: string;
      name: string;
      price_fen: number;
      stock: number;
      on_sale: boolean;
      category_ids: string[];
    }[]
  >(
    `select s.id, s.product_id, p.title, s.name, s.price_fen, s.stock, (p.on_sale and p.status = 'active') as on_sale,
       ${CATEGORY_IDS} as category_ids
     from skus s join products p on p.id = s.product_id where s.id in (${ids.map(() => '?').join(', ')})`,
    [...ids],
  );
  return rows.map((r) => ({
    id: r.id,
    productId: r.product_id,
    categoryIds: r.category_ids,
    title: r.title,
    skuTitle: r.name,
    priceFen: r.price_fen,
    stockLeft: r.stock,
    onSale: r.on_sale,
  }));
}
