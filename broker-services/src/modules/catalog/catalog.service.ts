/**
 * catalog: categories, products and their SKUs (with their regular stock), edited by operators, read by
 * campaigns, browsed and searched by shoppers (`../modules/catalog/`).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServiceSchema } from 'moleculer';
import { defineService } from '../../broker/bus.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { recordAudit, requireAdmin } from '../admin/audit.ts';
import { browseProducts, productDetail } from './browse.ts';
import { catalogContract } from './contract.ts';
import { Category, Product, Sku } from './entities.ts';
import type { CategoryView, ProductView, StockAdjustmentView } from './schemas.ts';
import { skusForSale } from './stock.ts';

const PAGE = 20;

function categoryView(c: Category): CategoryView {
  return { id: c.id, name: c.name, ...(c.parentId ? { parentId: c.parentId } : {}), sortOrder: c.sortOrder };
}

/** A product's category must exist; categories are two levels, and a product may sit on either. */
async function requireCategory(e: EntityManager, id: string | undefined): Promise<void> {
  if (id && !(await e.findOne(Category, { id }))) throw new AppError('NOT_FOUND', 'No such category');
}

/** Keeps the product's lowest SKU price (the price sorts' key) in step with its SKUs. */
async function refreshMinPrice(e: EntityManager, productId: string): Promise<void> {
  await e.execute(
    'update products set min_price_fen = (select coalesce(min(price_fen), 0) from skus where product_id = ?) where id = ?',
    [productId, productId],
  );
}

