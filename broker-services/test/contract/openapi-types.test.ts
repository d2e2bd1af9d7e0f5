/**
 * The contract package (`@tuanmiao/contract`) against the gateway's OpenAPI document (`/docs/json`): each type
 * the admin console and the mini-program read is derived from a TypeBox schema, and here each route they call
 * must answer with that very schema (same properties, same required ones, same literals, all the way down), so a
 * route that changes its answer without its contract type fails here. Every error answer is the registry's
 * `ErrorBody`, with `retryable` required and the registry's codes. Runs on the fast layer (no socket).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ERROR_CODES } from '@tuanmiao/contract';
import Type, { type TSchema } from 'typebox';
import { endpoints } from '../../../admin/src/api/client.ts';
import { AddressList, AddressSnapshot, AddressView } from '../../src/modules/addresses/schemas.ts';
import {
  AdminSession,
  AdminView,
  AuditPage,
  DashboardView,
  ParkedSettlementPage,
} from '../../src/modules/admin/schemas.ts';
import {
  AdminCampaignView,
  AdmissionView,
  CampaignLive,
  CampaignView,
  PrewarmView,
} from '../../src/modules/campaigns/schemas.ts';
import { CartView } from '../../src/modules/cart/schemas.ts';
import {
  CategoryList,
  CategoryView,
  ProductPage,
  ProductView,
  ShopProductView,
  StockAdjustmentView,
} from '../../src/modules/catalog/schemas.ts';
import {
  AdminCouponTemplateList,
  AdminCouponTemplateView,
  Applicable,
  ClaimedCoupon,
  CouponTemplateList,
  IssueResult,
  MyCoupons,
} from '../../src/modules/coupons/schemas.ts';
import { RefundRequestList, RefundRequestView, TrackingView } from '../../src/modules/fulfilment/schemas.ts';
import { GroupAndReservation, GroupList, GroupView } from '../../src/modules/groups/schemas.ts';
import { MemberLevelsView, MembershipCard } from '../../src/modules/membership/schemas.ts';
import {
  AdminOrderPage,
  AdminOrderView,
  CheckoutResult,
  OrderPage,
  OrderView,
  PaymentStart,
  ReservationView,
} from '../../src/modules/orders/schemas.ts';
import {
  AdjustmentView,
  LedgerPage,
  MallItemList,
  MallItemView,
  PointsRules,
  PointsView,
  ReconciliationView,
  RedemptionList,
  RedemptionResult,
} from '../../src/modules/points/schemas.ts';
import { ShopperSession } from '../../src/modules/users/schemas.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';

type JsonSchema = Record<string, unknown>;
interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }> }>
  >;
  components: { schemas: Record<string, JsonSchema> };
}

const items = (item: TSchema) => Type.Object({ items: Type.Array(item) });
const page = (item: TSchema) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Optional(Type.String()) });

/**
 * Each route a client calls, its success status, and the schema its contract type is derived from
 * (`broker-services/contract/src/api.ts`). Paths in OpenAPI notation.
 */
