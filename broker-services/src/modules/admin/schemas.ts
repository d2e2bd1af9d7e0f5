/** Admin-only schemas: operator accounts and login, the dashboard figures and the audit log. */
import Type, { type Static } from 'typebox';
import { FenSum, IsoTime } from '../../schemas/common.ts';

export const DashboardView = Type.Object({
  todayGmvFen: FenSum,
  todayOrders: Type.Integer(),
  todayPaidOrders: Type.Integer(),
  paidConversion: Type.Number({ minimum: 0, maximum: 1 }),
  liveCampaigns: Type.Integer(),
  topCampaigns: Type.Array(
    Type.Object({
      campaignId: Type.String(),
      title: Type.String(),
      gmvFen: FenSum,
      paidOrders: Type.Integer(),
    }),
  ),
  gmvByHour: Type.Array(Type.Object({ hour: IsoTime, gmvFen: FenSum, orders: Type.Integer() })),
  serverTime: IsoTime,
});

export const AuditEntryView = Type.Object({
  id: Type.String(),
  adminId: Type.String(),
  adminUsername: Type.String(),
  action: Type.String(),
  objectType: Type.String(),
  objectId: Type.String(),
  detail: Type.Record(Type.String(), Type.Unknown()),
  at: IsoTime,
});
export const AuditPage = Type.Object({
  items: Type.Array(AuditEntryView),
  nextCursor: Type.Optional(Type.String()),
});

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

/** One settlement entry set aside after repeated failures (see hot-path/src/settlement/consumer.ts). */
export const ParkedSettlementEntryView = Type.Object({
  campaignId: Type.String(),
  streamId: Type.String(),
  reservationId: Type.String(),
  userId: Type.String(),
  kind: Type.Union([Type.Literal('reserve'), Type.Literal('release')]),
  quantity: Type.Integer(),
  unitPriceFen: Type.Integer(),
  attempts: Type.Integer(),
  error: Type.String(),
  parkedAt: IsoTime,
});
export const ParkedSettlementPage = Type.Object({ items: Type.Array(ParkedSettlementEntryView) });
export type ParkedSettlementPage = Static<typeof ParkedSettlementPage>;
export const ParkedSettlementQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) },
  { additionalProperties: false },
);
