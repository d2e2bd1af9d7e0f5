/** The users service on the bus: its actions with their params and results (see ../../broker/README.md). */
import { defineContract } from '../../broker/contract.ts';
import { DevLoginBody, UserView, WechatLoginBody } from './schemas.ts';

export const usersContract = defineContract({
  name: 'users',
  actions: {
    loginWechat: { params: WechatLoginBody, result: UserView },
    loginDev: { params: DevLoginBody, result: UserView },
  },
  events: {},
});
