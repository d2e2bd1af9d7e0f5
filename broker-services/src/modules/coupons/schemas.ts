/** TypeBox schemas of the coupons module's actions and routes, with their Static types. */
import Type, { type Static } from 'typebox';
import {
  CategoryId,
  CouponId,
  CouponTemplateId,
  Fen,
  IsoTime,
  ProductId,
  RequestId,
  SkuId,
  UserId,
} from '../../schemas/common.ts';

export const CouponKind = Type.Union(
  [Type.Literal('amount_off'), Type.Literal('percent_off'), Type.Literal('no_threshold')],
  {
    description:
      '满减 amount_off (spend minSpendFen, save amountOffFen), 折扣 percent_off (capped by maxOffFen), 无门槛 no_threshold',
  },
);
export type CouponKind = Static<typeof CouponKind>;

export const CouponScope = Type.Union(
  [Type.Literal('all'), Type.Literal('products'), Type.Literal('categories')],
  {
    description:
      'What the coupon applies to: everything, the products of scopeIds, or the categories of scopeIds',
  },
);
export type CouponScope = Static<typeof CouponScope>;

export const CouponStatus = Type.Union(
  [Type.Literal('unused'), Type.Literal('locked'), Type.Literal('used'), Type.Literal('expired')],
  {
    description:
      'unused → locked (on an unpaid order) → used; locked → unused when that order is cancelled or the coupon is taken off it',
  },
);
export type CouponStatus = Static<typeof CouponStatus>;

export const TemplateStatus = Type.Union([
  Type.Literal('scheduled'),
  Type.Literal('live'),
  Type.Literal('ended'),
  Type.Literal('stopped'),
]);
export type TemplateStatus = Static<typeof TemplateStatus>;

export const IssueOn = Type.Union([Type.Literal('new_member'), Type.Literal('group_failed')], {
  description:
    'Issued by the system: to every new shopper, or to every member of a failed group (compensation)',
});

const Percent = Type.Integer({ minimum: 1, maximum: 99, description: 'Percent taken off (20 = 8折)' });
const Name = Type.String({ minLength: 1, maxLength: 60 });
const Description = Type.String({ maxLength: 500 });
const Total = Type.Integer({ minimum: 1, maximum: 10_000_000 });
const PerUserLimit = Type.Integer({ minimum: 1, maximum: 100 });
const ValidDays = Type.Integer({
  minimum: 1,
  maximum: 3650,
  description: 'Valid for this many days after claim',
});
const ScopeIds = Type.Array(Type.Union([ProductId, CategoryId]), { maxItems: 200, uniqueItems: true });

export const CreateCouponTemplateBody = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    kind: CouponKind,
    amountOffFen: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    percentOff: Type.Optional(Percent),
    maxOffFen: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    minSpendFen: Type.Optional(Type.Integer({ minimum: 0, maximum: 200_000_000 })),
    scope: Type.Optional(CouponScope),
    scopeIds: Type.Optional(ScopeIds),
    total: Total,
    perUserLimit: PerUserLimit,
    claimStartsAt: IsoTime,
    claimEndsAt: IsoTime,
    validDays: Type.Optional(ValidDays),
    validFrom: Type.Optional(IsoTime),
    validUntil: Type.Optional(IsoTime),
    combinesWithSeckill: Type.Optional(Type.Boolean({ default: false })),
    combinesWithGroupbuy: Type.Optional(Type.Boolean({ default: true })),
    returnedOnRefund: Type.Optional(Type.Boolean({ default: false })),
    claimable: Type.Optional(
      Type.Boolean({ description: 'Shown in the coupon center and claimable by shoppers (default true)' }),
    ),
    issueOn: Type.Optional(IssueOn),
  },
  { additionalProperties: false },
);
export type CreateCouponTemplateBody = Static<typeof CreateCouponTemplateBody>;

