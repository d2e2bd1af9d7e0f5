import type { MemberCard } from '../api-types';
import { api } from '../request';

/** `GET /api/me/membership` → my member card: level, benefits, growth and progress to the next level. */
export async function fetchMemberCard(): Promise<MemberCard> {
  return api.request<MemberCard>({ path: '/api/me/membership' });
}
