/** Builds the configured payment provider and the WeChat login client from the configuration. */
import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { createWechatAuthClient } from '../../integrations/wechat/auth-client.ts';
import {
  createWechatShippingClient,
  type WechatShippingClient,
} from '../../integrations/wechat/shipping-client.ts';
import {
  createWechatPayClient,
  type Transaction,
  WechatPayError,
} from '../../integrations/wechatpay/index.ts';
import type { WechatLogin } from '../users/users.service.ts';
import { type ConfirmedPayment, createDevPaymentProvider, type PaymentProvider } from './provider.ts';

export function createWechatLogin(config: Config): WechatLogin {
  return createWechatAuthClient({
    apiBase: config.wechat.apiBase,
    appId: config.wechat.appId,
    appSecret: config.wechat.appSecret,
  });
}

/** WeChat's 发货信息录入 client, with the process's one cached access token. */
export function createWechatShipping(config: Config): WechatShippingClient {
  return createWechatShippingClient({
    apiBase: config.wechat.apiBase,
    appId: config.wechat.appId,
    appSecret: config.wechat.appSecret,
  });
}

function confirmed(t: Transaction): ConfirmedPayment | null {
  if (t.trade_state !== 'SUCCESS' || !t.transaction_id) return null;
  return {
    orderId: t.out_trade_no,
    providerTxnId: t.transaction_id,
    amountFen: t.amount?.payer_total ?? t.amount?.total ?? -1,
    paidAt: t.success_time ? new Date(t.success_time) : new Date(),
  };
}

/** WeChat Pay v3 (JSAPI) as our PaymentProvider. */
export function createWechatPayProvider(config: Config): PaymentProvider {
  const wp = config.wechatPay;
  const client = createWechatPayClient({
    mchId: wp.mchId,
    appId: config.wechat.appId,
    merchantSerialNo: wp.merchantSerialNo,
    merchantPrivateKeyPem: wp.merchantPrivateKey,
    apiV3Key: wp.apiV3Key,
    platformPublicKeyPem: wp.platformPublicKey,
    platformPublicKeyId: wp.platformPublicKeyId,
    apiBase: wp.apiBase,
  });
  return {
    name: 'wechat',
    async startPayment(input) {
      let prepayId: string;
      try {
        prepayId = await client.createJsapiPrepay({
          outTradeNo: input.orderId,
          description: input.description,
          amountFen: input.amountFen,
          payerOpenid: input.payerOpenid,
          notifyUrl: wp.notifyUrl,
          timeExpire: input.expiresAt,
        });
      } catch (err) {
        // The channel refused, failed or could not be reached: the documented 502, never an internal error.
        if (err instanceof WechatPayError) throw new AppError('PAYMENT_PROVIDER_ERROR');
        throw err;
      }
      return { provider: 'wechat', params: { ...client.buildRequestPaymentParams(prepayId) } };
    },
    async parseNotification(headers, rawBody, nowMs) {
      const n = client.verifyAndDecryptNotification({ headers, rawBody, nowMs });
      return n.kind === 'transaction' ? confirmed(n.transaction) : null;
    },
    async queryPayment(orderId) {
      try {
        return confirmed(await client.queryOrderByOutTradeNo(orderId));
      } catch (err) {
        // The shopper never started paying: WeChat Pay has no such order, so nothing was paid.
        if (err instanceof WechatPayError && err.code === 'ORDER_NOT_EXIST') return null;
        throw err;
      }
    },
    async closePayment(orderId) {
      try {
        await client.closeOrder(orderId);
      } catch (err) {
        if (err instanceof WechatPayError && err.code === 'ORDER_NOT_EXIST') return;
        throw err;
      }
    },
    async refund(input, opts = {}) {
      if (opts.requested) {
        try {
          const known = await client.queryRefund(input.outRefundNo);
          if (known.status === 'SUCCESS') return { status: 'succeeded' };
          if (known.status === 'PROCESSING') return { status: 'processing' };
          // CLOSED or ABNORMAL: WeChat Pay gave up on it; asking again under the same out_refund_no is refused
          // as a duplicate, so it stays with the operator (the refund's last_error says why).
          throw new WechatPayError(
            known.status,
            `refund ${input.outRefundNo} is ${known.status} at WeChat Pay`,
          );
        } catch (err) {
          if (!(err instanceof WechatPayError && err.code === 'RESOURCE_NOT_EXISTS')) throw err;
        }
      }
      const r = await client.createRefund({
        outTradeNo: input.orderId,
        outRefundNo: input.outRefundNo,
        refundFen: input.refundFen,
        totalFen: input.totalFen,
        reason: input.reason.slice(0, 80),
        notifyUrl: wp.notifyUrl,
      });
      return { status: r.status === 'SUCCESS' ? 'succeeded' : 'processing' };
    },
  };
}

export function createPaymentProvider(config: Config): PaymentProvider {
  return config.paymentProvider === 'wechat' ? createWechatPayProvider(config) : createDevPaymentProvider();
}
