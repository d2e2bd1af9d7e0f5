import type { Reservation } from '../api-types';
import { api } from '../request';

export interface ReservationCommand {
  campaignId: string;
  quantity: number;
  /** Made once per tap and reused by its retries: the gateway never reserves twice for one id. */
  requestId: string;
  admissionToken?: string;
}

/** `POST /api/seckill/:campaignId/reservations` → the reservation (its order comes once it settles). */
export async function dispatchReservation(command: ReservationCommand): Promise<Reservation> {
  const data: Record<string, unknown> = { quantity: command.quantity, requestId: command.requestId };
  if (command.admissionToken) data.admissionToken = command.admissionToken;
  const res = await api.request<{ reservation: Reservation }>({
    method: 'POST',
    path: `/api/seckill/${encodeURIComponent(command.campaignId)}/reservations`,
    data,
  });
  return res.reservation;
}
