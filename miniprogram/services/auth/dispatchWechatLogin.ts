import type { Session } from '../api-types';
import { api } from '../request';

/** Logs the shopper in with wx.login → `POST /api/auth/wechat {code}` and keeps the token. */
export function dispatchWechatLogin(): Promise<Session> {
  return api.login();
}