const CLIENT_ROUTES: Array<[route: string, status: number, schema: TSchema | null]> = [
  // The admin console (admin/src/api/client.ts `endpoints`).
  ['POST /api/admin/auth/login', 200, AdminSession],
  ['GET /api/admin/me', 200, Type.Object({ admin: AdminView })],
  ['GET /api/admin/dashboard', 200, DashboardView],
  ['GET /api/admin/products', 200, page(ProductView)],
  ['POST /api/admin/products', 201, ProductView],
  ['GET /api/admin/products/{id}', 200, ProductView],
  ['PATCH /api/admin/products/{id}', 200, ProductView],
  ['POST /api/admin/skus/{id}/stock-adjustments', 200, StockAdjustmentView],
  ['GET /api/admin/categories', 200, CategoryList],
  ['POST /api/admin/categories', 201, CategoryView],
  ['PATCH /api/admin/categories/{id}', 200, CategoryView],
  // No body: a 204 answers with nothing (null: no content documented).
  ['DELETE /api/admin/categories/{id}', 204, null],
  ['GET /api/admin/campaigns', 200, page(AdminCampaignView)],
  ['POST /api/admin/campaigns', 201, AdminCampaignView],
  ['GET /api/admin/campaigns/{id}', 200, AdminCampaignView],
  ['PATCH /api/admin/campaigns/{id}', 200, AdminCampaignView],
  ['POST /api/admin/campaigns/{id}/stop', 200, AdminCampaignView],
  ['GET /api/admin/campaigns/{id}/live', 200, CampaignLive],
  ['POST /api/admin/campaigns/{id}/kill-switch', 200, AdminCampaignView],
  ['PUT /api/admin/campaigns/{id}/waiting-room', 200, AdminCampaignView],
  ['POST /api/admin/campaigns/{id}/prewarm', 200, PrewarmView],
  ['GET /api/admin/orders', 200, AdminOrderPage],
  ['GET /api/admin/orders/{id}', 200, AdminOrderView],
  ['POST /api/admin/orders/{id}/ship', 200, AdminOrderView],
  ['POST /api/admin/orders/{id}/refund', 200, AdminOrderView],
  ['GET /api/admin/orders/{id}/address', 200, AddressSnapshot],
  ['GET /api/admin/orders/{id}/tracking', 200, TrackingView],
  ['GET /api/admin/refund-requests', 200, RefundRequestList],
  ['POST /api/admin/refund-requests/{id}/approve', 200, RefundRequestView],
  ['POST /api/admin/refund-requests/{id}/reject', 200, RefundRequestView],
  ['GET /api/admin/admins', 200, page(AdminView)],
  ['POST /api/admin/admins', 201, AdminView],
  ['PATCH /api/admin/admins/{id}', 200, AdminView],
  ['GET /api/admin/audit-log', 200, AuditPage],
  ['GET /api/admin/settlement/parked', 200, ParkedSettlementPage],
  ['GET /api/admin/coupon-templates', 200, AdminCouponTemplateList],
  ['POST /api/admin/coupon-templates', 201, AdminCouponTemplateView],
  ['POST /api/admin/coupon-templates/{id}/stop', 200, AdminCouponTemplateView],
  ['POST /api/admin/coupon-templates/{id}/issues', 200, IssueResult],
  ['GET /api/admin/points-rules', 200, PointsRules],
  ['PUT /api/admin/points-rules', 200, PointsRules],
  ['GET /api/admin/points-ledger', 200, LedgerPage],
  ['POST /api/admin/points-adjustments', 201, AdjustmentView],
  ['GET /api/admin/points-reconciliation', 200, ReconciliationView],
  ['GET /api/admin/points-mall/items', 200, MallItemList],
  ['POST /api/admin/points-mall/items', 201, MallItemView],
  ['PATCH /api/admin/points-mall/items/{id}', 200, MallItemView],
  ['GET /api/admin/member-levels', 200, MemberLevelsView],
  ['PUT /api/admin/member-levels', 200, MemberLevelsView],
  // The mini-program (miniprogram/services/**).
  ['POST /api/auth/wechat', 200, ShopperSession],
  ['POST /api/auth/dev', 200, ShopperSession],
  ['GET /api/campaigns', 200, items(CampaignView)],
  ['GET /api/campaigns/{id}', 200, CampaignView],
  ['POST /api/campaigns/{id}/admission', 200, AdmissionView],
  ['POST /api/seckill/{campaignId}/reservations', 201, Type.Object({ reservation: ReservationView })],
  ['GET /api/reservations/{id}', 200, ReservationView],
  ['GET /api/orders', 200, OrderPage],
  ['GET /api/orders/{id}', 200, OrderView],
  ['POST /api/orders/{id}/cancel', 200, OrderView],
  ['POST /api/orders/{id}/payment', 200, PaymentStart],
  ['POST /api/groupbuy/{campaignId}/groups', 201, GroupAndReservation],
  ['GET /api/groupbuy/{campaignId}/groups', 200, GroupList],
  ['POST /api/groupbuy/groups/{groupId}/members', 201, GroupAndReservation],
  ['GET /api/groupbuy/groups/{groupId}', 200, GroupView],
  ['GET /api/categories', 200, CategoryList],
  ['GET /api/products', 200, ProductPage],
  ['GET /api/products/{id}', 200, ShopProductView],
  ['GET /api/cart', 200, CartView],
  ['PUT /api/cart/items/{skuId}', 200, CartView],
  ['DELETE /api/cart/items/{skuId}', 200, CartView],
  ['GET /api/addresses', 200, AddressList],
  ['POST /api/addresses', 201, AddressView],
  ['PUT /api/addresses/{id}', 200, AddressView],
  ['POST /api/orders', 201, CheckoutResult],
  ['GET /api/orders/{id}/tracking', 200, TrackingView],
  ['POST /api/orders/{id}/receipt', 200, OrderView],
  ['GET /api/orders/{id}/refund-requests', 200, RefundRequestList],
  ['POST /api/orders/{id}/refund-requests', 201, RefundRequestView],
  ['GET /api/me/points', 200, PointsView],
  ['GET /api/coupons', 200, CouponTemplateList],
  ['POST /api/coupons/{templateId}/claims', 201, ClaimedCoupon],
  ['GET /api/me/coupons', 200, MyCoupons],
  ['POST /api/me/coupons/applicable', 200, Applicable],
  ['GET /api/orders/{id}/coupons', 200, Applicable],
  ['PUT /api/orders/{id}/coupon', 200, OrderView],
  ['DELETE /api/orders/{id}/coupon', 200, OrderView],
  ['GET /api/points-mall/items', 200, MallItemList],
  ['POST /api/points-mall/items/{id}/redemptions', 201, RedemptionResult],
  ['GET /api/me/points-mall/redemptions', 200, RedemptionList],
  ['GET /api/me/membership', 200, MembershipCard],
];

