import type { Reservation } from '../api-types';
import { api } from '../request';

/** `GET /api/reservations/:id`; `orderId` appears once the reservation has settled into an order. */
export async function fetchReservation(reservationId: string): Promise<Reservation> {
  const res = await api.request<Reservation | { reservation: Reservation }>({
    path: `/api/reservations/${encodeURIComponent(reservationId)}`,
  });
  return 'reservation' in res ? res.reservation : res;
}
