/** The coupons service on the bus: its actions with their params and results (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract } from '../../broker/contract.ts';
import { CouponTemplateId, IdParam, OrderId, withParams } from '../../schemas/common.ts';
import {
  AdminCouponTemplateList,
  AdminCouponTemplateView,
  Applicable,
  ApplicableBody,
  CouponClaimDef,
  CouponTemplateList,
  CouponTemplateStats,
  CouponTemplateView,
  CreateCouponTemplateBody,
  GiftIssue,
  IssueBody,
  IssueResult,
  LevelGiftIssue,
  LevelGiftResult,
  MemberMonthlyIssue,
  MyCoupons,
  MyCouponsQuery,
  PatchCouponTemplateBody,
} from './schemas.ts';

const TemplateIdParam = IdParam(CouponTemplateId);

export const couponsContract = defineContract({
  name: 'coupons',
  actions: {
    list: { params: Type.Object({}), result: CouponTemplateList },
    get: { params: TemplateIdParam, result: CouponTemplateView },
    mine: { params: MyCouponsQuery, result: MyCoupons },
    applicable: { params: ApplicableBody, result: Applicable },
    applicableToOrder: { params: IdParam(OrderId), result: Applicable },
    definition: { params: TemplateIdParam, result: CouponClaimDef },
    activeIds: { params: Type.Object({}), result: Type.Array(CouponTemplateId) },
    adminList: { params: Type.Object({}), result: AdminCouponTemplateList },
    adminGet: { params: TemplateIdParam, result: AdminCouponTemplateView },
    live: { params: TemplateIdParam, result: CouponTemplateStats },
    create: { params: CreateCouponTemplateBody, result: AdminCouponTemplateView },
    patch: { params: withParams(TemplateIdParam, PatchCouponTemplateBody), result: AdminCouponTemplateView },
    stop: { params: TemplateIdParam, result: AdminCouponTemplateView },
    issue: { params: withParams(TemplateIdParam, IssueBody), result: IssueResult },
    issueGifts: { params: GiftIssue, result: Type.Object({ issued: Type.Integer({ minimum: 0 }) }) },
    issueMemberMonthly: { params: MemberMonthlyIssue, result: IssueResult },
    issueLevelGift: { params: LevelGiftIssue, result: LevelGiftResult },
    expireDue: { params: Type.Object({}), result: Type.Object({ expired: Type.Integer({ minimum: 0 }) }) },
  },
  events: {},
});
