/** Campaigns: the shopper view, the admin create/patch bodies and the live figures. */
import Type, { type Static } from 'typebox';
import { CampaignId, IsoTime, PriceFen, SkuId } from '../../schemas/common.ts';
import { LevelCode } from '../membership/schemas.ts';

/** Early access of a level may open a campaign at most this long before its start (24 hours). */
export const EARLY_ACCESS_MAX_MINUTES = 1440;
/** The highest per-user limit a campaign or a level's benefit may set. */
export const PER_USER_LIMIT_MAX = 100;
/**
 * The most stock buckets a campaign may have: the hot path's `MAX_STOCK_BUCKETS` (this file is read by the admin's
 * and the mini-program's compilers, which cannot import the hot path; a test holds the two equal).
 */
export const STOCK_BUCKETS_MAX = 16;

const StockBuckets = (description: string) =>
  Type.Integer({ minimum: 1, maximum: STOCK_BUCKETS_MAX, description });

/**
 * What shoppers of one membership level get on a campaign: a higher per-user limit, early access, or both. A
 * shopper whose level is not listed gets the campaign's own limit and start.
 */
export const LevelBenefit = Type.Object(
  {
    levelCode: LevelCode,
    perUserLimit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: PER_USER_LIMIT_MAX,
        description: 'Replaces the campaign’s perUserLimit for this level; at least the campaign’s own',
      }),
    ),
    earlyAccessMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: EARLY_ACCESS_MAX_MINUTES,
        description: 'This level may reserve this many minutes before startsAt (提前购)',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 2 },
);
export type LevelBenefit = Static<typeof LevelBenefit>;
const LevelBenefits = Type.Array(LevelBenefit, {
  maxItems: 10,
  description: 'Benefits of chosen membership levels, one entry per level code',
});

export const CampaignType = Type.Union([Type.Literal('seckill'), Type.Literal('groupbuy')]);
export type CampaignType = Static<typeof CampaignType>;
export const CampaignStatus = Type.Union([
  Type.Literal('scheduled'),
  Type.Literal('live'),
  Type.Literal('ended'),
  Type.Literal('stopped'),
]);
export type CampaignStatus = Static<typeof CampaignStatus>;

export const CampaignView = Type.Object({
  id: CampaignId,
  type: CampaignType,
  title: Type.String(),
  productId: Type.String(),
  skuId: Type.String(),
  priceFen: PriceFen,
  originalPriceFen: PriceFen,
  startsAt: IsoTime,
  endsAt: IsoTime,
  stockTotal: Type.Integer(),
  stockLeft: Type.Integer(),
  perUserLimit: Type.Integer(),
  status: CampaignStatus,
  groupSize: Type.Optional(Type.Integer()),
  groupTtlSeconds: Type.Optional(Type.Integer()),
  waitingRoom: Type.Object({ enabled: Type.Boolean(), admissionRatePerSecond: Type.Integer() }),
  levelBenefits: Type.Array(LevelBenefit, {
    description: 'Benefits of chosen membership levels; compare with the shopper’s level code (GET /api/me)',
  }),
  stockBuckets: StockBuckets(
    'Stock buckets (库存分桶): how many Redis shards the stock is split over; 1 is unbucketed. Fixed at creation',
  ),
});
export type CampaignView = Static<typeof CampaignView>;

export const AdminCampaignView = Type.Intersect([
  CampaignView,
  Type.Object({
    killSwitch: Type.Boolean(),
    dryRun: Type.Boolean(),
    robotFill: Type.Object({ enabled: Type.Boolean(), maxMissing: Type.Integer() }),
    createdAt: IsoTime,
    updatedAt: IsoTime,
  }),
]);
export type AdminCampaignView = Static<typeof AdminCampaignView>;

/** `campaigns.robotFillPolicies` (internal, groups): whether an expiring group may be completed by robots. */
export const RobotFillPolicy = Type.Object({
  id: CampaignId,
  enabled: Type.Boolean(),
  maxMissing: Type.Integer({ minimum: 0 }),
});
export type RobotFillPolicy = Static<typeof RobotFillPolicy>;

export const CampaignListQuery = Type.Object(
  { type: Type.Optional(CampaignType) },
  { additionalProperties: false },
);
export const AdminCampaignListQuery = Type.Object(
  { type: Type.Optional(CampaignType), status: Type.Optional(CampaignStatus) },
  { additionalProperties: false },
);

export const CreateCampaignBody = Type.Object(
  {
    type: CampaignType,
    title: Type.String({ minLength: 1, maxLength: 120 }),
    skuId: SkuId,
    priceFen: PriceFen,
    startsAt: IsoTime,
    endsAt: IsoTime,
    stockTotal: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    perUserLimit: Type.Integer({ minimum: 1, maximum: PER_USER_LIMIT_MAX }),
    groupSize: Type.Optional(Type.Integer({ minimum: 2, maximum: 50 })),
    groupTtlSeconds: Type.Optional(
      Type.Integer({
        minimum: 5,
        maximum: 604800,
        description: 'At least 60 unless the server runs with ALLOW_SHORT_TTL=1 (tests), then at least 5',
      }),
    ),
    dryRun: Type.Optional(Type.Boolean()),
    levelBenefits: Type.Optional(LevelBenefits),
    robotFill: Type.Optional(
      Type.Object(
        { enabled: Type.Boolean(), maxMissing: Type.Integer({ minimum: 0, maximum: 49 }) },
        { additionalProperties: false },
      ),
    ),
    stockBuckets: Type.Optional(
      StockBuckets(
        'Stock buckets (库存分桶, seckill only; default 1 = off): the stock is split evenly over this many Redis ' +
          'hash tags, so a very hot sale spreads over several Redis cores or cluster masters. Each shopper buys ' +
          'from one bucket (by user id), so a bucket may sell out while others still have units. Fixed once ' +
          'created (PATCH does not take it)',
      ),
    ),
  },
  { additionalProperties: false },
);
export type CreateCampaignBody = Static<typeof CreateCampaignBody>;

