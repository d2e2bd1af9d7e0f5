/** The groups service on the bus: its actions, and the group outcomes it emits (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract, defineEvent } from '../../broker/contract.ts';
import { CampaignId, GroupId, IdParam, UserId } from '../../schemas/common.ts';
import { GroupList, GroupView } from './schemas.ts';

export const groupsContract = defineContract({
  name: 'groups',
  actions: {
    get: {
      params: Type.Object({ id: GroupId }),
      result: GroupView,
    },
    listJoinable: { params: IdParam(CampaignId), result: GroupList },
    /** The shoppers who held a slot of a failed group when it failed (the compensation coupons' list). */
    failedMembers: { params: IdParam(GroupId), result: Type.Object({ userIds: Type.Array(UserId) }) },
    checkSuccess: { params: IdParam(GroupId), result: Type.Object({ succeeded: Type.Boolean() }) },
    expireDue: {
      params: Type.Object({}),
      result: Type.Object({
        succeeded: Type.Integer({ minimum: 0 }),
        failed: Type.Integer({ minimum: 0 }),
        robotFilled: Type.Integer({ minimum: 0 }),
        resolved: Type.Integer({ minimum: 0 }),
      }),
    },
  },
  events: {
    /** A group filled: every slot paid, or the missing ones filled by robots (`robotFilled` of them). */
    'group.succeeded': defineEvent(1, {
      groupId: GroupId,
      campaignId: CampaignId,
      robotFilled: Type.Integer({ minimum: 0 }),
    }),
    /** A group expired unfilled; its paid members are refunded and its unpaid ones cancelled. */
    'group.failed': defineEvent(1, { groupId: GroupId, campaignId: CampaignId }),
  },
});
