/** The fulfilment service on the bus: its actions with their params and results (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract } from '../../broker/contract.ts';
import { IdParam, OrderId, withParams } from '../../schemas/common.ts';
import {
  CreateRefundRequestBody,
  DecideBody,
  RefundRequestId,
  RefundRequestList,
  RefundRequestListQuery,
  RefundRequestView,
  ShippingRecordView,
  TrackingView,
} from './schemas.ts';

export const fulfilmentContract = defineContract({
  name: 'fulfilment',
  actions: {
    sendShippingRecords: {
      params: Type.Object({}),
      result: Type.Object({
        sent: Type.Integer({ minimum: 0 }),
        retry: Type.Integer({ minimum: 0 }),
        failed: Type.Integer({ minimum: 0 }),
      }),
    },
    resumeApprovals: {
      params: Type.Object({}),
      result: Type.Object({
        resumed: Type.Integer({ minimum: 0 }),
        returned: Type.Integer({ minimum: 0 }),
      }),
    },
    retryShippingRecord: { params: IdParam(OrderId), result: ShippingRecordView },
    tracking: { params: IdParam(OrderId), result: TrackingView },
    adminTracking: { params: IdParam(OrderId), result: TrackingView },
    carrierPush: {
      params: Type.Object({
        carrier: Type.String({ minLength: 2, maxLength: 32, pattern: '^[A-Za-z0-9_]+$' }),
        headers: Type.Record(Type.String(), Type.String()),
        rawBody: Type.String({ maxLength: 65536 }),
      }),
      result: Type.Object({ stored: Type.Integer({ minimum: 0 }) }),
    },
    createRefundRequest: {
      params: withParams(IdParam(OrderId), CreateRefundRequestBody),
      result: RefundRequestView,
    },
    myRequests: { params: IdParam(OrderId), result: RefundRequestList },
    adminList: { params: RefundRequestListQuery, result: RefundRequestList },
    approve: { params: withParams(IdParam(RefundRequestId), DecideBody), result: RefundRequestView },
    reject: { params: withParams(IdParam(RefundRequestId), DecideBody), result: RefundRequestView },
  },
  events: {},
});