export const PatchCampaignBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    priceFen: Type.Optional(PriceFen),
    startsAt: Type.Optional(IsoTime),
    endsAt: Type.Optional(IsoTime),
    stockTotal: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    perUserLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: PER_USER_LIMIT_MAX })),
    groupTtlSeconds: Type.Optional(
      Type.Integer({
        minimum: 5,
        maximum: 604800,
        description: 'At least 60 unless the server runs with ALLOW_SHORT_TTL=1 (tests), then at least 5',
      }),
    ),
    levelBenefits: Type.Optional(LevelBenefits),
    robotFill: Type.Optional(
      Type.Object(
        { enabled: Type.Boolean(), maxMissing: Type.Integer({ minimum: 0, maximum: 49 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchCampaignBody = Static<typeof PatchCampaignBody>;

export const CampaignLive = Type.Object({
  stockTotal: Type.Integer(),
  stockLeft: Type.Integer(),
  reserved: Type.Integer({ description: 'Units held by unpaid orders and reservations not yet settled' }),
  sold: Type.Integer({ description: 'Units of paid, shipped or completed orders' }),
  unsettled: Type.Integer(),
  ordersPending: Type.Integer(),
  ordersPaid: Type.Integer(),
  ordersCancelled: Type.Integer(),
  ordersRefunded: Type.Integer(),
  reservationsPerSecond: Type.Number(),
  groupsForming: Type.Optional(Type.Integer()),
  groupsSucceeded: Type.Optional(Type.Integer()),
  groupsFailed: Type.Optional(Type.Integer()),
  buckets: Type.Union(
    [
      Type.Array(
        Type.Object({
          bucket: Type.Integer({ minimum: 0, description: '0 is the campaign’s own hash tag' }),
          stockTotal: Type.Integer({ description: 'The bucket’s share of the stock' }),
          stockLeft: Type.Integer(),
          unsettled: Type.Integer({ minimum: 0 }),
        }),
      ),
      Type.Null(),
    ],
    {
      description:
        'The hot path’s counters of each stock bucket, bucket 0 first (one row for an unbucketed campaign); null ' +
        'while the campaign’s hot state is missing (being rebuilt)',
    },
  ),
  serverTime: IsoTime,
});
export type CampaignLive = Static<typeof CampaignLive>;

export const KillSwitchBody = Type.Object({ active: Type.Boolean() }, { additionalProperties: false });
export type KillSwitchBody = Static<typeof KillSwitchBody>;
export const WaitingRoomBody = Type.Object(
  { enabled: Type.Boolean(), admissionRatePerSecond: Type.Integer({ minimum: 1, maximum: 100000 }) },
  { additionalProperties: false },
);
export type WaitingRoomBody = Static<typeof WaitingRoomBody>;
export const PrewarmView = Type.Object({ loaded: Type.Boolean(), verified: Type.Boolean() });
export const AdmissionView = Type.Object({
  token: Type.String(),
  expiresAt: IsoTime,
  /** When the caller may reserve: the start, earlier for a level with early access. */
  opensAt: IsoTime,
});

/** What the hot path counts for a campaign (`@tuanmiao/hot-path` CampaignCounters). */
export const CampaignCountersView = Type.Object({
  stockTotal: Type.Integer(),
  stockLeft: Type.Integer(),
  unsettled: Type.Integer({ minimum: 0 }),
});
/** Pre-warm's answer inside the broker: the route shows `PrewarmView`, the counters read back are for tests. */
export const PrewarmResult = Type.Object({
  loaded: Type.Boolean(),
  verified: Type.Boolean(),
  counters: Type.Union([CampaignCountersView, Type.Null()]),
});
/** A hot-path id of a campaign: its own id (bucket 0), or a stock bucket's shard `<id>#<b>` (`shardIds`). */
export const HotPathShardId = Type.String({
  pattern: '^cmp_[0-9A-HJKMNP-TV-Z]{26}(#([1-9]|1[0-5]))?$',
  description: 'A campaign id, or one of its stock buckets: the campaign id, # and the bucket (1–15)',
});
/** A campaign as the hot path loads it (`@tuanmiao/hot-path` CampaignDef). */
export const HotPathCampaignDef = Type.Object({
  id: CampaignId,
  type: CampaignType,
  title: Type.String(),
  skuId: Type.String(),
  priceFen: Type.Integer(),
  startsAtMs: Type.Integer(),
  endsAtMs: Type.Integer(),
  stockTotal: Type.Integer(),
  perUserLimit: Type.Integer(),
  groupSize: Type.Optional(Type.Integer()),
  groupTtlMs: Type.Optional(Type.Integer()),
  stopped: Type.Boolean(),
  killSwitch: Type.Boolean(),
  dryRun: Type.Boolean(),
  levelBenefits: Type.Optional(
    Type.Array(
      Type.Object({
        levelCode: LevelCode,
        perUserLimit: Type.Optional(Type.Integer({ minimum: 1 })),
        earlyAccessMs: Type.Optional(Type.Integer({ minimum: 0 })),
      }),
    ),
  ),
  stockBuckets: Type.Optional(Type.Integer({ minimum: 1, maximum: STOCK_BUCKETS_MAX })),
});
