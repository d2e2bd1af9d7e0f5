/** catalog: products and their SKUs, edited by operators, read by campaigns. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServiceSchema } from 'moleculer';
import Type from 'typebox';
import { defineAction } from '../../broker/action.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { IdParam, ProductId, SkuId, withParams } from '../../schemas/common.ts';
import { recordAudit, requireAdmin } from '../admin/audit.ts';
import { Product, Sku } from './entities.ts';
import { CreateProductBody, PatchProductBody, type ProductView } from './schemas.ts';

function view(p: Product, skus: Sku[]): ProductView {
  return {
    id: p.id,
    title: p.title,
    description: p.description,
    ...(p.imageUrl ? { imageUrl: p.imageUrl } : {}),
    status: p.status,
    skus: skus
      .filter((s) => s.productId === p.id)
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((s) => ({ id: s.id, name: s.name, priceFen: s.priceFen })),
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

  return {
    name: 'catalog',
    actions: {
      /** Every product with its SKUs, newest first. */
      list: defineAction(Type.Object({}), async () => {
        const e = em();
        const products = await e.find(Product, {}, { orderBy: { id: 'desc' }, limit: 500 });
        const skus = products.length
          ? await e.find(Sku, { productId: { $in: products.map((p) => p.id) } })
          : [];
        return { items: products.map((p) => view(p, skus)) };
      }),

      /** One product with its SKUs. */
      get: defineAction(IdParam(ProductId), async (ctx) => load(em(), ctx.params.id)),

      /** The SKU with its product (campaigns read the price and title from here). */
      getSku: defineAction(IdParam(SkuId), async (ctx) => {
        const e = em();
        const sku = await e.findOne(Sku, { id: ctx.params.id });
        if (!sku) throw new AppError('NOT_FOUND', 'No such SKU');
        const product = await e.findOneOrFail(Product, { id: sku.productId });
        return {
          sku: { id: sku.id, name: sku.name, priceFen: sku.priceFen },
          product: { id: product.id, title: product.title, status: product.status },
        };
      }),

      /** Creates a product with its SKUs. */
      create: defineAction(CreateProductBody, async (ctx) => {
        requireAdmin(ctx.meta);
        const e = em();
        const id = newId('prd');
        await e.transactional(async (tx) => {
          tx.create(Product, {
            id,
            title: ctx.params.title,
            description: ctx.params.description ?? '',
            imageUrl: ctx.params.imageUrl ?? null,
          });
          // No ORM relation is declared, so the product row must exist before its SKUs reference it.
          await tx.flush();
          for (const s of ctx.params.skus) tx.create(Sku, { id: newId('sku'), productId: id, ...s });
        });
        await recordAudit(em(), ctx.meta, {
          action: 'product.create',
          objectType: 'product',
          objectId: id,
          detail: { title: ctx.params.title, skus: ctx.params.skus.length },
        });
        return load(em(), id);
      }),

      /** Edits a product; SKUs listed with an id are updated, without one created; SKUs are never deleted. */
      patch: defineAction(withParams(IdParam(ProductId), PatchProductBody), async (ctx) => {
        requireAdmin(ctx.meta);
        const { id, skus, ...fields } = ctx.params;
        await em().transactional(async (tx) => {
          const product = await tx.findOne(Product, { id });
          if (!product) throw new AppError('NOT_FOUND', 'No such product');
          tx.assign(product, fields);
          for (const s of skus ?? []) {
            if (s.id) {
              const sku = await tx.findOne(Sku, { id: s.id, productId: id });
              if (!sku) throw new AppError('NOT_FOUND', `No SKU ${s.id} in this product`);
              tx.assign(sku, { name: s.name, priceFen: s.priceFen });
            } else {
              tx.create(Sku, { id: newId('sku'), productId: id, name: s.name, priceFen: s.priceFen });
            }
          }
        });
        await recordAudit(em(), ctx.meta, {
          action: 'product.update',
          objectType: 'product',
          objectId: id,
          detail: { fields: Object.keys(fields), skus: skus?.length ?? 0 },
        });
        return load(em(), id);
      }),
    },
  } as ServiceSchema;
}
