/** The users service on the bus: its actions with their params and results (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract, defineEvent } from '../../broker/contract.ts';
import { UserId } from '../../schemas/common.ts';
import { DevLoginBody, UserView, WechatLoginBody } from './schemas.ts';

export const usersContract = defineContract({
  name: 'users',
  actions: {
    loginWechat: { params: WechatLoginBody, result: UserView },
    openid: { params: Type.Object({ id: UserId }), result: Type.Object({ openid: Type.String() }) },
    get: { params: Type.Object({ id: UserId }), result: UserView },
    loginDev: { params: DevLoginBody, result: UserView },
  },
  events: {
    /** A shopper signed in for the first time (the coupons module gives its new-member gifts). */
    'user.registered': defineEvent(1, { userId: UserId }),
  },
});
