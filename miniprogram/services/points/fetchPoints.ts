import type { MyPoints } from '../api-types';
import { api } from '../request';

/** `GET /api/me/points[?cursor=]` → my balance (the sum of my ledger) and a page of the ledger, newest first. */
export async function fetchPoints(cursor?: string | null, limit = 20): Promise<MyPoints> {
  return api.request<MyPoints>({ path: '/api/me/points', query: { cursor, limit } });
}
