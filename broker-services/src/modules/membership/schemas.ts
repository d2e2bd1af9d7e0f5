/** Schemas of membership levels (会员等级), as shoppers and operators see them. */
import Type, { type Static } from 'typebox';
import { CouponTemplateId, IsoTime } from '../../schemas/common.ts';
import { PlainText } from '../catalog/schemas.ts';

export const LevelCode = Type.String({
  pattern: '^[a-z][a-z0-9_]{0,19}$',
  description: 'A level’s stable code',
});

export const MemberLevel = Type.Object({
  code: LevelCode,
  name: Type.String(),
  threshold: Type.Integer({ minimum: 0, description: 'Growth (in the window) that reaches this level' }),
  discountPercent: Type.Integer({
    minimum: 0,
    maximum: 50,
    description: 'Percent off regular prices at checkout (5: 5% off)',
  }),
  benefits: Type.Array(Type.String(), { description: 'What the level gives, as shown to shoppers' }),
  monthlyCouponTemplateId: Type.Optional(
    Type.Union([CouponTemplateId, Type.Null()], {
      description: 'The coupon template its members get once a month (每月领券); null: none',
    }),
  ),
  levelUpCouponTemplateId: Type.Optional(
    Type.Union([CouponTemplateId, Type.Null()], {
      description:
        'The coupon template a shopper gets on reaching this level (升级礼), once per level per shopper; null: none',
    }),
  ),
});
export type MemberLevel = Static<typeof MemberLevel>;

export const MemberLevelsView = Type.Object({
  windowDays: Type.Integer({ minimum: 30, maximum: 3650, description: 'Growth counts over this many days' }),
  levels: Type.Array(MemberLevel, { description: 'Lowest threshold first' }),
});
export type MemberLevelsView = Static<typeof MemberLevelsView>;

export const PutMemberLevelsBody = Type.Object(
  {
    windowDays: Type.Integer({ minimum: 30, maximum: 3650 }),
    levels: Type.Array(
      Type.Object(
        {
          code: LevelCode,
          name: PlainText(1, 20),
          threshold: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
          discountPercent: Type.Integer({ minimum: 0, maximum: 50 }),
          benefits: Type.Array(PlainText(1, 60), { maxItems: 10 }),
          monthlyCouponTemplateId: Type.Optional(Type.Union([CouponTemplateId, Type.Null()])),
          levelUpCouponTemplateId: Type.Optional(Type.Union([CouponTemplateId, Type.Null()])),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10 },
    ),
  },
  { additionalProperties: false },
);
export type PutMemberLevelsBody = Static<typeof PutMemberLevelsBody>;

export const LevelSummary = Type.Object({
  code: LevelCode,
  name: Type.String(),
  discountPercent: Type.Integer({ minimum: 0, maximum: 50 }),
});

export const MembershipCard = Type.Object({
  level: LevelSummary,
  growth: Type.Integer({ minimum: 0, description: 'Growth in the window, now' }),
  benefits: Type.Array(Type.String()),
  nextLevel: Type.Optional(
    Type.Object({ code: LevelCode, name: Type.String(), threshold: Type.Integer({ minimum: 0 }) }),
  ),
  growthToNext: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Growth still needed for the next level' }),
  ),
  progressPercent: Type.Integer({
    minimum: 0,
    maximum: 100,
    description: 'How far from this level’s threshold to the next one (100 at the top level)',
  }),
  reviewedAt: Type.Optional(IsoTime),
  levels: Type.Array(MemberLevel),
});
export type MembershipCard = Static<typeof MembershipCard>;

export const MeView = Type.Object({
  id: Type.String(),
  nickname: Type.Optional(Type.String()),
  avatarUrl: Type.Optional(Type.String()),
  level: LevelSummary,
  growth: Type.Integer({ minimum: 0 }),
  points: Type.Integer({ minimum: 0, description: 'The points balance' }),
});
export type MeView = Static<typeof MeView>;
