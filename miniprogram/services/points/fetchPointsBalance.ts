import type { MyPoints } from '../api-types';
import { api } from '../request';

/** `GET /api/me/points?limit=1` → my points balance (the sum of my ledger). */
export async function fetchPointsBalance(): Promise<number> {
  return (await api.request<MyPoints>({ path: '/api/me/points', query: { limit: 1 } })).balance;
}
