/** The payments service on the bus: its actions with their params and results (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract } from '../../broker/contract.ts';
import { IdParam, OrderId, withParams } from '../../schemas/common.ts';
import { OrderView, PaymentBody, PaymentOutcome, PaymentStart } from '../orders/schemas.ts';

export const paymentsContract = defineContract({
  name: 'payments',
  actions: {
    start: { params: withParams(IdParam(OrderId), PaymentBody), result: PaymentStart },
    wechatNotify: {
      params: Type.Object({
        headers: Type.Record(Type.String(), Type.String()),
        rawBody: Type.String({ maxLength: 65536 }),
      }),
      result: Type.Object({ outcome: Type.Union([PaymentOutcome, Type.Literal('ignored')]) }),
    },
    devConfirm: {
      params: IdParam(OrderId),
      result: Type.Object({ outcome: PaymentOutcome, order: OrderView }),
    },
    processRefunds: {
      params: Type.Object({}),
      result: Type.Object({ processed: Type.Integer({ minimum: 0 }) }),
    },
  },
  events: {},
});
