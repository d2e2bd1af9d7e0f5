/**
 * MikroORM entities of the tables that services edit one row at a time (identities, catalog, campaigns,
 * groups, refunds, audit). Orders and their transitions are written set-wise by SQL (settlement batches,
 * guarded state transitions) and read through `Order` here. Columns are snake_case; ids carry a prefix.
 */
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

const createdAt = () => p.datetime().onCreate(() => new Date());
const updatedAt = () =>
  p
    .datetime()
    .onCreate(() => new Date())
    .onUpdate(() => new Date());

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.string().primary(),
    openid: p.string().unique(),
    nickname: p.string().nullable(),
    createdAt: createdAt(),
  },
});
export type User = InferEntity<typeof User>;

export const Admin = defineEntity({
  name: 'Admin',
  tableName: 'admins',
  properties: {
    id: p.string().primary(),
    username: p.string().unique(),
    passwordHash: p.string(),
    role: p.string().$type<'owner' | 'operator' | 'viewer'>(),
    disabled: p.boolean().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type Admin = InferEntity<typeof Admin>;

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

export const Campaign = defineEntity({
  name: 'Campaign',
  tableName: 'campaigns',
  properties: {
    id: p.string().primary(),
    type: p.string().$type<'seckill' | 'groupbuy'>(),
    title: p.string(),
    productId: p.string(),
    skuId: p.string(),
    priceFen: p.integer(),
    originalPriceFen: p.integer(),
    startsAt: p.datetime(),
    endsAt: p.datetime(),
    stockTotal: p.integer(),
    perUserLimit: p.integer(),
    groupSize: p.integer().nullable(),
    groupTtlSeconds: p.integer().nullable(),
    stoppedAt: p.datetime().nullable(),
    killSwitch: p.boolean().default(false),
    waitingRoomEnabled: p.boolean().default(false),
    admissionRatePerSecond: p.integer().default(100),
    dryRun: p.boolean().default(false),
    robotFillEnabled: p.boolean().default(false),
    robotFillMaxMissing: p.integer().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type Campaign = InferEntity<typeof Campaign>;

export const Order = defineEntity({
  name: 'Order',
  tableName: 'orders',
  properties: {
    id: p.string().primary(),
    reservationId: p.string().unique(),
    requestId: p.string(),
    userId: p.string(),
    campaignId: p.string(),
    campaignType: p.string().$type<'seckill' | 'groupbuy'>(),
    groupId: p.string().nullable(),
    skuId: p.string(),
    title: p.string(),
    status: p.string().$type<OrderStatus>(),
    quantity: p.integer(),
    unitPriceFen: p.integer(),
    totalFen: p.integer(),
    dryRun: p.boolean().default(false),
    prepayId: p.string().nullable(),
    trackingNo: p.string().nullable(),
    cancelReason: p.string().nullable(),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
    paidAt: p.datetime().nullable(),
    cancelledAt: p.datetime().nullable(),
    stockReleasedAt: p.datetime().nullable(),
    shippedAt: p.datetime().nullable(),
    refundedAt: p.datetime().nullable(),
    updatedAt: p.datetime().onUpdate(() => new Date()),
  },
});
export type Order = InferEntity<typeof Order>;
export type OrderStatus =
  | 'pending_payment'
  | 'paid'
  | 'cancelled'
  | 'refunding'
  | 'refunded'
  | 'shipped'
  | 'completed';

export const Group = defineEntity({
  name: 'Group',
  tableName: 'groups',
  properties: {
    id: p.string().primary(),
    campaignId: p.string(),
    leaderId: p.string(),
    size: p.integer(),
    status: p.string().$type<GroupStatus>(),
    robotFilled: p.integer().default(0),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
    succeededAt: p.datetime().nullable(),
    failedAt: p.datetime().nullable(),
  },
});
export type Group = InferEntity<typeof Group>;
export type GroupStatus = 'forming' | 'succeeded' | 'failed';

export const Refund = defineEntity({
  name: 'Refund',
  tableName: 'refunds',
  properties: {
    id: p.string().primary(),
    orderId: p.string(),
    outRefundNo: p.string().unique(),
    amountFen: p.integer(),
    reason: p.string(),
    status: p.string().$type<'pending' | 'succeeded' | 'failed'>(),
    attempts: p.integer().default(0),
    lastError: p.string().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    doneAt: p.datetime().nullable(),
  },
});
export type Refund = InferEntity<typeof Refund>;

export const AuditEntry = defineEntity({
  name: 'AuditEntry',
  tableName: 'audit_log',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    adminId: p.string(),
    adminUsername: p.string(),
    action: p.string(),
    objectType: p.string(),
    objectId: p.string(),
    detail: p.json<Record<string, unknown>>(),
    at: createdAt(),
  },
});
export type AuditEntry = InferEntity<typeof AuditEntry>;

export const ALL_ENTITIES = [User, Admin, Category, Product, Sku, Campaign, Order, Group, Refund, AuditEntry];
