/** The admin service on the bus: its actions with their params and results (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract } from '../../broker/contract.ts';
import { AdminId, Cursor, IdParam, Limit, withParams } from '../../schemas/common.ts';
import {
  AdminLoginBody,
  AdminView,
  AuditPage,
  CreateAdminBody,
  DashboardView,
  ParkedSettlementPage,
  ParkedSettlementQuery,
  PatchAdminBody,
} from './schemas.ts';

export const adminContract = defineContract({
  name: 'admin',
  actions: {
    login: {
      params: AdminLoginBody,
      result: Type.Object({ admin: AdminView, passwordVersion: Type.Integer({ minimum: 0 }) }),
    },
    session: {
      params: Type.Object(
        { id: AdminId, passwordVersion: Type.Integer({ minimum: 0 }) },
        { additionalProperties: false },
      ),
      result: AdminView,
    },
    get: { params: IdParam(AdminId), result: AdminView },
    list: { params: Type.Object({}), result: Type.Object({ items: Type.Array(AdminView) }) },
    create: { params: CreateAdminBody, result: AdminView },
    patch: { params: withParams(IdParam(AdminId), PatchAdminBody), result: AdminView },
    auditLog: {
      params: Type.Object(
        { cursor: Type.Optional(Cursor), limit: Type.Optional(Limit) },
        { additionalProperties: false },
      ),
      result: AuditPage,
    },
    settlementParked: { params: ParkedSettlementQuery, result: ParkedSettlementPage },
    dashboard: { params: Type.Object({}), result: DashboardView },
  },
  events: {},
});
