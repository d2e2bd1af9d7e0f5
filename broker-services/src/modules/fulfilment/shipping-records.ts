/**
 * WeChat shipping records (发货信息录入): the outbox row each shipped order gets, in the transaction that ships
 * it, and its view. `recordShippingRecord` and `shippingRecordViews` are exported to the orders module; the
 * rows are sent by the fulfilment sweeper (`fulfilment.sendShippingRecords`).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../../ids.ts';
import type { ShippingInfo } from '../../integrations/wechat/shipping-client.ts';
import type { PackageInput, ShippingRecordView } from './schemas.ts';

export type ShippingRecordState = 'pending' | 'sent' | 'failed' | 'not_applicable';

/** A row of `shipping_records`. */
export interface ShippingRecordRow {
  id: string;
  order_id: string;
  state: ShippingRecordState;
  payload: ShippingInfo | null;
  attempts: number;
  last_error_code: string | null;
  last_errcode: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  sent_at: Date | null;
  created_at: Date;
}

/** What the orders module knows of the order it ships. */
export interface ShippedOrderFacts {
  orderId: string;
  /** WeChat Pay's transaction id of the order's payment; null when it was paid otherwise (the dev provider). */
  wechatTransactionId: string | null;
  payerOpenid: string;
  /** What is in the parcels, as the shopper will read it in WeChat (cut to WeChat's 120 characters). */
  itemDesc: string;
  /** The receiver's phone from the order's address, masked before it leaves this function. */
  receiverPhone: string | undefined;
  packages: readonly PackageInput[];
  at: Date;
}

/** `13800138000` → `138****8000`, the mask WeChat asks for; anything that is not a mainland mobile is left out. */
function maskedContact(phone: string | undefined): string | undefined {
  return phone && /^1\d{10}$/.test(phone) ? `${phone.slice(0, 3)}****${phone.slice(7)}` : undefined;
}

/**
 * The `upload_shipping_info` body of one shipment. All packages are shipped by one ship action, so a split
 * shipment (several packages) is SPLIT_DELIVERY with `is_all_delivered: true`, one package UNIFIED_DELIVERY.
 */
export function shippingInfoOf(o: ShippedOrderFacts & { wechatTransactionId: string }): ShippingInfo {
  const contact = maskedContact(o.receiverPhone);
  const itemDesc = Array.from(o.itemDesc).slice(0, 120).join('');
  const split = o.packages.length > 1;
  return {
    order_key: { order_number_type: 2, transaction_id: o.wechatTransactionId },
    logistics_type: 1,
    delivery_mode: split ? 2 : 1,
    ...(split ? { is_all_delivered: true } : {}),
    shipping_list: o.packages.map((p) => ({
      tracking_no: p.trackingNo,
      express_company: p.carrier.toUpperCase(),
      item_desc: itemDesc,
      ...(contact ? { contact: { receiver_contact: contact } } : {}),
    })),
    payer: { openid: o.payerOpenid },
  };
}

/**
 * Writes the order's shipping record inside the transaction that ships it: pending (sent by the sweeper) when
 * WeChat Pay took the payment, not_applicable otherwise. One per order: a second call changes nothing.
 */
export async function recordShippingRecord(tx: EntityManager, o: ShippedOrderFacts): Promise<void> {
  const info = o.wechatTransactionId
    ? shippingInfoOf({ ...o, wechatTransactionId: o.wechatTransactionId })
    : null;
  await tx.execute(
    `insert into shipping_records (id, order_id, state, payload, next_attempt_at, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?) on conflict (order_id) do nothing`,
    [
      newId('swr'),
      o.orderId,
      info ? 'pending' : 'not_applicable',
      info ? JSON.stringify(info) : null,
      info ? o.at : null,
      o.at,
      o.at,
    ],
  );
}

const iso = (d: Date) => new Date(d).toISOString();

/** The admin's view of a record. */
export function shippingRecordView(r: ShippingRecordRow): ShippingRecordView {
  return {
    state: r.state,
    attempts: r.attempts,
    ...(r.last_error_code ? { lastErrorCode: r.last_error_code } : {}),
    ...(r.last_errcode !== null ? { lastErrcode: r.last_errcode } : {}),
    ...(r.last_error ? { lastError: r.last_error } : {}),
    ...(r.state === 'pending' && r.next_attempt_at ? { nextAttemptAt: iso(r.next_attempt_at) } : {}),
    ...(r.sent_at ? { sentAt: iso(r.sent_at) } : {}),
  };
}

/** The records of these orders, by order id (orders never shipped have none). */
export async function shippingRecordViews(
  em: EntityManager,
  orderIds: readonly string[],
): Promise<Map<string, ShippingRecordView>> {
  if (orderIds.length === 0) return new Map();
  const rows = await em.execute<ShippingRecordRow[]>(
    `select * from shipping_records where order_id in (${orderIds.map(() => '?').join(', ')})`,
    [...orderIds],
  );
  return new Map(rows.map((r) => [r.order_id, shippingRecordView(r)]));
}
