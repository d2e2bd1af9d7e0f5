/** The points service on the bus: its actions with their params and results (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract } from '../../broker/contract.ts';
import { IdParam, UserId, withParams } from '../../schemas/common.ts';
import {
  AdjustmentBody,
  AdjustmentView,
  CreateMallItemBody,
  LedgerPage,
  LedgerQuery,
  MallItemId,
  MallItemList,
  MallItemView,
  PatchMallItemBody,
  PointsHistoryQuery,
  PointsRules,
  PointsView,
  ReconciliationView,
  RedeemBody,
  RedemptionList,
  RedemptionListQuery,
  RedemptionResult,
} from './schemas.ts';

const Count = Type.Integer({ minimum: 0 });

export const pointsContract = defineContract({
  name: 'points',
  actions: {
    mine: { params: PointsHistoryQuery, result: PointsView },
    balance: { params: Type.Object({ userId: UserId }), result: Type.Object({ balance: Count }) },
    getRules: { params: Type.Object({}), result: PointsRules },
    setRules: { params: PointsRules, result: PointsRules },
    ledger: { params: LedgerQuery, result: LedgerPage },
    adjust: { params: AdjustmentBody, result: AdjustmentView },
    reconcileNow: { params: Type.Object({}), result: ReconciliationView },
    reconcile: { params: Type.Object({}), result: Type.Object({ driftUsers: Count }) },
    mallItems: { params: Type.Object({}), result: MallItemList },
    adminMallItems: { params: Type.Object({}), result: MallItemList },
    createMallItem: { params: CreateMallItemBody, result: MallItemView },
    patchMallItem: { params: withParams(IdParam(MallItemId), PatchMallItemBody), result: MallItemView },
    redeem: { params: withParams(IdParam(MallItemId), RedeemBody), result: RedemptionResult },
    myRedemptions: { params: RedemptionListQuery, result: RedemptionList },
    expireDue: { params: Type.Object({}), result: Type.Object({ users: Count, expired: Count }) },
  },
  events: {},
});
