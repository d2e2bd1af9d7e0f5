import type { PaymentStart } from '../api-types';
import { ApiError, api } from '../request';

/**
 * `POST /api/orders/:id/payment` → which provider pays, and its parameters. `addressId` gives the order its
 * delivery address (an order without one is refused with ADDRESS_REQUIRED; its reservation stays).
 */
export function dispatchPaymentStart(orderId: string, addressId?: string): Promise<PaymentStart> {
  return api.request<PaymentStart>({
    method: 'POST',
    path: `/api/orders/${encodeURIComponent(orderId)}/payment`,
    ...(addressId ? { data: { addressId } } : {}),
  });
}

/** `POST /api/payments/dev/:orderId/confirm`: the development provider's "paid" (embedded demo only). */
export async function dispatchDevPaymentConfirm(orderId: string): Promise<void> {
  await api.request<unknown>({
    method: 'POST',
    path: `/api/payments/dev/${encodeURIComponent(orderId)}/confirm`,
  });
}

/**
 * Pays an order: WeChat Pay through `wx.requestPayment`, or the dev provider's confirm route. Resolves once
 * the shopper has paid on their side; the order turns `paid` when the gateway hears from the provider.
 */
export async function dispatchPayment(
  orderId: string,
  addressId?: string,
): Promise<PaymentStart['provider']> {
  const start = await dispatchPaymentStart(orderId, addressId);
  if (start.provider === 'dev') {
    await dispatchDevPaymentConfirm(orderId);
    return 'dev';
  }
  try {
    await wx.requestPayment({ ...start.params });
  } catch (err) {
    const errMsg =
      typeof err === 'object' && err !== null && 'errMsg' in err ? String(err.errMsg) : String(err);
    const cancelled = /cancel/i.test(errMsg);
    throw new ApiError({
      code: cancelled ? 'PAYMENT_CANCELLED' : 'PAYMENT_FAILED',
      status: 0,
      serverMessage: errMsg,
    });
  }
  return 'wechat';
}