/** What may change once coupons are out: names, quantity, limit, the end of the claim window. The value rules and
 * validity stay as they were, since coupons already held refer to them. */
export const PatchCouponTemplateBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    total: Type.Optional(Total),
    perUserLimit: Type.Optional(PerUserLimit),
    claimEndsAt: Type.Optional(IsoTime),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchCouponTemplateBody = Static<typeof PatchCouponTemplateBody>;

const templateFields = {
  id: CouponTemplateId,
  name: Type.String(),
  description: Type.String(),
  kind: CouponKind,
  amountOffFen: Type.Optional(Fen),
  percentOff: Type.Optional(Type.Integer()),
  maxOffFen: Type.Optional(Fen),
  minSpendFen: Fen,
  scope: CouponScope,
  scopeIds: Type.Array(Type.String()),
  total: Type.Integer(),
  left: Type.Integer({ description: 'Coupons still to claim' }),
  perUserLimit: Type.Integer(),
  claimStartsAt: IsoTime,
  claimEndsAt: IsoTime,
  validDays: Type.Optional(Type.Integer()),
  validFrom: Type.Optional(IsoTime),
  validUntil: Type.Optional(IsoTime),
  status: TemplateStatus,
};

export const CouponTemplateView = Type.Object(templateFields);
export type CouponTemplateView = Static<typeof CouponTemplateView>;

export const CouponTemplateStats = Type.Object({
  total: Type.Integer(),
  left: Type.Integer({ description: 'Coupons still to claim (the hot path)' }),
  claimedUnsettled: Type.Integer({ description: 'Claims acknowledged and not yet coupons in PostgreSQL' }),
  claimed: Type.Integer({ description: 'Coupons from claims' }),
  issued: Type.Integer({ description: 'Coupons issued by the system (gifts, compensation, operators)' }),
  unused: Type.Integer(),
  locked: Type.Integer(),
  used: Type.Integer(),
  expired: Type.Integer(),
  redemptionRate: Type.Number({ description: 'used / (claimed + issued), 0 when none is out' }),
});
export type CouponTemplateStats = Static<typeof CouponTemplateStats>;

export const AdminCouponTemplateView = Type.Object({
  ...templateFields,
  combinesWithSeckill: Type.Boolean(),
  combinesWithGroupbuy: Type.Boolean(),
  returnedOnRefund: Type.Boolean(),
  claimable: Type.Boolean(),
  issueOn: Type.Optional(IssueOn),
  createdAt: IsoTime,
  stats: CouponTemplateStats,
});
export type AdminCouponTemplateView = Static<typeof AdminCouponTemplateView>;

export const CouponTemplateList = Type.Object({ items: Type.Array(CouponTemplateView) });
export const AdminCouponTemplateList = Type.Object({ items: Type.Array(AdminCouponTemplateView) });

export const ClaimBody = Type.Object({ requestId: RequestId }, { additionalProperties: false });

export const ClaimedCoupon = Type.Object({
  coupon: Type.Object({
    id: CouponId,
    templateId: CouponTemplateId,
    status: CouponStatus,
    validUntil: IsoTime,
  }),
});
export type ClaimedCoupon = Static<typeof ClaimedCoupon>;

export const CouponView = Type.Object({
  id: CouponId,
  templateId: CouponTemplateId,
  name: Type.String(),
  kind: CouponKind,
  amountOffFen: Type.Optional(Fen),
  percentOff: Type.Optional(Type.Integer()),
  maxOffFen: Type.Optional(Fen),
  minSpendFen: Fen,
  scope: CouponScope,
  status: CouponStatus,
  source: Type.String(),
  orderId: Type.Optional(Type.String()),
  validFrom: IsoTime,
  validUntil: IsoTime,
});
export type CouponView = Static<typeof CouponView>;

