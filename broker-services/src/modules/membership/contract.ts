/** The membership service on the bus: its actions with their params and results (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract } from '../../broker/contract.ts';
import { MemberLevelsView, MembershipCard, MeView, PutMemberLevelsBody } from './schemas.ts';

const Count = Type.Integer({ minimum: 0 });

export const membershipContract = defineContract({
  name: 'membership',
  actions: {
    card: { params: Type.Object({}), result: MembershipCard },
    me: { params: Type.Object({}), result: MeView },
    getLevels: { params: Type.Object({}), result: MemberLevelsView },
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
