/** Admin-only views: the dashboard figures and the audit log. */
import Type from 'typebox';
import { Fen, IsoTime } from './common.ts';

export const DashboardView = Type.Object({
  todayGmvFen: Fen,
  todayOrders: Type.Integer(),
  todayPaidOrders: Type.Integer(),
  paidConversion: Type.Number({ minimum: 0, maximum: 1 }),
  liveCampaigns: Type.Integer(),
  topCampaigns: Type.Array(
    Type.Object({ campaignId: Type.String(), title: Type.String(), gmvFen: Fen, paidOrders: Type.Integer() }),
  ),
  gmvByHour: Type.Array(Type.Object({ hour: IsoTime, gmvFen: Fen, orders: Type.Integer() })),
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

/** Heap of the gateway process that answered, around a forced full garbage collection. */
export const HeapAfterGcView = Type.Object({
  heapUsedBeforeBytes: Type.Integer({ minimum: 0 }),
  heapUsedAfterBytes: Type.Integer({ minimum: 0 }),
  heapTotalBytes: Type.Integer({ minimum: 0 }),
  rssBytes: Type.Integer({ minimum: 0 }),
  gcMs: Type.Number({ minimum: 0 }),
});
