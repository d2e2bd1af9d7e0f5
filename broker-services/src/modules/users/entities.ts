/** MikroORM entity of the users module: shoppers, one per WeChat openid. */
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

const createdAt = () => p.datetime().onCreate(() => new Date());

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