function view(p: Product, skus: Sku[]): ProductView {
  return {
    id: p.id,
    title: p.title,
    description: p.description,
    ...(p.imageUrl ? { imageUrl: p.imageUrl } : {}),
    images: p.images ?? [],
    ...(p.categoryId ? { categoryId: p.categoryId } : {}),
    onSale: p.onSale,
    status: p.status,
    sales: p.sales,
    skus: skus
      .filter((s) => s.productId === p.id)
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((s) => ({ id: s.id, name: s.name, priceFen: s.priceFen, stock: s.stock })),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export default function createCatalogService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();

  async function load(e: EntityManager, id: string): Promise<ProductView> {
    const product = await e.findOne(Product, { id });
    if (!product) throw new AppError('NOT_FOUND', 'No such product');
    return view(product, await e.find(Sku, { productId: id }));
  }

  return defineService(catalogContract, {
    actions: {
      /** Every product with its SKUs, newest first. */
      list: async () => {
        const e = em();
        const products = await e.find(Product, {}, { orderBy: { id: 'desc' }, limit: 500 });
        const skus = products.length
          ? await e.find(Sku, { productId: { $in: products.map((p) => p.id) } })
          : [];
        return { items: products.map((p) => view(p, skus)) };
      },

      /** One product with its SKUs. */
      get: async (ctx) => load(em(), ctx.params.id),

      /** The SKU with its product (campaigns read the price and title from here). */
      getSku: async (ctx) => {
        const e = em();
        const sku = await e.findOne(Sku, { id: ctx.params.id });
        if (!sku) throw new AppError('NOT_FOUND', 'No such SKU');
        const product = await e.findOneOrFail(Product, { id: sku.productId });
        return {
          sku: { id: sku.id, name: sku.name, priceFen: sku.priceFen },
          product: { id: product.id, title: product.title, status: product.status },
        };
      },

      /** Shoppers: every category, top level first, in the operator's order. */
      categories: async () => {
        const rows = await em().find(Category, {}, { orderBy: { sortOrder: 'asc', id: 'asc' } });
        const top = rows.filter((c) => !c.parentId);
        return { items: [...top, ...rows.filter((c) => c.parentId)].map(categoryView) };
      },

      /** Admin: creates a category, top level or under a top-level one (two levels at most). */
      createCategory: async (ctx) => {
        requireAdmin(ctx.meta);
        const id = newId('cat');
        await em().transactional(async (tx) => {
          if (ctx.params.parentId) {
            const parent = await tx.findOne(Category, { id: ctx.params.parentId });
            if (!parent) throw new AppError('NOT_FOUND', 'No such parent category');
            if (parent.parentId) throw new AppError('CATEGORY_TOO_DEEP');
          }
          const siblings = await tx.count(Category, {
            parentId: ctx.params.parentId ?? null,
            name: ctx.params.name,
          });
          if (siblings > 0) throw new AppError('CONFLICT', 'A category of that name is already there');
          tx.create(Category, {
            id,
            name: ctx.params.name,
            parentId: ctx.params.parentId ?? null,
            sortOrder: ctx.params.sortOrder ?? 0,
          });
          await tx.flush();
          await recordAudit(tx, ctx.meta, {
            action: 'category.create',
            objectType: 'category',
            objectId: id,
            detail: { name: ctx.params.name, parentId: ctx.params.parentId ?? null },
          });
        });
        return categoryView(await em().findOneOrFail(Category, { id }));
      },

      /** Admin: renames a category or moves it among its siblings; a name is unique among its siblings. */
      updateCategory: async (ctx) => {
        requireAdmin(ctx.meta);
        const { id, ...fields } = ctx.params;
        await em().transactional(async (tx) => {
          const category = await tx.findOne(Category, { id });
          if (!category) throw new AppError('NOT_FOUND', 'No such category');
          if (fields.name !== undefined && fields.name !== category.name) {
            const siblings = await tx.count(Category, {
              parentId: category.parentId ?? null,
              name: fields.name,
            });
            if (siblings > 0) throw new AppError('CONFLICT', 'A category of that name is already there');
          }
          tx.assign(category, fields);
          await tx.flush();
          await recordAudit(tx, ctx.meta, {
            action: 'category.update',
            objectType: 'category',
            objectId: id,
            detail: { ...fields },
          });
        });
        return categoryView(await em().findOneOrFail(Category, { id }));
      },

      /** Admin: deletes an empty category; one with subcategories or products is CONFLICT (move them first). */
      deleteCategory: async (ctx) => {
        requireAdmin(ctx.meta);
        const { id } = ctx.params;
        await em().transactional(async (tx) => {
          // Locks the row, so a product or subcategory created under it meanwhile waits and then finds it gone.
          const rows = await tx.execute<{ name: string }[]>(
            'select name from categories where id = ? for update',
            [id],
          );
          if (!rows[0]) throw new AppError('NOT_FOUND', 'No such category');
          if ((await tx.count(Category, { parentId: id })) > 0) {
            throw new AppError('CONFLICT', 'The category has subcategories');
          }
          if ((await tx.count(Product, { categoryId: id })) > 0) {
            throw new AppError('CONFLICT', 'The category has products');
          }
          await tx.execute('delete from categories where id = ?', [id]);
          await recordAudit(tx, ctx.meta, {
            action: 'category.delete',
            objectType: 'category',
            objectId: id,
            detail: { name: rows[0].name },
          });
        });
        return null;
      },

      /**
       * Admin: adds to or takes from a SKU's regular stock in one guarded UPDATE (`stock + delta >= 0`), with
       * its audit entry in the same transaction; checkouts taking units meanwhile are never overwritten.
       */
      adjustStock: async (ctx) => {
        requireAdmin(ctx.meta);
        const { id, delta, reason } = ctx.params;
        return em().transactional(async (tx): Promise<StockAdjustmentView> => {
          const rows = await tx.execute<{ product_id: string; stock: number }[]>(
            'update skus set stock = stock + ? where id = ? and stock + ? >= 0 returning product_id, stock',
            [delta, id, delta],
          );
          const row = rows[0];
          if (!row) {
            const sku = await tx.findOne(Sku, { id });
            if (!sku) throw new AppError('NOT_FOUND', 'No such SKU');
            throw new AppError('CONFLICT', `Only ${sku.stock} in stock: cannot take ${-delta}`, {
              stock: sku.stock,
            });
          }
          const stock = Number(row.stock);
          await recordAudit(tx, ctx.meta, {
            action: 'sku.stock_adjust',
            objectType: 'sku',
            objectId: id,
            detail: { productId: row.product_id, delta, stock, reason },
          });
          return { skuId: id, productId: row.product_id, delta, stock };
        });
      },

      /** Shoppers: products on sale, filtered, sorted and searched (substring of the title), one page. */
      browse: async (ctx) => browseProducts(em(), { ...ctx.params, limit: ctx.params.limit ?? PAGE }),

      /** Internal: SKUs with their price, stock and whether their product is on sale (the cart reads these). */
      skusForSale: async (ctx) => ({
        items: await skusForSale(em(), ctx.params.ids),
      }),

      /** Shoppers: one product on sale with its SKUs and their stock; off sale is NOT_FOUND. */
      detail: async (ctx) => productDetail(em(), ctx.params.id),

      /** Creates a product with its SKUs. */
      create: async (ctx) => {
        requireAdmin(ctx.meta);
        const e = em();
        const id = newId('prd');
        await e.transactional(async (tx) => {
          await requireCategory(tx, ctx.params.categoryId);
          tx.create(Product, {
            id,
            title: ctx.params.title,
            description: ctx.params.description ?? '',
            imageUrl: ctx.params.imageUrl ?? null,
            images: ctx.params.images ?? [],
            categoryId: ctx.params.categoryId ?? null,
            onSale: ctx.params.onSale ?? true,
          });
          // No ORM relation is declared, so the product row must exist before its SKUs reference it.
          await tx.flush();
          for (const s of ctx.params.skus) {
            tx.create(Sku, {
              id: newId('sku'),
              productId: id,
              name: s.name,
              priceFen: s.priceFen,
              stock: s.stock ?? 0,
            });
          }
          await tx.flush();
          await refreshMinPrice(tx, id);
          await recordAudit(tx, ctx.meta, {
            action: 'product.create',
            objectType: 'product',
            objectId: id,
            detail: { title: ctx.params.title, skus: ctx.params.skus.length },
          });
        });
        return load(em(), id);
      },

      /** Edits a product; SKUs listed with an id are updated, without one created; SKUs are never deleted. */
      patch: async (ctx) => {
        requireAdmin(ctx.meta);
        const { id, skus, ...fields } = ctx.params;
        await em().transactional(async (tx) => {
          const product = await tx.findOne(Product, { id });
          if (!product) throw new AppError('NOT_FOUND', 'No such product');
          await requireCategory(tx, fields.categoryId);
          tx.assign(product, fields);
          for (const s of skus ?? []) {
            if (s.id) {
              const sku = await tx.findOne(Sku, { id: s.id, productId: id });
              if (!sku) throw new AppError('NOT_FOUND', `No SKU ${s.id} in this product`);
              tx.assign(sku, {
                name: s.name,
                priceFen: s.priceFen,
                ...(s.stock !== undefined ? { stock: s.stock } : {}),
              });
            } else {
              tx.create(Sku, {
                id: newId('sku'),
                productId: id,
                name: s.name,
                priceFen: s.priceFen,
                stock: s.stock ?? 0,
              });
            }
          }
          await tx.flush();
          await refreshMinPrice(tx, id);
          await recordAudit(tx, ctx.meta, {
            action: 'product.update',
            objectType: 'product',
            objectId: id,
            detail: { fields: Object.keys(fields), skus: skus?.length ?? 0 },
          });
        });
        return load(em(), id);
      },
    },
  });
}
