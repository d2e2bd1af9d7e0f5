/** Schemas of points (积分) and the points mall (积分商城), as shoppers and operators see them. */
import Type, { type Static } from 'typebox';
import { Cursor, IsoTime, Limit, OrderId, prefixedId, RequestId, UserId } from '../../schemas/common.ts';
import { PlainText } from '../catalog/schemas.ts';

export const PointsReason = Type.Union(
  [
    Type.Literal('order_earn'),
    Type.Literal('order_earn_reversal'),
    Type.Literal('checkout_hold'),
    Type.Literal('checkout_release'),
    Type.Literal('refund_return'),
    Type.Literal('mall_redeem'),
    Type.Literal('expired'),
    Type.Literal('admin_adjust'),
  ],
  {
    description:
      'Why the balance moved: earned by a completed order, taken back by its refund, held by a checkout, released ' +
      'when that order was cancelled or expired, returned by a refund, spent in the points mall, expired, adjusted by an operator',
  },
);

/** The operator's rules. */
export const PointsRules = Type.Object(
  {
    earnPointsPerYuan: Type.Integer({
      minimum: 0,
      maximum: 1000,
      description: 'Points a completed order earns per whole yuan paid in cash (0: orders earn nothing)',
    }),
    pointValueFen: Type.Integer({
      minimum: 1,
      maximum: 100,
      description: 'What one point pays at checkout, in fen',
    }),
    maxRedeemPercent: Type.Integer({
      minimum: 0,
      maximum: 100,
      description:
        'The largest share of an order (items less discounts) points may pay; at least 1 fen is always paid',
    }),
    maxRedeemPoints: Type.Union([Type.Integer({ minimum: 1, maximum: 100_000_000 }), Type.Null()], {
      description: 'The most points one order may use (null: only the share applies)',
    }),
    expiryDays: Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
      description: 'Earned points expire this many days after they were earned (null: never)',
    }),
  },
  { additionalProperties: false },
);
export type PointsRules = Static<typeof PointsRules>;

export const PointsHistoryQuery = Type.Object(
  { cursor: Type.Optional(Cursor), limit: Type.Optional(Limit) },
  { additionalProperties: false },
);
export type PointsHistoryQuery = Static<typeof PointsHistoryQuery>;

export const PointsEntryView = Type.Object({
  delta: Type.Integer(),
  reason: PointsReason,
  orderId: Type.Optional(OrderId),
  at: IsoTime,
  expiresAt: Type.Optional(IsoTime),
});
export const PointsView = Type.Object({
  balance: Type.Integer({ minimum: 0, description: 'The sum of the ledger' }),
  items: Type.Array(PointsEntryView, { description: 'The ledger, newest first' }),
  nextCursor: Type.Optional(Type.String()),
});
export type PointsView = Static<typeof PointsView>;

export const LedgerQuery = Type.Object(
  {
    userId: Type.Optional(UserId),
    orderId: Type.Optional(OrderId),
    reason: Type.Optional(PointsReason),
    cursor: Type.Optional(Cursor),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);
export type LedgerQuery = Static<typeof LedgerQuery>;

export const LedgerEntryView = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  delta: Type.Integer(),
  reason: PointsReason,
  sourceRef: Type.String(),
  orderId: Type.Optional(OrderId),
  balanceAfter: Type.Integer({ minimum: 0 }),
  expiresAt: Type.Optional(IsoTime),
  note: Type.Optional(Type.String()),
  shortfall: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        'A take-back after a refund: points it could not take because the shopper had already spent them (not owed)',
    }),
  ),
  at: IsoTime,
});
export type LedgerEntryView = Static<typeof LedgerEntryView>;
export const LedgerPage = Type.Object({
  items: Type.Array(LedgerEntryView),
  nextCursor: Type.Optional(Type.String()),
});

export const AdjustmentBody = Type.Object(
  {
    userId: UserId,
    delta: Type.Integer({
      minimum: -100_000_000,
      maximum: 100_000_000,
      description: 'Points to add (positive) or take (negative); never below a zero balance',
    }),
    note: PlainText(2, 200),
    requestId: RequestId,
  },
  { additionalProperties: false },
);
export type AdjustmentBody = Static<typeof AdjustmentBody>;
export const AdjustmentView = Type.Object({ entry: LedgerEntryView, balance: Type.Integer({ minimum: 0 }) });

export const ReconciliationView = Type.Object({
  driftUsers: Type.Integer({
    minimum: 0,
    description: 'Shoppers whose balance is not the sum of their ledger',
  }),
  items: Type.Array(
    Type.Object({ userId: Type.String(), balance: Type.Integer(), ledgerSum: Type.Integer() }),
  ),
});

// ---------------------------------------------------------------- Points mall

export const MallItemId = prefixedId('pmi');
export const RedemptionId = prefixedId('rdm');

export const MallItemView = Type.Object({
  id: MallItemId,
  title: Type.String(),
  description: Type.String(),
  imageUrl: Type.Optional(Type.String()),
  pointsCost: Type.Integer({ minimum: 1, description: 'Points one redemption costs' }),
  stockTotal: Type.Integer({ minimum: 0 }),
  stockLeft: Type.Integer({ minimum: 0 }),
  perUserLimit: Type.Integer({ minimum: 1, description: 'Redemptions one shopper may make of this item' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('stopped')]),
  startsAt: Type.Optional(IsoTime),
  endsAt: Type.Optional(IsoTime),
});
export type MallItemView = Static<typeof MallItemView>;
export const MallItemList = Type.Object({ items: Type.Array(MallItemView) });

const ImageUrl = Type.String({ minLength: 8, maxLength: 500, pattern: '^https://[^\\s]+$' });

export const CreateMallItemBody = Type.Object(
  {
    title: PlainText(1, 60),
    description: Type.Optional(PlainText(0, 500)),
    imageUrl: Type.Optional(ImageUrl),
    pointsCost: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
    stockTotal: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    perUserLimit: Type.Integer({ minimum: 1, maximum: 100 }),
    startsAt: Type.Optional(IsoTime),
    endsAt: Type.Optional(IsoTime),
  },
  { additionalProperties: false },
);
export type CreateMallItemBody = Static<typeof CreateMallItemBody>;

export const PatchMallItemBody = Type.Object(
  {
    title: Type.Optional(PlainText(1, 60)),
    description: Type.Optional(PlainText(0, 500)),
    imageUrl: Type.Optional(ImageUrl),
    pointsCost: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    stockTotal: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1_000_000,
        description: 'The new total; the units left move by the same amount and never below zero',
      }),
    ),
    perUserLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('stopped')])),
    startsAt: Type.Optional(IsoTime),
    endsAt: Type.Optional(IsoTime),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchMallItemBody = Static<typeof PatchMallItemBody>;

export const RedeemBody = Type.Object({ requestId: RequestId }, { additionalProperties: false });

export const RedemptionView = Type.Object({
  id: RedemptionId,
  itemId: MallItemId,
  title: Type.String(),
  points: Type.Integer({ minimum: 1 }),
  status: Type.Literal('redeemed'),
  createdAt: IsoTime,
});
export type RedemptionView = Static<typeof RedemptionView>;
export const RedemptionResult = Type.Object({ order: RedemptionView });
export const RedemptionList = Type.Object({
  items: Type.Array(RedemptionView),
  nextCursor: Type.Optional(Type.String()),
});
export const RedemptionListQuery = Type.Object(
  { cursor: Type.Optional(Cursor), limit: Type.Optional(Limit) },
  { additionalProperties: false },
);
