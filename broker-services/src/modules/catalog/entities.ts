/** MikroORM entities of the catalog module: categories, products and their SKUs. */
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

const createdAt = () => p.datetime().onCreate(() => new Date());
const updatedAt = () =>
  p
    .datetime()
    .onCreate(() => new Date())
    .onUpdate(() => new Date());

export const Category = defineEntity({
  name: 'Category',
  tableName: 'categories',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    parentId: p.string().nullable(),
    sortOrder: p.integer().default(0),
    createdAt: createdAt(),
  },
});
export type Category = InferEntity<typeof Category>;

export const Product = defineEntity({
  name: 'Product',
  tableName: 'products',
  properties: {
    id: p.string().primary(),
    title: p.string(),
    description: p.string().default(''),
    imageUrl: p.string().nullable(),
    status: p.string().$type<'active' | 'archived'>().default('active'),
    categoryId: p.string().nullable(),
    onSale: p.boolean().default(true),
    images: p.json<string[]>(),
    minPriceFen: p.integer().default(0),
    sales: p.integer().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type Product = InferEntity<typeof Product>;

export const Sku = defineEntity({
  name: 'Sku',
  tableName: 'skus',
  properties: {
    id: p.string().primary(),
    productId: p.string(),
    name: p.string(),
    priceFen: p.integer(),
    stock: p.integer().default(0),
    createdAt: createdAt(),
  },
});
export type Sku = InferEntity<typeof Sku>;