/** The coupon on an order (locked while it is unpaid, used once paid), as its price breakdown shows it. */
export const AppliedCoupon = Type.Object({
  id: CouponId,
  templateId: CouponTemplateId,
  name: Type.String(),
  /** What it takes off this order. */
  discountFen: Fen,
});
export type AppliedCoupon = Static<typeof AppliedCoupon>;

/** `PUT /api/orders/:id/coupon`: one of my coupons for my unpaid campaign order. */
export const OrderCouponBody = Type.Object({ couponId: CouponId }, { additionalProperties: false });

export const MyCouponsQuery = Type.Object(
  { status: Type.Optional(CouponStatus) },
  { additionalProperties: false },
);
export const MyCoupons = Type.Object({ items: Type.Array(CouponView) });

export const ApplicableBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        { skuId: SkuId, quantity: Type.Integer({ minimum: 1, maximum: 99 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
  },
  { additionalProperties: false },
);
export const Applicable = Type.Object({
  items: Type.Array(Type.Object({ coupon: CouponView, discountFen: Fen })),
  bestCouponId: Type.Optional(CouponId),
});

export const IssueBody = Type.Object(
  {
    userIds: Type.Array(UserId, { minItems: 1, maxItems: 500, uniqueItems: true }),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
    /** The same key again issues nothing twice (a retried operator request). */
    issueKey: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
  },
  { additionalProperties: false },
);
/** The system's monthly coupon of a member level (../membership), to some of that level's members. */
export const MemberMonthlyIssue = Type.Object(
  {
    templateId: CouponTemplateId,
    userIds: Type.Array(UserId, { minItems: 1, maxItems: 500, uniqueItems: true }),
    /** `member-monthly:<YYYY-MM>`: a member gets one coupon of the template a month. */
    issueKey: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
    levelCode: Type.String({ minLength: 1, maxLength: 20 }),
  },
  { additionalProperties: false },
);
/** The system's level-up gift of a member level (../membership), to shoppers who reached it. */
export const LevelGiftIssue = Type.Object(
  {
    templateId: CouponTemplateId,
    userIds: Type.Array(UserId, { minItems: 1, maxItems: 500, uniqueItems: true }),
    /** `level-up:<levelCode>`: a shopper gets the gift of a level once. */
    issueKey: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
    levelCode: Type.String({ minLength: 1, maxLength: 20 }),
  },
  { additionalProperties: false },
);
export const LevelGiftResult = Type.Object({
  issued: Type.Integer({ description: 'Coupons created now' }),
  skipped: Type.Integer({ description: 'Users who already had one from this issueKey, or are unknown' }),
  stopped: Type.Boolean({ description: 'The template is stopped: it issued nothing' }),
});
export const IssueResult = Type.Object({
  issued: Type.Integer({ description: 'Coupons created now' }),
  skipped: Type.Integer({ description: 'Users who already had one from this issueKey, or are unknown' }),
});

export const TemplateParams = Type.Object({ id: CouponTemplateId }, { additionalProperties: false });
export const ClaimParams = Type.Object({ templateId: CouponTemplateId }, { additionalProperties: false });

/** A claimable template as the hot path loads it: a campaign of type `coupon` (total = stock, one unit a claim). */
export const CouponClaimDef = Type.Object({
  id: CouponTemplateId,
  type: Type.Literal('coupon'),
  title: Type.String(),
  skuId: Type.String(),
  priceFen: Type.Integer(),
  startsAtMs: Type.Integer(),
  endsAtMs: Type.Integer(),
  stockTotal: Type.Integer(),
  perUserLimit: Type.Integer(),
  stopped: Type.Boolean(),
  killSwitch: Type.Boolean(),
  dryRun: Type.Boolean(),
});

export const GiftIssue = Type.Object({
  on: Type.Union([Type.Literal('new_member'), Type.Literal('group_failed')]),
  userIds: Type.Array(UserId, { maxItems: 500 }),
  issueKey: Type.String({ minLength: 1, maxLength: 64 }),
  groupId: Type.Optional(Type.String()),
});
