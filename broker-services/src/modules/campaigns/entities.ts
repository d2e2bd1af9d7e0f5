/** MikroORM entity of the campaigns module: seckill and group-buy campaigns. */
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { LevelBenefit } from './schemas.ts';

const createdAt = () => p.datetime().onCreate(() => new Date());
const updatedAt = () =>
  p
    .datetime()
    .onCreate(() => new Date())
    .onUpdate(() => new Date());

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
    levelBenefits: p.json<LevelBenefit[]>().onCreate(() => []),
    /** Stock buckets (库存分桶, seckill only, fixed at creation): see the hot path's `buckets.ts`. */
    stockBuckets: p.smallint().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type Campaign = InferEntity<typeof Campaign>;
