/** The membership service on the bus: its actions with their params and results (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract } from '../../broker/contract.ts';
import { UserId } from '../../schemas/common.ts';
import { LevelCode, MemberLevelsView, MembershipCard, MeView, PutMemberLevelsBody } from './schemas.ts';

const Count = Type.Integer({ minimum: 0 });

export const membershipContract = defineContract({
  name: 'membership',
  actions: {
    card: { params: Type.Object({}), result: MembershipCard },
    me: { params: Type.Object({}), result: MeView },
    getLevels: { params: Type.Object({}), result: MemberLevelsView },
    /** Internal (campaigns): the codes of the levels that exist now, lowest threshold first. */
    levelCodes: { params: Type.Object({}), result: Type.Array(LevelCode) },
    /** Internal (the gateway's reservation routes, cached there): a shopper's level code now. */
    levelOf: { params: Type.Object({ userId: UserId }), result: Type.Object({ code: LevelCode }) },
    setLevels: { params: PutMemberLevelsBody, result: MemberLevelsView },
    review: { params: Type.Object({}), result: Type.Object({ reviewed: Count, changed: Count }) },
    monthlyCoupons: { params: Type.Object({}), result: Type.Object({ month: Type.String(), issued: Count }) },
    levelGifts: {
      params: Type.Object({}),
      result: Type.Object({ issued: Count, skipped: Count, pending: Count }),
    },
  },
  events: {},
});
