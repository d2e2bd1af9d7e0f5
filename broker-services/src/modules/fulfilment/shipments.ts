/**
 * Packages of an order (exported to the orders module, which records them in the transaction that ships the
 * order, so an order is never shipped without its packages nor packages left on an unshipped order).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { PackageInput } from './schemas.ts';

/** Records the packages; a tracking number already used by this carrier is CONFLICT (and rolls the ship back). */
export async function recordShipments(
  tx: EntityManager,
  orderId: string,
  packages: readonly PackageInput[],
): Promise<void> {
  for (const p of packages) {
    const rows = await tx.execute<{ id: string }[]>(
      `insert into shipments (id, order_id, carrier, tracking_no) values (?, ?, ?, ?)
       on conflict (carrier, tracking_no) do nothing returning id`,
      [newId('shp'), orderId, p.carrier, p.trackingNo],
    );
    if (!rows[0]) {
      throw new AppError(
        'CONFLICT',
        `Tracking number ${p.trackingNo} of ${p.carrier} is already on a shipment`,
      );
    }
  }
}
