import type { PaymentStart } from '../orders/schemas.ts';

/** What the payments area needs from a payment channel; `dev` for the embedded demo, `wechat` for production. */
export interface StartPaymentInput {
  orderId: string;
  amountFen: number;
  description: string;
  payerOpenid: string;
  expiresAt: Date;
}

export interface ConfirmedPayment {
  orderId: string;
  providerTxnId: string;
  amountFen: number;
  paidAt: Date;
}

export interface RefundInput {
  orderId: string;
  outRefundNo: string;
  refundFen: number;
  totalFen: number;
  reason: string;
}

export interface PaymentProvider {
  readonly name: 'dev' | 'wechat';
  /** The channel and the parameters the mini-program passes to wx.requestPayment (or the dev confirm route). */
  startPayment(input: StartPaymentInput): Promise<PaymentStart>;
  /** Verifies and decrypts a notification; only `wechat` receives them. */
  parseNotification(
    headers: Record<string, string | undefined>,
    rawBody: string,
    nowMs: number,
  ): Promise<ConfirmedPayment | null>;
  /** Asks the channel for the order's payment; null when it was not paid. */
  queryPayment(orderId: string): Promise<ConfirmedPayment | null>;
  /** Closes the order at the channel so that it can no longer be paid. */
  closePayment(orderId: string): Promise<void>;
  /**
   * Starts a refund, or, once the channel has accepted it (`requested`), asks how it is going rather than
   * requesting it again; `succeeded` once the money is back. A refund the channel does not know is requested.
   */
  refund(input: RefundInput, opts?: { requested?: boolean }): Promise<{ status: 'succeeded' | 'processing' }>;
}

/** The development provider: no channel at all; a shopper confirms through POST /api/payments/dev/:orderId/confirm. */
export function createDevPaymentProvider(): PaymentProvider {
  return {
    name: 'dev',
    async startPayment(input) {
      return {
        provider: 'dev',
        params: { confirmPath: `/api/payments/dev/${input.orderId}/confirm`, amountFen: input.amountFen },
      };
    },
    async parseNotification() {
      return null;
    },
    async queryPayment() {
      return null;
    },
    async closePayment() {},
    async refund() {
      return { status: 'succeeded' };
    },
  };
}
