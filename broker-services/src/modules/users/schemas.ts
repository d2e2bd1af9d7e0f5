/** Shopper login bodies and answers. */
import Type, { type Static } from 'typebox';
import { IsoTime } from '../../schemas/common.ts';

export const UserView = Type.Object({
  id: Type.String(),
  nickname: Type.Optional(Type.String()),
  createdAt: IsoTime,
});
export type UserView = Static<typeof UserView>;
export const WechatLoginBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);
export const DevLoginBody = Type.Object(
  { openid: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) },
  { additionalProperties: false },
);
export const ShopperSession = Type.Object({ token: Type.String(), user: UserView });
