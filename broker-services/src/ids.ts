/** Prefixed, time-sortable identifiers (`ord_01J…`): the prefix names the kind, the ULID sorts by creation. */
import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

export type IdPrefix = 'usr' | 'adm' | 'prd' | 'sku' | 'cmp' | 'rsv' | 'ord' | 'grp' | 'pay' | 'rfd';

/** A new identifier with the given kind prefix. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${next()}`;
}

/** The order id a reservation settles into: the same ULID, so it is known before settlement. */
export function orderIdForReservation(reservationId: string): string {
  return `ord_${reservationId.slice(4)}`;
}
