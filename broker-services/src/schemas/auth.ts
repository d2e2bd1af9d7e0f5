/** Shopper and admin authentication bodies and answers. */
import Type, { type Static } from 'typebox';
import { IsoTime } from './common.ts';

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

export const AdminRole = Type.Union([
  Type.Literal('owner'),
  Type.Literal('operator'),
  Type.Literal('viewer'),
]);
export type AdminRole = Static<typeof AdminRole>;
export const AdminView = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: AdminRole,
  disabled: Type.Boolean(),
  createdAt: IsoTime,
});
export type AdminView = Static<typeof AdminView>;
export const AdminLoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export const AdminSession = Type.Object({ token: Type.String(), admin: AdminView });
export const CreateAdminBody = Type.Object(
  {
    username: Type.String({ minLength: 3, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
    password: Type.String({ minLength: 8, maxLength: 256 }),
    role: AdminRole,
  },
  { additionalProperties: false },
);
export const PatchAdminBody = Type.Object(
  {
    role: Type.Optional(AdminRole),
    disabled: Type.Optional(Type.Boolean()),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
