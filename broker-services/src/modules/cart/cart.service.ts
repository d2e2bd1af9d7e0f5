/**
 * cart: each shopper's cart on the server (`cart_items`, owned here). Lines are read back with today's price,
 * stock and sale state from the catalogue, so the cart never promises a price or stock it no longer has; the
 * checkout (orders.checkout) takes the lines the shopper confirms and removes them once the order exists.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServiceSchema } from 'moleculer';
import { call, defineService } from '../../broker/bus.ts';
import { AppError } from '../../errors.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { requireUser } from '../admin/audit.ts';
import type { SkuForSale } from '../catalog/stock.ts';
import { cartContract } from './contract.ts';
import { type CartView, MAX_CART_LINES } from './schemas.ts';

export default function createCartService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();

  async function cartOf(userId: string, skusOf: (ids: string[]) => Promise<SkuForSale[]>): Promise<CartView> {
    const lines = await em().execute<{ sku_id: string; quantity: number }[]>(
      'select sku_id, quantity from cart_items where user_id = ? order by added_at desc, sku_id',
      [userId],
    );
    const skus = await skusOf(lines.map((l) => l.sku_id));
    let totalFen = 0;
    const items = lines.flatMap((l) => {
      const sku = skus.find((s) => s.id === l.sku_id);
      if (!sku) return [];
      const available = sku.onSale && sku.stockLeft >= l.quantity;
      if (available) totalFen += sku.priceFen * l.quantity;
      return [
        {
          skuId: l.sku_id,
          quantity: l.quantity,
          priceFen: sku.priceFen,
          available,
          productId: sku.productId,
          title: sku.title,
          skuTitle: sku.skuTitle,
          stockLeft: sku.stockLeft,
        },
      ];
    });
    return { items, totalFen };
  }

  return defineService(cartContract, {
    actions: {
      /** The caller's cart at today's prices. */
      get: async (ctx) => {
        const user = requireUser(ctx.meta);
        return cartOf(user.id, async (ids) =>
          ids.length ? (await call(ctx, 'catalog.skusForSale', { ids })).items : [],
        );
      },

      /** Sets a line's quantity (0 removes it); a SKU that does not exist or is off sale is NOT_FOUND. */
      setItem: async (ctx) => {
        const user = requireUser(ctx.meta);
        const { skuId, quantity } = ctx.params;
        if (quantity === 0) {
          await em().execute('delete from cart_items where user_id = ? and sku_id = ?', [user.id, skuId]);
        } else {
          const [sku] = (await call(ctx, 'catalog.skusForSale', { ids: [skuId] })).items;
          if (!sku?.onSale) throw new AppError('NOT_FOUND', 'No such product on sale');
          await em().transactional(async (tx) => {
            await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`cart:${user.id}`]);
            const [count] = await tx.execute<{ n: string }[]>(
              'select count(*) as n from cart_items where user_id = ? and sku_id <> ?',
              [user.id, skuId],
            );
            if (Number(count?.n ?? 0) >= MAX_CART_LINES) throw new AppError('CART_FULL');
            await tx.execute(
              `insert into cart_items (user_id, sku_id, quantity) values (?, ?, ?)
               on conflict (user_id, sku_id) do update set quantity = excluded.quantity`,
              [user.id, skuId, quantity],
            );
          });
        }
        return cartOf(user.id, async (ids) =>
          ids.length ? (await call(ctx, 'catalog.skusForSale', { ids })).items : [],
        );
      },

      /** Internal: removes the lines a checkout bought (after its order exists). */
      removeBought: async (ctx) => {
        if (ctx.params.skuIds.length === 0) return { removed: 0 };
        const rows = await em().execute<{ sku_id: string }[]>(
          `delete from cart_items where user_id = ? and sku_id in (${ctx.params.skuIds.map(() => '?').join(', ')}) returning sku_id`,
          [ctx.params.userId, ...ctx.params.skuIds],
        );
        return { removed: rows.length };
      },
    },
  });
}