type Shape =
  | { object: Record<string, Shape>; required: string[]; open: boolean }
  | { array: Shape }
  | { literals: (string | number | boolean | null)[] }
  | { union: Shape[] }
  | { type: string };

/**
 * What a schema says a value is, without annotations: properties and which are required, item shapes,
 * literals (`const` and `enum` alike, as the OpenAPI conversion writes either), unions and leaf types.
 */
function shapeOf(schema: JsonSchema, doc?: OpenApiDocument): Shape {
  const ref = schema.$ref;
  if (typeof ref === 'string' && doc) {
    return shapeOf(doc.components.schemas[ref.replace('#/components/schemas/', '')]!, doc);
  }
  if ('const' in schema) return { literals: [schema.const as string] };
  if (Array.isArray(schema.enum)) return { literals: [...(schema.enum as string[])].sort() };
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) {
    const shapes = alternatives.map((s) => shapeOf(s, doc));
    if (shapes.every((s) => 'literals' in s)) {
      return { literals: shapes.flatMap((s) => ('literals' in s ? s.literals : [])).sort() };
    }
    return { union: shapes.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) };
  }
  if (Array.isArray(schema.allOf)) {
    const merged = { object: {} as Record<string, Shape>, required: [] as string[], open: true };
    for (const part of schema.allOf as JsonSchema[]) {
      const s = shapeOf(part, doc);
      assert.ok('object' in s, 'allOf of objects only');
      Object.assign(merged.object, s.object);
      merged.required.push(...s.required);
    }
    merged.required.sort();
    return merged;
  }
  if (schema.type === 'object' && schema.properties) {
    const props = schema.properties as Record<string, JsonSchema>;
    return {
      object: Object.fromEntries(
        Object.keys(props)
          .sort()
          .map((k) => [k, shapeOf(props[k]!, doc)]),
      ),
      required: [...((schema.required as string[] | undefined) ?? [])].sort(),
      open: schema.additionalProperties !== false,
    };
  }
  if (schema.type === 'object' && schema.patternProperties) {
    return {
      type: `record<${JSON.stringify(shapeOf(Object.values(schema.patternProperties)[0] as JsonSchema, doc))}>`,
    };
  }
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
    return { type: `record<${JSON.stringify(shapeOf(schema.additionalProperties as JsonSchema, doc))}>` };
  }
  if (schema.type === 'array') return { array: shapeOf(schema.items as JsonSchema, doc) };
  return { type: String(schema.type ?? 'unknown') };
}

