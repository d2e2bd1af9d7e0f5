/** The campaigns service on the bus: its actions with their params and results (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract } from '../../broker/contract.ts';
import { CampaignId, IdParam, IsoTime, withParams } from '../../schemas/common.ts';
import {
  AdminCampaignListQuery,
  AdminCampaignView,
  CampaignListQuery,
  CampaignLive,
  CampaignView,
  CreateCampaignBody,
  HotPathCampaignDef,
  HotPathShardId,
  PatchCampaignBody,
  PrewarmResult,
  RobotFillPolicy,
  STOCK_BUCKETS_MAX,
  WaitingRoomBody,
} from './schemas.ts';

const CampaignIdParam = IdParam(CampaignId);

export const campaignsContract = defineContract({
  name: 'campaigns',
  actions: {
    list: { params: CampaignListQuery, result: Type.Object({ items: Type.Array(CampaignView) }) },
    get: { params: CampaignIdParam, result: CampaignView },
    definition: { params: CampaignIdParam, result: HotPathCampaignDef },
    robotFillPolicies: {
      params: Type.Object({ ids: Type.Array(CampaignId, { maxItems: 100 }) }),
      result: Type.Object({ items: Type.Array(RobotFillPolicy) }),
    },
    activeIds: { params: Type.Object({}), result: Type.Array(CampaignId) },
    activeShardIds: { params: Type.Object({}), result: Type.Array(HotPathShardId) },
    retiredIds: {
      params: Type.Object({ endedAfter: IsoTime, endedBefore: IsoTime }, { additionalProperties: false }),
      result: Type.Array(
        Type.Object({ id: CampaignId, buckets: Type.Integer({ minimum: 1, maximum: STOCK_BUCKETS_MAX }) }),
      ),
    },
    adminList: {
      params: AdminCampaignListQuery,
      result: Type.Object({ items: Type.Array(AdminCampaignView) }),
    },
    adminGet: { params: CampaignIdParam, result: AdminCampaignView },
    create: { params: CreateCampaignBody, result: AdminCampaignView },
    patch: { params: withParams(CampaignIdParam, PatchCampaignBody), result: AdminCampaignView },
    stop: { params: CampaignIdParam, result: AdminCampaignView },
    killSwitch: {
      params: Type.Object({ id: CampaignId, active: Type.Boolean() }),
      result: AdminCampaignView,
    },
    waitingRoom: { params: withParams(CampaignIdParam, WaitingRoomBody), result: AdminCampaignView },
    prewarm: { params: CampaignIdParam, result: PrewarmResult },
    live: { params: CampaignIdParam, result: CampaignLive },
  },
  events: {},
});
