/**
 * The payments module's records that the orders module writes inside its own transitions' transactions
 * (exported in ./README.md): a payment applied to an order commits with the order's move to paid, and a refund
 * record commits with the order's move to refunding (or with a late payment's record). The payments sweeper
 * then drives each refund to completion; only this module updates them after that.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../../ids.ts';

export interface PaymentRecord {
  orderId: string;
  provider: string;
  providerTxnId: string;
  amountFen: number;
}

/**
 * Records a confirmed payment as applied, once per provider transaction. Returns its id, or null when the same
 * transaction was recorded before (a replay): a concurrent record of it waits on the unique key, then sees that.
 */
export async function recordPayment(tx: EntityManager, p: PaymentRecord): Promise<string | null> {
  const recorded = await tx.execute<{ id: string }[]>(
    `insert into payments (id, order_id, provider, provider_txn_id, amount_fen, outcome)
     values (?, ?, ?, ?, ?, 'applied') on conflict (provider, provider_txn_id) do nothing returning id`,
    [newId('pay'), p.orderId, p.provider, p.providerTxnId, p.amountFen],
  );
  return recorded[0]?.id ?? null;
}

/** The payment applied to an order, if any (the shipping record names WeChat Pay's transaction). */
export async function appliedPaymentOf(
  em: EntityManager,
  orderId: string,
): Promise<{ provider: string; providerTxnId: string } | null> {
  const [row] = await em.execute<{ provider: string; provider_txn_id: string }[]>(
    `select provider, provider_txn_id from payments where order_id = ? and outcome = 'applied' limit 1`,
    [orderId],
  );
  return row ? { provider: row.provider, providerTxnId: row.provider_txn_id } : null;
}

/** A recorded payment that found its order cancelled: it is refunded, never applied. */
export async function markPaymentLate(tx: EntityManager, paymentId: string): Promise<void> {
  await tx.execute(`update payments set outcome = 'late_refunded' where id = ?`, [paymentId]);
}

export interface RefundRecord {
  orderId: string;
  /** The channel's idempotency key: one refund per out_refund_no, however often it is asked for. */
  outRefundNo: string;
  amountFen: number;
  /** What the channel charged for the order (the channel wants it with every refund). */
  orderTotalFen: number;
  reason: string;
}

/** A pending refund, driven to completion by the payments sweeper; a second record of the same key is ignored. */
export async function createRefund(tx: EntityManager, r: RefundRecord): Promise<void> {
  await tx.execute(
    `insert into refunds (id, order_id, out_refund_no, amount_fen, order_total_fen, reason, status)
     values (?, ?, ?, ?, ?, ?, 'pending') on conflict (out_refund_no) do nothing`,
    [
      newId('rfd'),
      r.orderId,
      r.outRefundNo.slice(0, 64),
      r.amountFen,
      r.orderTotalFen,
      r.reason.slice(0, 200),
    ],
  );
}
