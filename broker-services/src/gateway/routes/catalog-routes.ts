/** The shop's catalogue: categories and products for shoppers, categories for operators. */

import Type from 'typebox';
import {
  BrowseQuery,
  CategoryList,
  CategoryView,
  CreateCategoryBody,
  PatchCategoryBody,
  ProductPage,
  ShopProductView as ShopProductSchema,
  StockAdjustmentBody,
  StockAdjustmentView,
} from '../../modules/catalog/schemas.ts';
import { CategoryId, IdParam, ProductId, SkuId } from '../../schemas/common.ts';
import type { App, GatewayOptions } from '../app.ts';
import { READ_ROLES, requireAdmin, WRITE_ROLES } from '../auth.ts';
import { callAs, errors } from '../call.ts';

export async function registerCatalogRoutes(app: App, opts: GatewayOptions): Promise<void> {
  const { broker } = opts;
  const tags = ['catalog'];
  const security = [{ bearer: [] }];

  app.get(
    '/api/categories',
    {
      schema: {
        tags,
        summary: 'Every category (two levels: parentId names the top-level one)',
        response: { 200: CategoryList },
      },
    },
    async (req) => callAs(broker, req, 'catalog.categories', {}),
  );

  app.get(
    '/api/products',
    {
      schema: {
        tags,
        summary: 'Products on sale: search titles by substring (q), filter by category, sort, page by cursor',
        querystring: BrowseQuery,
        response: { 200: ProductPage, ...errors(400) },
      },
    },
    async (req) => callAs(broker, req, 'catalog.browse', req.query),
  );

  app.get(
    '/api/products/:id',
    {
      schema: {
        tags,
        summary: 'One product on sale with its SKUs, stock and the live campaign price where one applies',
        params: IdParam(ProductId),
        response: { 200: ShopProductSchema, ...errors(400, 404) },
      },
    },
    async (req) => {
      const [product, campaigns] = await Promise.all([
        callAs(broker, req, 'catalog.detail', req.params),
        callAs(broker, req, 'campaigns.list', {}),
      ]);
      const live = campaigns.items.filter((c) => c.status === 'live' && c.productId === product.id);
      return {
        ...product,
        skus: product.skus.map((s) => {
          const c = live.find((l) => l.skuId === s.id && l.stockLeft > 0);
          return c ? { ...s, campaign: { id: c.id, type: c.type, priceFen: c.priceFen } } : s;
        }),
      };
    },
  );

  app.get(
    '/api/admin/categories',
    {
      preHandler: requireAdmin(broker, READ_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Every category',
        security,
        response: { 200: CategoryList, ...errors(401, 403) },
      },
    },
    async (req) => callAs(broker, req, 'catalog.categories', {}),
  );

  app.post(
    '/api/admin/categories',
    {
      preHandler: requireAdmin(broker, WRITE_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Create a category, top level or under a top-level one',
        security,
        body: CreateCategoryBody,
        response: { 201: CategoryView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await callAs(broker, req, 'catalog.createCategory', req.body)),
  );

  app.patch(
    '/api/admin/categories/:id',
    {
      preHandler: requireAdmin(broker, WRITE_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Rename a category or change its place among its siblings',
        security,
        params: IdParam(CategoryId),
        body: PatchCategoryBody,
        response: { 200: CategoryView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => callAs(broker, req, 'catalog.updateCategory', { ...req.body, ...req.params }),
  );

  app.delete(
    '/api/admin/categories/:id',
    {
      preHandler: requireAdmin(broker, WRITE_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'Delete an empty category (409 while it has subcategories or products)',
        security,
        params: IdParam(CategoryId),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      await callAs(broker, req, 'catalog.deleteCategory', req.params);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/admin/skus/:id/stock-adjustments',
    {
      preHandler: requireAdmin(broker, WRITE_ROLES),
      schema: {
        tags: ['admin'],
        summary:
          "Add to or take from a SKU's regular stock (+N / −N, relative, audited); 409 if it would go below zero",
        security,
        params: IdParam(SkuId),
        body: StockAdjustmentBody,
        response: { 200: StockAdjustmentView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => callAs(broker, req, 'catalog.adjustStock', { ...req.body, ...req.params }),
  );
}
