import type { Reservation } from '../api-types';
import { api } from '../request';

/** `GET /api/reservations/:id`; `orderId` appears once the reservation has settled into an order. */
export function fetchReservation(reservationId: string): Promise<Reservation> {
  return api.request<Reservation>({
    path: `/api/reservations/${encodeURIComponent(reservationId)}`,
  });
}
