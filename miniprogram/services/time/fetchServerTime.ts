import { serverClock } from '../../lib/server-clock';
import { api } from '../request';

/** `GET /api/time` → the server's clock, ISO 8601. */
export async function fetchServerTime(): Promise<string> {
  const res = await api.request<{ now: string }>({ path: '/api/time', auth: false });
  return res.now;
}

/** Measures the shared clock's offset against the server; countdowns read it afterwards. */
export function syncServerClock(): Promise<number> {
  return serverClock.sync(fetchServerTime);
}
