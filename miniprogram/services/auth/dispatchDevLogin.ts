import type { Session } from '../api-types';
import { api } from '../request';

/** Logs in as `openid` through `POST /api/auth/dev` (embedded demo only; 404 in production). */
export async function dispatchDevLogin(openid: string): Promise<Session> {
  const session = await api.request<Session>({
    method: 'POST',
    path: '/api/auth/dev',
    data: { openid },
    auth: false,
  });
  api.setSession(session);
  return session;
}
