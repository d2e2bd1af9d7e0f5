import type { Tracking } from '../api-types';
import { api } from '../request';

/** `GET /api/orders/:id/tracking` → each package with its carrier, number and events, newest first. */
export function fetchTracking(orderId: string): Promise<Tracking> {
  return api.request<Tracking>({ path: `/api/orders/${encodeURIComponent(orderId)}/tracking` });
}