/** The TypeBox schema as JSON (what Fastify hands the OpenAPI plugin). */
const json = (schema: TSchema): JsonSchema => JSON.parse(JSON.stringify(schema)) as JsonSchema;

describe('the contract types against /docs/json', () => {
  let p: InProcessPlatform;
  let doc: OpenApiDocument;

  before(async () => {
    p = await startInProcess();
    const res = await p.api<OpenApiDocument>('GET', '/docs/json');
    assert.equal(res.status, 200);
    doc = res.body;
  });
  after(async () => {
    await p?.stop();
  });

  test('every route of the admin client has a row', () => {
    const rows = new Set(CLIENT_ROUTES.map(([route]) => route));
    const missing = Object.entries(endpoints)
      .map(([, ep]) => `${ep.method} ${ep.path.replace(/:([A-Za-z]+)/g, '{$1}')}`)
      .filter((route) => !rows.has(route));
    assert.deepEqual(missing, []);
  });

  test('each route answers with the schema its contract type is derived from', () => {
    for (const [route, status, schema] of CLIENT_ROUTES) {
      const [method, path] = route.split(' ') as [string, string];
      const answer = doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
      assert.ok(answer, `${route} ${status} is documented`);
      if (schema === null) {
        assert.equal(answer.content, undefined, `${route} ${status} has no body`);
        continue;
      }
      const documented = answer.content?.['application/json']?.schema;
      assert.ok(documented, `${route} ${status} has a JSON schema`);
      assert.deepEqual(shapeOf(documented, doc), shapeOf(json(schema)), route);
    }
  });

  test('every documented error answer is the registry’s ErrorBody, retryable required', () => {
    const body = doc.components.schemas.ErrorBody!;
    const error = (body.properties as Record<string, JsonSchema>).error!;
    assert.deepEqual([...(error.required as string[])].sort(), ['code', 'message', 'retryable']);
    const props = error.properties as Record<string, JsonSchema>;
    assert.deepEqual(props.code!.enum, ERROR_CODES);
    assert.equal(props.retryable!.type, 'boolean');
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, answer] of Object.entries(op.responses ?? {})) {
          // /readyz answers 503 with its checks, not an error body (API.md: "503 with which one is not").
          if (Number(status) < 400 || (path === '/readyz' && status === '503')) continue;
          assert.deepEqual(
            answer.content?.['application/json']?.schema,
            { $ref: '#/components/schemas/ErrorBody' },
            `${method.toUpperCase()} ${path} ${status}`,
          );
        }
      }
    }
  });

  test('error answers carry the registry’s retryable: an unknown route, a bad body, no token', async () => {
    assert.deepEqual((await p.api('GET', '/api/nothing-here')).body, {
      error: { code: 'NOT_FOUND', message: 'Route not found', retryable: false },
    });
    const bad = await p.api<{ error: Record<string, unknown> }>('POST', '/api/auth/dev', {
      body: { openid: 42 },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'VALIDATION_FAILED');
    assert.equal(bad.body.error.retryable, false);
    assert.deepEqual((await p.api('GET', '/api/orders')).body, {
      error: { code: 'UNAUTHORIZED', message: 'Missing bearer token', retryable: false },
    });
  });
});
