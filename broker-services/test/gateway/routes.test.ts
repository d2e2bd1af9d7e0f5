/**
 * Every public route of the gateway, on the fast layer (every service in this process on its own PostgreSQL
 * database and Redis prefix, the gateway through `inject()`): the route
 * table below is checked against `/docs/json` (a route without a row fails), and each row drives the refusals
 * that apply to it: 401 without, with a garbage and with an expired token; 403 for the wrong kind of token
 * or role; 400 for a malformed id, query or body; 404 for a well-formed id nobody has. Refused writes are
 * checked to leave the stored state as it was.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { adminLogin, api, devLogin, eventually, request } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';
import { assertError, assertValidation, signTokenWith, unknownId } from './support.ts';

type Access = 'public' | 'shopper' | 'read' | 'write' | 'owner';

interface RouteRow {
  access: Access;
  /** The path with well-formed ids that no record has (for the auth checks and the 404). */
  path: string;
  /** A body that passes validation, for routes that take one. */
  body?: unknown;
  /** 404 NOT_FOUND for `path` with a proper token (routes whose path or body names a record). */
  notFound?: string;
  /** Path with a malformed id → 400. */
  badId?: string;
  /** Paths with a malformed query → 400. */
  badQueries?: string[];
  /** Bodies that fail validation → 400: wrong types, out of bounds, extra and missing properties. */
  badBodies?: unknown[];
  /** Why a route has no error case here, or where its other cases are. */
  note?: string;
}

const CMP = unknownId('cmp');
const ORD = unknownId('ord');
const RSV = unknownId('rsv');
const GRP = unknownId('grp');
const PRD = unknownId('prd');
const SKU = unknownId('sku');
const ADM = unknownId('adm');
const CAT = unknownId('cat');
const ADR = unknownId('adr');
const USR = unknownId('usr');
const ARS = unknownId('ars');
const PMI = unknownId('pmi');
const CPT = unknownId('cpt');
const CPN = unknownId('cpn');
const couponTemplateBody = {
  name: '满100减20',
  kind: 'amount_off',
  amountOffFen: 2000,
  minSpendFen: 10000,
  total: 10,
  perUserLimit: 1,
  claimStartsAt: '2030-01-01T00:00:00.000Z',
  claimEndsAt: '2030-01-02T00:00:00.000Z',
  validDays: 7,
};
const addressBody = {
  name: '张三',
  phone: '13812348000',
  region: ['330000', '330100', '330106'],
  detail: '龙井路 1 号',
};
const REQ = 'req-00000001';
const MEMBER_LEVELS = {
  windowDays: 365,
  levels: [{ code: 'regular', name: '普通会员', threshold: 0, discountPercent: 0, benefits: [] }],
};
const POINTS_RULES = {
  earnPointsPerYuan: 1,
  pointValueFen: 1,
  maxRedeemPercent: 50,
  maxRedeemPoints: null,
  expiryDays: null,
};

const campaignBody = {
  type: 'seckill',
  title: 'never made',
  skuId: SKU,
  priceFen: 100,
  startsAt: '2030-01-01T00:00:00.000Z',
  endsAt: '2030-01-02T00:00:00.000Z',
  stockTotal: 10,
  perUserLimit: 1,
};

const ROUTES: Record<string, RouteRow> = {
  'GET /healthz': { access: 'public', path: '/healthz', note: 'ops test below' },
  'GET /readyz': { access: 'public', path: '/readyz', note: 'ops test below' },
  'GET /metrics': { access: 'public', path: '/metrics', note: 'ops test below' },
  'GET /api/time': { access: 'public', path: '/api/time', note: 'ops test below' },
  'POST /api/auth/wechat': {
    access: 'public',
    path: '/api/auth/wechat',
    badBodies: [{}, { code: '' }, { code: 42 }, { code: 'abc', openid: 'x' }, 'x'.repeat(10)],
    note: 'WeChat answers in wechat-production.test.ts',
  },
  'POST /api/auth/dev': {
    access: 'public',
    path: '/api/auth/dev',
    badBodies: [{}, { openid: '' }, { openid: 'a b' }, { openid: ['x'] }, { openid: 'ok', admin: true }],
    note: '404 with DEV_LOGIN=0 in wechat-production.test.ts',
  },
  'GET /api/campaigns': { access: 'public', path: '/api/campaigns', badQueries: ['?type=flash', '?x=1'] },
  'GET /api/campaigns/{id}': {
    access: 'public',
    path: `/api/campaigns/${CMP}`,
    notFound: `/api/campaigns/${CMP}`,
    badId: '/api/campaigns/cmp_1',
  },
  'GET /api/reservations/{id}': {
    access: 'shopper',
    path: `/api/reservations/${RSV}`,
    notFound: `/api/reservations/${RSV}`,
    badId: `/api/reservations/${ORD}`,
  },
  'GET /api/orders': {
    access: 'shopper',
    path: '/api/orders',
    badQueries: ['?limit=0', '?limit=101', '?limit=ten', '?cursor=a%20b', '?page=2'],
  },
  'GET /api/orders/{id}': {
    access: 'shopper',
    path: `/api/orders/${ORD}`,
    notFound: `/api/orders/${ORD}`,
    badId: '/api/orders/ord_abc',
  },
  'POST /api/orders/{id}/payment': {
    access: 'shopper',
    path: `/api/orders/${ORD}/payment`,
    notFound: `/api/orders/${ORD}/payment`,
    badId: `/api/orders/${RSV}/payment`,
    badBodies: [{ addressId: 'adr_1' }, { addressId: ADR, provider: 'dev' }],
    note: 'ADDRESS_REQUIRED in production-nats.test.ts and test/checkout',
  },
  'POST /api/orders/{id}/cancel': {
    access: 'shopper',
    path: `/api/orders/${ORD}/cancel`,
    notFound: `/api/orders/${ORD}/cancel`,
    badId: '/api/orders/1/cancel',
  },
  'PUT /api/orders/{id}/coupon': {
    access: 'shopper',
    path: `/api/orders/${ORD}/coupon`,
    body: { couponId: CPN },
    notFound: `/api/orders/${ORD}/coupon`,
    badId: `/api/orders/${CPN}/coupon`,
    badBodies: [{}, { couponId: 'cpn_1' }, { couponId: CPT }, { couponId: CPN, discountFen: 100 }],
    note: 'every refusal, the race and another shopper’s ids in test/coupons/campaign-order-coupons.test.ts',
  },
  'DELETE /api/orders/{id}/coupon': {
    access: 'shopper',
    path: `/api/orders/${ORD}/coupon`,
    notFound: `/api/orders/${ORD}/coupon`,
    badId: '/api/orders/ord_1/coupon',
    note: 'PAYMENT_STARTED, ORDER_NOT_PAYABLE, COUPON_CHOSEN_AT_CHECKOUT in test/coupons/campaign-order-coupons.test.ts',
  },
  'GET /api/orders/{id}/coupons': {
    access: 'shopper',
    path: `/api/orders/${ORD}/coupons`,
    notFound: `/api/orders/${ORD}/coupons`,
    badId: `/api/orders/${RSV}/coupons`,
    note: 'the suggestion in test/coupons/campaign-order-coupons.test.ts',
  },
  'POST /api/payments/dev/{orderId}/confirm': {
    access: 'shopper',
    path: `/api/payments/dev/${ORD}/confirm`,
    notFound: `/api/payments/dev/${ORD}/confirm`,
    badId: '/api/payments/dev/ord_/confirm',
    note: '404 with PAYMENT_PROVIDER=wechat in wechat-production.test.ts',
  },
  'POST /api/payments/wechat/notify': {
    access: 'public',
    path: '/api/payments/wechat/notify',
    notFound: '/api/payments/wechat/notify',
    note: 'the dev provider is on here: 404; signed notifications are the WeChat Pay tests',
  },
  'GET /api/groupbuy/groups/{groupId}': {
    access: 'public',
    path: `/api/groupbuy/groups/${GRP}`,
    notFound: `/api/groupbuy/groups/${GRP}`,
    badId: '/api/groupbuy/groups/grp_lower000000000000000000000',
  },
  'GET /api/groupbuy/{campaignId}/groups': {
    access: 'public',
    path: `/api/groupbuy/${CMP}/groups`,
    notFound: `/api/groupbuy/${CMP}/groups`,
    badId: `/api/groupbuy/${GRP}/groups`,
  },
  'POST /api/groupbuy/{campaignId}/groups': {
    access: 'shopper',
    path: `/api/groupbuy/${CMP}/groups`,
    body: { requestId: REQ },
    notFound: `/api/groupbuy/${CMP}/groups`,
    badId: '/api/groupbuy/cmp_x/groups',
    badBodies: [{}, { requestId: 'short' }, { requestId: 12345678 }, { requestId: REQ, quantity: 1 }],
  },
  'POST /api/campaigns/{id}/admission': {
    access: 'shopper',
    path: `/api/campaigns/${CMP}/admission`,
    notFound: `/api/campaigns/${CMP}/admission`,
    badId: '/api/campaigns/admission/admission',
  },
  'POST /api/seckill/{campaignId}/reservations': {
    access: 'shopper',
    path: `/api/seckill/${CMP}/reservations`,
    body: { quantity: 1, requestId: REQ },
    notFound: `/api/seckill/${CMP}/reservations`,
    badId: '/api/seckill/CMP_X/reservations',
    badBodies: [
      { quantity: 1 },
      { quantity: 0, requestId: REQ },
      { quantity: 11, requestId: REQ },
      { quantity: 1.5, requestId: REQ },
      { quantity: 'one', requestId: REQ },
      { quantity: 1, requestId: 'x'.repeat(65) },
      { quantity: 1, requestId: 'has space!' },
      { quantity: 1, requestId: REQ, userId: 'usr_someone' },
      [],
    ],
  },
  'POST /api/groupbuy/groups/{groupId}/members': {
    access: 'shopper',
    path: `/api/groupbuy/groups/${GRP}/members`,
    body: { requestId: REQ },
    notFound: `/api/groupbuy/groups/${GRP}/members`,
    badId: `/api/groupbuy/groups/${CMP}/members`,
    badBodies: [{}, { requestId: null }, { requestId: REQ, leader: true }],
  },
  'POST /api/admin/auth/login': {
    access: 'public',
    path: '/api/admin/auth/login',
    badBodies: [{ username: 'admin' }, { username: 'admin', password: 'x', role: 'owner' }],
    note: 'wrong password below; the route allows 10 a minute per address',
  },
  'GET /api/admin/me': { access: 'read', path: '/api/admin/me' },
  'GET /api/admin/dashboard': { access: 'read', path: '/api/admin/dashboard' },
  'GET /api/admin/products': { access: 'read', path: '/api/admin/products' },
  'POST /api/admin/products': {
    access: 'write',
    path: '/api/admin/products',
    body: { title: 'refused', skus: [{ name: 'one', priceFen: 100 }] },
    badBodies: [
      { title: 'x', skus: [] },
      { title: 'x', skus: [{ name: 'one', priceFen: -1 }] },
      { title: 'x', skus: [{ name: 'one', priceFen: '100' }] },
      // Above the largest unit price (MAX_PRICE_FEN): ten units of it would not fit a money column.
      { title: 'x', skus: [{ name: 'one', priceFen: 200_000_001 }] },
      { title: 'x', skus: [{ name: 'one', priceFen: 100 }], status: 'active' },
      { skus: [{ name: 'one', priceFen: 100 }] },
      { title: 'x', skus: [{ name: 'one', priceFen: 100, stock: -1 }] },
      { title: 'x', skus: [{ name: 'one', priceFen: 100 }], categoryId: 'cat_1' },
      { title: 'x', skus: [{ name: 'one', priceFen: 100 }], onSale: 'yes' },
      { title: 'x', skus: [{ name: 'one', priceFen: 100 }], images: ['javascript:alert(1)'] },
    ],
  },
  'GET /api/admin/products/{id}': {
    access: 'read',
    path: `/api/admin/products/${PRD}`,
    notFound: `/api/admin/products/${PRD}`,
    badId: `/api/admin/products/${SKU}`,
  },
  'PATCH /api/admin/products/{id}': {
    access: 'write',
    path: `/api/admin/products/${PRD}`,
    body: { title: 'renamed' },
    notFound: `/api/admin/products/${PRD}`,
    badId: '/api/admin/products/prd_',
    badBodies: [
      {},
      { title: '' },
      { status: 'deleted' },
      { title: 'x', createdAt: '2020-01-01T00:00:00Z' },
      { onSale: 1 },
      { sales: 10 },
      { skus: [{ name: 'one', priceFen: 100, stock: 1.5 }] },
    ],
  },
  'GET /api/categories': { access: 'public', path: '/api/categories' },
  'GET /api/products': {
    access: 'public',
    path: '/api/products',
    badQueries: [
      '?sort=cheapest',
      '?q=',
      `?q=${'x'.repeat(41)}`,
      '?q=a%00b',
      '?categoryId=cat_1',
      '?cursor=a%20b',
      '?cursor=bm90LWEtY3Vyc29y',
      '?limit=0',
      '?status=archived',
    ],
  },
  'GET /api/products/{id}': {
    access: 'public',
    path: `/api/products/${PRD}`,
    notFound: `/api/products/${PRD}`,
    badId: `/api/products/${SKU}`,
  },
  'GET /api/admin/categories': { access: 'read', path: '/api/admin/categories' },
  'PATCH /api/admin/categories/{id}': {
    access: 'write',
    path: `/api/admin/categories/${CAT}`,
    body: { name: '茶叶' },
    notFound: `/api/admin/categories/${CAT}`,
    badId: `/api/admin/categories/${PRD}`,
    badBodies: [{}, { name: '' }, { name: 'x'.repeat(31) }, { sortOrder: -1 }, { parentId: CAT }],
    note: 'CONFLICT on a sibling of the same name in test/catalog',
  },
  'DELETE /api/admin/categories/{id}': {
    access: 'write',
    path: `/api/admin/categories/${CAT}`,
    notFound: `/api/admin/categories/${CAT}`,
    badId: '/api/admin/categories/cat_1',
    note: 'CONFLICT while it has subcategories or products in test/catalog',
  },
  'POST /api/admin/skus/{id}/stock-adjustments': {
    access: 'write',
    path: `/api/admin/skus/${SKU}/stock-adjustments`,
    body: { delta: 5, reason: '到货' },
    notFound: `/api/admin/skus/${SKU}/stock-adjustments`,
    badId: `/api/admin/skus/${PRD}/stock-adjustments`,
    badBodies: [
      {},
      { delta: 0, reason: '盘点' },
      { delta: 1.5, reason: '盘点' },
      { delta: 5 },
      { delta: 5, reason: 'x' },
      { delta: 2_000_000, reason: '盘点' },
      { delta: 5, reason: '盘点', stock: 10 },
    ],
    note: 'below zero (CONFLICT), concurrency and audit in test/catalog',
  },
  'GET /api/addresses': { access: 'shopper', path: '/api/addresses', note: 'test/addresses' },
  'POST /api/addresses': {
    access: 'shopper',
    path: '/api/addresses',
    body: addressBody,
    badBodies: [
      {},
      { ...addressBody, phone: '12345' },
      { ...addressBody, region: ['330000', '330100'] },
      { ...addressBody, region: ['33000A', '330100', '330106'] },
      { ...addressBody, name: '' },
      { ...addressBody, detail: 'x'.repeat(121) },
      { ...addressBody, detail: 'a\u0000b' },
      { ...addressBody, userId: USR },
    ],
    note: 'ADDRESS_LIMIT and region nesting in test/addresses',
  },
  'PATCH /api/addresses/{id}': {
    access: 'shopper',
    path: `/api/addresses/${ADR}`,
    body: { name: '李四' },
    notFound: `/api/addresses/${ADR}`,
    badId: '/api/addresses/adr_1',
    badBodies: [{}, { phone: '1' }, { isDefault: 'yes' }, { id: ADR }],
  },
  'PUT /api/addresses/{id}': {
    access: 'shopper',
    path: `/api/addresses/${ADR}`,
    body: { name: '李四' },
    notFound: `/api/addresses/${ADR}`,
    badId: '/api/addresses/adr_1',
    badBodies: [{}, { phone: '1' }, { isDefault: 'yes' }, { id: ADR }],
    note: 'the PATCH route for wx.request, which has no PATCH; the same edit in test/addresses',
  },
  'DELETE /api/addresses/{id}': {
    access: 'shopper',
    path: `/api/addresses/${ADR}`,
    notFound: `/api/addresses/${ADR}`,
    badId: `/api/addresses/${USR}`,
  },
  'GET /api/cart': { access: 'shopper', path: '/api/cart', note: 'test/checkout' },
  'PUT /api/cart/items/{skuId}': {
    access: 'shopper',
    path: `/api/cart/items/${SKU}`,
    body: { quantity: 1 },
    notFound: `/api/cart/items/${SKU}`,
    badId: `/api/cart/items/${PRD}`,
    badBodies: [{}, { quantity: -1 }, { quantity: 100 }, { quantity: 1.5 }, { quantity: 1, priceFen: 1 }],
  },
  'DELETE /api/cart/items/{skuId}': {
    access: 'shopper',
    path: `/api/cart/items/${SKU}`,
    badId: '/api/cart/items/sku_1',
  },
  'POST /api/orders': {
    access: 'shopper',
    path: '/api/orders',
    body: { items: [{ skuId: SKU, quantity: 1 }], addressId: ADR, requestId: REQ },
    notFound: '/api/orders',
    badBodies: [
      {},
      { items: [], addressId: ADR, requestId: REQ },
      { items: [{ skuId: SKU, quantity: 0 }], addressId: ADR, requestId: REQ },
      { items: [{ skuId: SKU, quantity: 100 }], addressId: ADR, requestId: REQ },
      { items: [{ skuId: 'sku_1', quantity: 1 }], addressId: ADR, requestId: REQ },
      { items: [{ skuId: SKU, quantity: 1 }], requestId: REQ },
      { items: [{ skuId: SKU, quantity: 1 }], addressId: ADR },
      { items: [{ skuId: SKU, quantity: 1, priceFen: 1 }], addressId: ADR, requestId: REQ },
      { items: [{ skuId: SKU, quantity: 1 }], addressId: ADR, requestId: REQ, pointsToUse: -1 },
      { items: [{ skuId: SKU, quantity: 1 }], addressId: ADR, requestId: REQ, totalFen: 1 },
    ],
    note: 'SOLD_OUT and the race in test/checkout; INSUFFICIENT_POINTS, POINTS_OVER_LIMIT in test/points; coupons in test/coupons',
  },
  'GET /api/coupons': { access: 'public', path: '/api/coupons', badQueries: [], note: 'test/coupons' },
  'POST /api/coupons/{templateId}/claims': {
    access: 'shopper',
    path: `/api/coupons/${CPT}/claims`,
    body: { requestId: REQ },
    notFound: `/api/coupons/${CPT}/claims`,
    badId: `/api/coupons/${CMP}/claims`,
    badBodies: [{}, { requestId: 'short' }, { requestId: REQ, quantity: 2 }],
    note: 'SOLD_OUT, LIMIT_EXCEEDED, NOT_STARTED, ENDED and the grab in test/coupons',
  },
  'GET /api/me/coupons': {
    access: 'shopper',
    path: '/api/me/coupons',
    badQueries: ['?status=lost', '?x=1'],
  },
  'POST /api/me/coupons/applicable': {
    access: 'shopper',
    path: '/api/me/coupons/applicable',
    body: { items: [{ skuId: SKU, quantity: 1 }] },
    notFound: '/api/me/coupons/applicable',
    badBodies: [
      {},
      { items: [] },
      { items: [{ skuId: 'sku_1', quantity: 1 }] },
      { items: [{ skuId: SKU, quantity: 0 }] },
    ],
  },
  'GET /api/admin/coupon-templates': { access: 'read', path: '/api/admin/coupon-templates' },
  'POST /api/admin/coupon-templates': {
    access: 'write',
    path: '/api/admin/coupon-templates',
    body: couponTemplateBody,
    badBodies: [
      {},
      { ...couponTemplateBody, kind: 'half_price' },
      { ...couponTemplateBody, total: 0 },
      { ...couponTemplateBody, percentOff: 100 },
      { ...couponTemplateBody, amountOffFen: undefined },
      { ...couponTemplateBody, validUntil: '2030-02-01T00:00:00.000Z' },
      { ...couponTemplateBody, claimed: 5 },
    ],
    note: 'every rule of a template in test/coupons',
  },
  'GET /api/admin/coupon-templates/{id}': {
    access: 'read',
    path: `/api/admin/coupon-templates/${CPT}`,
    notFound: `/api/admin/coupon-templates/${CPT}`,
    badId: `/api/admin/coupon-templates/${CMP}`,
  },
  'PATCH /api/admin/coupon-templates/{id}': {
    access: 'write',
    path: `/api/admin/coupon-templates/${CPT}`,
    body: { total: 20 },
    notFound: `/api/admin/coupon-templates/${CPT}`,
    badId: '/api/admin/coupon-templates/cpt_1',
    badBodies: [{}, { total: 0 }, { kind: 'percent_off' }, { perUserLimit: 'one' }],
  },
  'POST /api/admin/coupon-templates/{id}/stop': {
    access: 'write',
    path: `/api/admin/coupon-templates/${CPT}/stop`,
    notFound: `/api/admin/coupon-templates/${CPT}/stop`,
    badId: `/api/admin/coupon-templates/${ORD}/stop`,
  },
  'GET /api/admin/coupon-templates/{id}/live': {
    access: 'read',
    path: `/api/admin/coupon-templates/${CPT}/live`,
    notFound: `/api/admin/coupon-templates/${CPT}/live`,
    badId: '/api/admin/coupon-templates/x/live',
  },
  'POST /api/admin/coupon-templates/{id}/issues': {
    access: 'write',
    path: `/api/admin/coupon-templates/${CPT}/issues`,
    body: { userIds: [USR], reason: '补偿', issueKey: 'comp-00000001' },
    notFound: `/api/admin/coupon-templates/${CPT}/issues`,
    badId: `/api/admin/coupon-templates/${USR}/issues`,
    badBodies: [
      {},
      { userIds: [], reason: '补偿', issueKey: 'comp-00000001' },
      { userIds: [USR], reason: '', issueKey: 'comp-00000001' },
      { userIds: [USR], reason: '补偿', issueKey: 'x' },
      { userIds: ['usr_1'], reason: '补偿', issueKey: 'comp-00000001' },
    ],
  },
  'GET /api/admin/orders/{id}/address': {
    access: 'write',
    path: `/api/admin/orders/${ORD}/address`,
    notFound: `/api/admin/orders/${ORD}/address`,
    badId: `/api/admin/orders/${ADR}/address`,
    note: 'a read for the roles that fulfil orders (audited): the viewer is refused like a write; test/checkout',
  },
  'GET /api/orders/{id}/tracking': {
    access: 'shopper',
    path: `/api/orders/${ORD}/tracking`,
    notFound: `/api/orders/${ORD}/tracking`,
    badId: `/api/orders/${ARS}/tracking`,
    note: 'test/fulfilment',
  },
  'POST /api/orders/{id}/receipt': {
    access: 'shopper',
    path: `/api/orders/${ORD}/receipt`,
    notFound: `/api/orders/${ORD}/receipt`,
    badId: '/api/orders/ord_x/receipt',
  },
  'GET /api/orders/{id}/refund-requests': {
    access: 'shopper',
    path: `/api/orders/${ORD}/refund-requests`,
    notFound: `/api/orders/${ORD}/refund-requests`,
    badId: `/api/orders/${ADR}/refund-requests`,
    note: 'a stranger’s order is 404 in test/fulfilment',
  },
  'POST /api/orders/{id}/refund-requests': {
    access: 'shopper',
    path: `/api/orders/${ORD}/refund-requests`,
    body: { reason: '不想要了' },
    notFound: `/api/orders/${ORD}/refund-requests`,
    badId: `/api/orders/${ADR}/refund-requests`,
    badBodies: [
      {},
      { reason: 'x' },
      { reason: '不想要了', kind: 'exchange' },
      { reason: '不想要了', amountFen: 1 },
    ],
  },
  'POST /api/carriers/{carrier}/push': {
    access: 'public',
    path: '/api/carriers/SF/push',
    notFound: '/api/carriers/SF/push',
    badId: '/api/carriers/S/push',
    note: 'no CARRIER_PUSH_SECRET here: 404; signed pushes in test/fulfilment',
  },
  'POST /api/admin/orders/{id}/shipping-record/retry': {
    access: 'write',
    path: `/api/admin/orders/${ORD}/shipping-record/retry`,
    notFound: `/api/admin/orders/${ORD}/shipping-record/retry`,
    badId: `/api/admin/orders/${ARS}/shipping-record/retry`,
    note: 'INVALID_TRANSITION and the retry itself in test/fulfilment/shipping-records.test.ts',
  },
  'GET /api/admin/orders/{id}/tracking': {
    access: 'read',
    path: `/api/admin/orders/${ORD}/tracking`,
    notFound: `/api/admin/orders/${ORD}/tracking`,
    badId: `/api/admin/orders/${ARS}/tracking`,
    note: 'the packages and their events in admin/test/fulfilment.test.ts',
  },
  'GET /api/admin/refund-requests': {
    access: 'read',
    path: '/api/admin/refund-requests',
    badQueries: ['?status=open', '?limit=5'],
  },
  'POST /api/admin/refund-requests/{id}/approve': {
    access: 'write',
    path: `/api/admin/refund-requests/${ARS}/approve`,
    body: {},
    notFound: `/api/admin/refund-requests/${ARS}/approve`,
    badId: `/api/admin/refund-requests/${ORD}/approve`,
    badBodies: [{ note: '' }, { note: 'ok', refundFen: 1 }],
  },
  'POST /api/admin/refund-requests/{id}/reject': {
    access: 'write',
    path: `/api/admin/refund-requests/${ARS}/reject`,
    body: { note: '不符合退款条件' },
    notFound: `/api/admin/refund-requests/${ARS}/reject`,
    badId: '/api/admin/refund-requests/ars_1/reject',
    badBodies: [{ note: 'x'.repeat(201) }, { status: 'approved' }],
  },
  'GET /api/admin/users/{id}/addresses': {
    access: 'read',
    path: `/api/admin/users/${USR}/addresses`,
    badId: `/api/admin/users/${ADR}/addresses`,
  },
  'GET /api/admin/addresses/{id}': {
    access: 'write',
    path: `/api/admin/addresses/${ADR}`,
    notFound: `/api/admin/addresses/${ADR}`,
    badId: '/api/admin/addresses/adr_x',
    note: 'a read, for the roles that fulfil orders: the viewer is refused like a write',
  },
  'POST /api/admin/categories': {
    access: 'write',
    path: '/api/admin/categories',
    body: { name: 'refused', parentId: CAT },
    notFound: '/api/admin/categories',
    badBodies: [
      {},
      { name: '' },
      { name: 'x'.repeat(31) },
      { name: 'a\u0000b' },
      { name: 'ok', parentId: 'cat_1' },
      { name: 'ok', sortOrder: -1 },
      { name: 'ok', id: CAT },
    ],
  },
  'GET /api/admin/campaigns': {
    access: 'read',
    path: '/api/admin/campaigns',
    badQueries: ['?status=running', '?type=seckill&type=groupbuy&type=x'],
  },
  'POST /api/admin/campaigns': {
    access: 'write',
    path: '/api/admin/campaigns',
    body: campaignBody,
    notFound: '/api/admin/campaigns',
    badBodies: [
      { ...campaignBody, stockTotal: 0 },
      { ...campaignBody, perUserLimit: 101 },
      { ...campaignBody, priceFen: 9.9 },
      { ...campaignBody, priceFen: 2_147_483_647 },
      { ...campaignBody, priceFen: 200_000_001 },
      { ...campaignBody, type: 'auction' },
      { ...campaignBody, startsAt: 'tomorrow' },
      { ...campaignBody, stockLeft: 5 },
      { ...campaignBody, skuId: undefined },
      { ...campaignBody, endsAt: campaignBody.startsAt },
      { ...campaignBody, stockBuckets: 0 },
      { ...campaignBody, stockBuckets: 17 },
      { ...campaignBody, stockBuckets: 2.5 },
      { ...campaignBody, stockBuckets: '2' },
    ],
  },
  'GET /api/admin/campaigns/{id}': {
    access: 'read',
    path: `/api/admin/campaigns/${CMP}`,
    notFound: `/api/admin/campaigns/${CMP}`,
    badId: '/api/admin/campaigns/42',
  },
  'PATCH /api/admin/campaigns/{id}': {
    access: 'write',
    path: `/api/admin/campaigns/${CMP}`,
    body: { title: 'renamed' },
    notFound: `/api/admin/campaigns/${CMP}`,
    badId: `/api/admin/campaigns/${ORD}`,
    badBodies: [
      {},
      { stockTotal: -1 },
      { status: 'live' },
      { title: 'x', type: 'groupbuy' },
      { priceFen: 2_147_483_647 },
      { title: 'x', stockBuckets: 2 },
    ],
  },
  'POST /api/admin/campaigns/{id}/stop': {
    access: 'write',
    path: `/api/admin/campaigns/${CMP}/stop`,
    notFound: `/api/admin/campaigns/${CMP}/stop`,
    badId: '/api/admin/campaigns/x/stop',
  },
  'GET /api/admin/campaigns/{id}/live': {
    access: 'read',
    path: `/api/admin/campaigns/${CMP}/live`,
    notFound: `/api/admin/campaigns/${CMP}/live`,
    badId: '/api/admin/campaigns/x/live',
  },
  'POST /api/admin/campaigns/{id}/kill-switch': {
    access: 'write',
    path: `/api/admin/campaigns/${CMP}/kill-switch`,
    body: { active: true },
    notFound: `/api/admin/campaigns/${CMP}/kill-switch`,
    badId: '/api/admin/campaigns/x/kill-switch',
    badBodies: [{}, { active: 'yes' }, { active: true, reason: 'x' }],
  },
  'PUT /api/admin/campaigns/{id}/waiting-room': {
    access: 'write',
    path: `/api/admin/campaigns/${CMP}/waiting-room`,
    body: { enabled: true, admissionRatePerSecond: 10 },
    notFound: `/api/admin/campaigns/${CMP}/waiting-room`,
    badId: '/api/admin/campaigns/x/waiting-room',
    badBodies: [
      { enabled: true },
      { enabled: true, admissionRatePerSecond: 0 },
      { enabled: true, admissionRatePerSecond: 100001 },
    ],
  },
  'POST /api/admin/campaigns/{id}/prewarm': {
    access: 'write',
    path: `/api/admin/campaigns/${CMP}/prewarm`,
    notFound: `/api/admin/campaigns/${CMP}/prewarm`,
    badId: '/api/admin/campaigns/x/prewarm',
  },
  'GET /api/admin/orders': {
    access: 'read',
    path: '/api/admin/orders',
    badQueries: ['?status=lost', '?campaignId=cmp_1', '?limit=-1', '?order=random'],
  },
  'GET /api/admin/orders/{id}': {
    access: 'read',
    path: `/api/admin/orders/${ORD}`,
    notFound: `/api/admin/orders/${ORD}`,
    badId: '/api/admin/orders/x',
  },
  'POST /api/admin/orders/{id}/ship': {
    access: 'write',
    path: `/api/admin/orders/${ORD}/ship`,
    body: { trackingNo: 'SF1234567' },
    notFound: `/api/admin/orders/${ORD}/ship`,
    badId: '/api/admin/orders/x/ship',
    badBodies: [
      {},
      { trackingNo: 'SF' },
      { trackingNo: 'SF 123 456' },
      { trackingNo: 'SF1234567', status: 'x' },
      { trackingNo: 'SF1234567', morePackages: [] },
      { trackingNo: 'SF1234567', morePackages: [{ carrier: 'YTO' }] },
      { trackingNo: 'SF1234567', morePackages: [{ carrier: 'Y T O', trackingNo: 'YT1234567' }] },
    ],
  },
  'POST /api/admin/orders/{id}/refund': {
    access: 'write',
    path: `/api/admin/orders/${ORD}/refund`,
    body: { reason: 'damaged in transit' },
    notFound: `/api/admin/orders/${ORD}/refund`,
    badId: '/api/admin/orders/x/refund',
    badBodies: [{}, { reason: 'x' }, { reason: 'damaged', amountFen: 1 }],
  },
  'GET /api/admin/admins': { access: 'owner', path: '/api/admin/admins' },
  'POST /api/admin/admins': {
    access: 'owner',
    path: '/api/admin/admins',
    body: { username: 'refused-admin', password: 'long-enough-1', role: 'viewer' },
    badBodies: [
      { username: 'ab', password: 'long-enough-1', role: 'viewer' },
      { username: 'new-admin', password: 'short', role: 'viewer' },
      { username: 'new-admin', password: 'long-enough-1', role: 'root' },
      { username: 'new-admin', password: 'long-enough-1', role: 'viewer', disabled: false },
    ],
  },
  'PATCH /api/admin/admins/{id}': {
    access: 'owner',
    path: `/api/admin/admins/${ADM}`,
    body: { role: 'viewer' },
    notFound: `/api/admin/admins/${ADM}`,
    badId: '/api/admin/admins/admin',
    badBodies: [{}, { role: 'root' }, { disabled: 'no' }, { username: 'renamed' }],
  },
  'POST /api/admin/runtime/gc': {
    access: 'owner',
    path: '/api/admin/runtime/gc',
    note: 'the heap figures below',
  },
  'GET /api/admin/audit-log': {
    access: 'read',
    path: '/api/admin/audit-log',
    badQueries: ['?limit=1000', '?cursor=', '?since=yesterday'],
  },
  'GET /api/me/points': {
    access: 'shopper',
    path: '/api/me/points',
    badQueries: ['?limit=0', '?cursor=a%20b', '?cursor=abc', '?page=2'],
  },
  'GET /api/admin/points-rules': { access: 'read', path: '/api/admin/points-rules' },
  'PUT /api/admin/points-rules': {
    access: 'write',
    path: '/api/admin/points-rules',
    body: POINTS_RULES,
    badBodies: [
      {},
      { ...POINTS_RULES, pointValueFen: 0 },
      { ...POINTS_RULES, maxRedeemPercent: 101 },
      { ...POINTS_RULES, expiryDays: 0 },
      { ...POINTS_RULES, earnPointsPerYuan: 1.5 },
      { ...POINTS_RULES, bonus: 1 },
    ],
    note: 'what the rules do, and their audit entry, in test/points',
  },
  'GET /api/admin/points-ledger': {
    access: 'read',
    path: '/api/admin/points-ledger',
    badQueries: ['?userId=usr_1', '?reason=gift', '?orderId=1', '?limit=0', '?cursor=abc'],
  },
  'POST /api/admin/points-adjustments': {
    access: 'write',
    path: '/api/admin/points-adjustments',
    body: { userId: USR, delta: 10, note: '补偿积分', requestId: REQ },
    notFound: '/api/admin/points-adjustments',
    badBodies: [
      { userId: USR, delta: 1.5, note: '补偿积分', requestId: REQ },
      { userId: 'usr_1', delta: 10, note: '补偿积分', requestId: REQ },
      { userId: USR, delta: 10, note: 'x', requestId: REQ },
      { userId: USR, delta: 10, note: '补偿积分' },
      { userId: USR, delta: 10, note: '补偿积分', requestId: REQ, balance: 1 },
    ],
    note: 'delta 0, INSUFFICIENT_POINTS and IDEMPOTENCY_KEY_REUSED in test/points',
  },
  'GET /api/points-mall/items': { access: 'public', path: '/api/points-mall/items' },
  'POST /api/points-mall/items/{id}/redemptions': {
    access: 'shopper',
    path: `/api/points-mall/items/${PMI}/redemptions`,
    body: { requestId: REQ },
    notFound: `/api/points-mall/items/${PMI}/redemptions`,
    badId: '/api/points-mall/items/pmi_1/redemptions',
    badBodies: [{}, { requestId: 'short' }, { requestId: REQ, quantity: 2 }],
    note: 'SOLD_OUT, LIMIT_EXCEEDED, INSUFFICIENT_POINTS, NOT_STARTED, ENDED, IDEMPOTENCY_KEY_REUSED in test/points',
  },
  'GET /api/me/points-mall/redemptions': {
    access: 'shopper',
    path: '/api/me/points-mall/redemptions',
    badQueries: ['?limit=0', '?cursor=a%20b', '?page=2'],
  },
  'GET /api/admin/points-mall/items': { access: 'read', path: '/api/admin/points-mall/items' },
  'POST /api/admin/points-mall/items': {
    access: 'write',
    path: '/api/admin/points-mall/items',
    body: { title: '从未创建', pointsCost: 100, stockTotal: 1, perUserLimit: 1 },
    badBodies: [
      {},
      { title: '', pointsCost: 100, stockTotal: 1, perUserLimit: 1 },
      { title: 'x', pointsCost: 0, stockTotal: 1, perUserLimit: 1 },
      { title: 'x', pointsCost: 100, stockTotal: -1, perUserLimit: 1 },
      { title: 'x', pointsCost: 100, stockTotal: 1, perUserLimit: 0 },
      { title: 'x', pointsCost: 100, stockTotal: 1, perUserLimit: 1, stockLeft: 1 },
    ],
    note: 'endsAt before startsAt in test/points',
  },
  'PATCH /api/admin/points-mall/items/{id}': {
    access: 'write',
    path: `/api/admin/points-mall/items/${PMI}`,
    body: { stockTotal: 5 },
    notFound: `/api/admin/points-mall/items/${PMI}`,
    badId: '/api/admin/points-mall/items/pmi_x',
    badBodies: [{}, { pointsCost: 0 }, { status: 'deleted' }, { stockLeft: 3 }],
    note: 'CONFLICT below the units redeemed in test/points',
  },
  'GET /api/me': { access: 'shopper', path: '/api/me' },
  'GET /api/me/membership': { access: 'shopper', path: '/api/me/membership' },
  'GET /api/admin/member-levels': { access: 'read', path: '/api/admin/member-levels' },
  'PUT /api/admin/member-levels': {
    access: 'write',
    path: '/api/admin/member-levels',
    body: MEMBER_LEVELS,
    badBodies: [
      {},
      { ...MEMBER_LEVELS, windowDays: 7 },
      { ...MEMBER_LEVELS, levels: [] },
      { ...MEMBER_LEVELS, levels: [{ ...MEMBER_LEVELS.levels[0], code: 'Regular' }] },
      { ...MEMBER_LEVELS, levels: [{ ...MEMBER_LEVELS.levels[0], discountPercent: 51 }] },
      { ...MEMBER_LEVELS, extra: 1 },
    ],
    note: 'threshold 0, repeated codes and thresholds, and the audit entry in test/membership',
  },
  'GET /api/admin/points-reconciliation': { access: 'read', path: '/api/admin/points-reconciliation' },
  'GET /api/admin/settlement/parked': {
    access: 'read',
    path: '/api/admin/settlement/parked',
    badQueries: ['?limit=0', '?limit=1000', '?campaign=x'],
  },
};

const isWrite = (key: string) => !key.startsWith('GET ');
const methodOf = (key: string) => key.split(' ')[0]!;

interface OpenApiDoc {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        summary?: string;
        responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
        requestBody?: unknown;
      }
    >
  >;
}

describe('gateway routes (in process)', () => {
  let p: InProcessPlatform;
  let owner: string;
  let operator: string;
  let viewer: string;
  let shopper: string;
  const run = randomUUID().slice(0, 8);

  /** Everything an admin can see that a refused write could have changed. */
  async function storedState(): Promise<unknown> {
    const paths = [
      '/api/admin/products',
      '/api/admin/campaigns',
      '/api/admin/orders?limit=100',
      '/api/admin/admins',
      '/api/admin/audit-log?limit=100',
    ];
    return Promise.all(paths.map(async (path) => (await api(p.gateway, 'GET', path, { token: owner })).body));
  }

  before(async () => {
    p = await startInProcess({ env: { SEED_DEMO: '1' } });
    owner = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
    for (const role of ['operator', 'viewer'] as const) {
      const made = await api(p.gateway, 'POST', '/api/admin/admins', {
        token: owner,
        body: { username: `${role}-${run}`, password: `${role}-password-${run}`, role },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
    }
    operator = await adminLogin(p.gateway, `operator-${run}`, `operator-password-${run}`);
    viewer = await adminLogin(p.gateway, `viewer-${run}`, `viewer-password-${run}`);
    shopper = (await devLogin(p.gateway, `routes-${run}`)).token;
  });
  after(async () => {
    await p?.stop();
  });

  test('the table covers every route of the OpenAPI document, and each has its summary, descriptions and schemas', async () => {
    const res = await api<OpenApiDoc>(p.gateway, 'GET', '/docs/json');
    assert.equal(res.status, 200);
    assert.match(res.body.openapi, /^3\./);
    const documented: string[] = [];
    for (const [path, ops] of Object.entries(res.body.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const key = `${method.toUpperCase()} ${path}`;
        documented.push(key);
        assert.ok(op.summary && op.summary.trim().length > 0, `${key} has a summary`);
        const responses = op.responses ?? {};
        for (const [status, response] of Object.entries(responses)) {
          assert.ok(
            response.description && response.description !== 'Default Response',
            `${key} ${status} has a description of its own`,
          );
        }
        const success = Object.keys(responses).filter((s) => /^2\d\d$/.test(s));
        assert.ok(success.length > 0, `${key} documents its success response`);
        if (key !== 'GET /metrics' && !success.includes('204')) {
          const content = responses[success[0]!]!.content ?? {};
          assert.ok(
            Object.values(content).some((c) => c.schema !== undefined),
            `${key} documents the schema of its success body`,
          );
        }
        const row = ROUTES[key];
        if (row?.body !== undefined || (row?.badBodies && key !== 'POST /api/payments/wechat/notify')) {
          assert.ok(op.requestBody, `${key} documents its request body`);
        }
      }
    }
    assert.deepEqual(
      documented.filter((k) => !ROUTES[k]),
      [],
      'routes without a row in this test',
    );
    assert.deepEqual(
      Object.keys(ROUTES).filter((k) => !documented.includes(k)),
      [],
      'rows for routes that do not exist',
    );
  });

  test('401 UNAUTHORIZED without a token, with a garbage one and with an expired one', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const me = await api<{ admin: { id: string } }>(p.gateway, 'GET', '/api/admin/me', { token: owner });
    const expiredAdmin = signTokenWith(p.jwtSecret, {
      sub: me.body.admin.id,
      kind: 'admin',
      iat: past - 60,
      exp: past,
    });
    const user = await devLogin(p.gateway, `expired-${run}`);
    const expiredShopper = signTokenWith(p.jwtSecret, {
      sub: user.userId,
      kind: 'shopper',
      iat: past - 60,
      exp: past,
    });
    // The same claims, still valid, are accepted: the expiry alone is what the gateway refuses.
    const fresh = signTokenWith(p.jwtSecret, {
      sub: user.userId,
      kind: 'shopper',
      iat: past,
      exp: past + 7200,
    });
    assert.equal((await api(p.gateway, 'GET', '/api/orders', { token: fresh })).status, 200);

    for (const [key, row] of Object.entries(ROUTES)) {
      if (row.access === 'public') continue;
      const before = isWrite(key) ? await storedState() : undefined;
      const call = (token?: string) =>
        api(p.gateway, methodOf(key), row.path, {
          ...(token ? { token } : {}),
          ...(row.body !== undefined ? { body: row.body } : {}),
        });
      assertError(await call(), 401, 'UNAUTHORIZED', 'Missing bearer token', `${key} without a token`);
      assertError(
        await call('not.a.jwt'),
        401,
        'UNAUTHORIZED',
        'The token is invalid or expired',
        `${key} garbage`,
      );
      const expired = row.access === 'shopper' ? expiredShopper : expiredAdmin;
      assertError(
        await call(expired),
        401,
        'UNAUTHORIZED',
        'The token is invalid or expired',
        `${key} expired`,
      );
      if (before) assert.deepEqual(await storedState(), before, `${key}: nothing stored changed`);
    }
  });

  test('a token accepted (and cached) while valid is refused once it expires', async () => {
    const user = await devLogin(p.gateway, `expiring-${run}`);
    const now = Math.floor(Date.now() / 1000);
    const token = signTokenWith(p.jwtSecret, { sub: user.userId, kind: 'shopper', iat: now, exp: now + 2 });
    assert.equal((await api(p.gateway, 'GET', '/api/orders', { token })).status, 200);
    assert.equal(
      (await api(p.gateway, 'GET', '/api/orders', { token })).status,
      200,
      'served from the cache',
    );
    await new Promise((r) => setTimeout(r, Math.max(0, (now + 2) * 1000 - Date.now()) + 200));
    assertError(
      await api(p.gateway, 'GET', '/api/orders', { token }),
      401,
      'UNAUTHORIZED',
      'The token is invalid or expired',
      'expired after it was cached',
    );
  });

  test('403 FORBIDDEN: the other kind of token, a viewer writing, an operator managing admins', async () => {
    for (const [key, row] of Object.entries(ROUTES)) {
      if (row.access === 'public') continue;
      const before = isWrite(key) ? await storedState() : undefined;
      const call = (token: string) =>
        api(p.gateway, methodOf(key), row.path, {
          token,
          ...(row.body !== undefined ? { body: row.body } : {}),
        });
      if (row.access === 'shopper') {
        for (const admin of [owner, viewer]) {
          assertError(await call(admin), 403, 'FORBIDDEN', 'Shopper routes take a shopper token', key);
        }
        continue;
      }
      assertError(await call(shopper), 403, 'FORBIDDEN', 'Admin routes take an admin token', key);
      if (row.access === 'write' || row.access === 'owner') {
        assertError(await call(viewer), 403, 'FORBIDDEN', 'The viewer role may not do this', `${key} viewer`);
      }
      if (row.access === 'owner') {
        assertError(await call(operator), 403, 'FORBIDDEN', 'The operator role may not do this', key);
      }
      if (before) assert.deepEqual(await storedState(), before, `${key}: nothing stored changed`);
    }
  });

  test('400 VALIDATION_FAILED: malformed ids, queries and bodies', async () => {
    for (const [key, row] of Object.entries(ROUTES)) {
      const token = row.access === 'shopper' ? shopper : row.access === 'public' ? undefined : owner;
      const before = isWrite(key) ? await storedState() : undefined;
      const call = (path: string, body?: unknown) =>
        api(p.gateway, methodOf(key), path, {
          ...(token ? { token } : {}),
          ...(body !== undefined ? { body } : row.body !== undefined ? { body: row.body } : {}),
        });
      if (row.badId) assertValidation(await call(row.badId), `${key} ${row.badId}`);
      for (const q of row.badQueries ?? []) assertValidation(await call(`${row.path}${q}`), `${key} ${q}`);
      for (const b of row.badBodies ?? [])
        assertValidation(await call(row.path, b), `${key} ${JSON.stringify(b)}`);
      if (row.body !== undefined) {
        const notJson = await api(p.gateway, methodOf(key), row.path, {
          ...(token ? { token } : {}),
          body: '{"requestId":',
        });
        assertValidation(notJson, `${key} with a body that is not JSON`);
      }
      if (before) assert.deepEqual(await storedState(), before, `${key}: nothing stored changed`);
    }
  });

  test('404 NOT_FOUND for well-formed ids that no record has, and for unknown routes', async () => {
    const messages: Record<string, string> = {
      'GET /api/campaigns/{id}': 'No such campaign',
      'GET /api/reservations/{id}': 'No such reservation',
      'GET /api/groupbuy/groups/{groupId}': 'No such group',
      'POST /api/groupbuy/groups/{groupId}/members': 'No such group',
      'POST /api/payments/wechat/notify': 'Route not found',
    };
    for (const [key, row] of Object.entries(ROUTES)) {
      if (!row.notFound) continue;
      const token = row.access === 'shopper' ? shopper : row.access === 'public' ? undefined : owner;
      const before = isWrite(key) ? await storedState() : undefined;
      const res = await api<{ error: { code: string; message: string; retryable: boolean } }>(
        p.gateway,
        methodOf(key),
        row.notFound,
        {
          ...(token ? { token } : {}),
          ...(row.body !== undefined ? { body: row.body } : {}),
        },
      );
      assert.equal(res.status, 404, `${key}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'retryable'], key);
      assert.equal(res.body.error.retryable, false, key);
      assert.equal(res.body.error.code, 'NOT_FOUND', key);
      if (messages[key]) assert.equal(res.body.error.message, messages[key], key);
      if (before) assert.deepEqual(await storedState(), before, `${key}: nothing stored changed`);
    }
    assertError(await api(p.gateway, 'GET', '/api/nothing-here'), 404, 'NOT_FOUND', 'Route not found');
    assertError(
      await api(p.gateway, 'DELETE', `/api/orders/${ORD}`, { token: shopper }),
      404,
      'NOT_FOUND',
      'Route not found',
    );
  });

  test('admin login: a wrong password or an unknown admin is 401 INVALID_CREDENTIALS', async () => {
    for (const body of [
      { username: p.adminUsername, password: 'not-the-password' },
      { username: `nobody-${run}`, password: 'whatever-it-is' },
    ]) {
      const res = await api(p.gateway, 'POST', '/api/admin/auth/login', { body });
      assertError(res, 401, 'INVALID_CREDENTIALS', 'Wrong username or password');
    }
  });

  test('an operator may write but not manage admins; a disabled admin is refused at once', async () => {
    const made = await api<{ id: string }>(p.gateway, 'POST', '/api/admin/admins', {
      token: owner,
      body: { username: `temp-${run}`, password: `temp-password-${run}`, role: 'operator' },
    });
    assert.equal(made.status, 201);
    const temp = await adminLogin(p.gateway, `temp-${run}`, `temp-password-${run}`);
    const product = await api(p.gateway, 'POST', '/api/admin/products', {
      token: temp,
      body: { title: `by operator ${run}`, skus: [{ name: 'one', priceFen: 100 }] },
    });
    assert.equal(product.status, 201);
    const before = await storedState();
    assertError(
      await api(p.gateway, 'PATCH', `/api/admin/admins/${made.body.id}`, {
        token: temp,
        body: { role: 'owner' },
      }),
      403,
      'FORBIDDEN',
      'The operator role may not do this',
    );
    assert.deepEqual(await storedState(), before);
    const disabled = await api(p.gateway, 'PATCH', `/api/admin/admins/${made.body.id}`, {
      token: owner,
      body: { disabled: true },
    });
    assert.equal(disabled.status, 200);
    assertError(
      await api(p.gateway, 'GET', '/api/admin/products', { token: temp }),
      401,
      'UNAUTHORIZED',
      'This admin is disabled',
    );
  });

  test('ops: /healthz, /readyz with its checks, /metrics, /api/time', async () => {
    const health = await api(p.gateway, 'GET', '/healthz');
    assert.deepEqual({ status: health.status, body: health.body }, { status: 200, body: { status: 'ok' } });

    const ready = await api(p.gateway, 'GET', '/readyz');
    assert.deepEqual(
      { status: ready.status, body: ready.body },
      { status: 200, body: { status: 'ready', checks: { database: 'ok', hotpath: 'ok', bus: 'ok' } } },
    );

    const metrics = await request(p.gateway, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    const text = metrics.text;
    assert.match(text, /^# TYPE tm_http_requests_total counter$/m);
    assert.match(text, /^tm_http_requests_total\{[^}]*\} \d+/m);

    const time = await api<{ now: string }>(p.gateway, 'GET', '/api/time');
    assert.equal(time.status, 200);
    assert.deepEqual(Object.keys(time.body), ['now']);
    assert.match(time.body.now, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const docs = await request(p.gateway, 'GET', '/docs');
    assert.ok(docs.status === 200 || docs.status === 302, `GET /docs answers (${docs.status})`);
  });

  test('runtime gc: the owner gets the heap of the answering process around a forced full collection', async () => {
    const res = await api<Record<string, number>>(p.gateway, 'POST', '/api/admin/runtime/gc', {
      token: owner,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), [
      'gcMs',
      'heapTotalBytes',
      'heapUsedAfterBytes',
      'heapUsedBeforeBytes',
      'rssBytes',
    ]);
    const { heapUsedBeforeBytes, heapUsedAfterBytes, heapTotalBytes, rssBytes } = res.body;
    assert.ok(
      heapUsedAfterBytes! > 0 && heapUsedAfterBytes! <= heapUsedBeforeBytes!,
      JSON.stringify(res.body),
    );
    assert.ok(
      heapUsedAfterBytes! <= heapTotalBytes! && heapTotalBytes! < rssBytes!,
      JSON.stringify(res.body),
    );
  });

  test('the audit log records admin writes: who, what, which object', async () => {
    const product = await api<{ id: string; skus: { id: string }[] }>(
      p.gateway,
      'POST',
      '/api/admin/products',
      {
        token: operator,
        body: { title: `audited ${run}`, skus: [{ name: 'one', priceFen: 1990 }] },
      },
    );
    assert.equal(product.status, 201);
    const renamed = await api(p.gateway, 'PATCH', `/api/admin/products/${product.body.id}`, {
      token: owner,
      body: { title: `audited again ${run}` },
    });
    assert.equal(renamed.status, 200);
    const campaign = await api<{ id: string }>(p.gateway, 'POST', '/api/admin/campaigns', {
      token: operator,
      body: {
        ...campaignBody,
        title: `audited campaign ${run}`,
        skuId: product.body.skus[0]!.id,
      },
    });
    assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
    const stopped = await api(p.gateway, 'POST', `/api/admin/campaigns/${campaign.body.id}/stop`, {
      token: owner,
    });
    assert.equal(stopped.status, 200);

    const log = await api<{
      items: { adminUsername: string; action: string; objectType: string; objectId: string; at: string }[];
    }>(p.gateway, 'GET', '/api/admin/audit-log?limit=10', { token: viewer });
    assert.equal(log.status, 200);
    const recent = log.body.items.slice(0, 4).map((e) => ({
      who: e.adminUsername,
      what: e.action,
      object: `${e.objectType}:${e.objectId}`,
    }));
    assert.deepEqual(recent, [
      { who: p.adminUsername, what: 'campaign.stop', object: `campaign:${campaign.body.id}` },
      { who: `operator-${run}`, what: 'campaign.create', object: `campaign:${campaign.body.id}` },
      { who: p.adminUsername, what: 'product.update', object: `product:${product.body.id}` },
      { who: `operator-${run}`, what: 'product.create', object: `product:${product.body.id}` },
    ]);
    for (const e of log.body.items) assert.ok(Number.isFinite(Date.parse(e.at)));
  });

  test('the shopper side never sees another shopper: their order is 404 everywhere', async () => {
    const a = await devLogin(p.gateway, `owner-of-order-${run}`);
    const b = await devLogin(p.gateway, `other-${run}`);
    const campaigns = await api<{ items: { id: string; type: string; status: string }[] }>(
      p.gateway,
      'GET',
      '/api/campaigns?type=seckill',
    );
    const live = campaigns.body.items.find((c) => c.status === 'live')!;
    const reserved = await api<{ reservation: { id: string } }>(
      p.gateway,
      'POST',
      `/api/seckill/${live.id}/reservations`,
      {
        token: a.token,
        body: { quantity: 1, requestId: `own-${run}` },
      },
    );
    assert.equal(reserved.status, 201);
    const rsv = reserved.body.reservation.id;
    assertError(
      await api(p.gateway, 'GET', `/api/reservations/${rsv}`, { token: b.token }),
      404,
      'NOT_FOUND',
      'No such reservation',
    );
    const orderId = await eventually(async () => {
      const r = await api<{ orderId?: string }>(p.gateway, 'GET', `/api/reservations/${rsv}`, {
        token: a.token,
      });
      return r.body.orderId;
    });
    const before = await api(p.gateway, 'GET', `/api/orders/${orderId}`, { token: a.token });
    assert.equal(before.status, 200);
    for (const [method, path] of [
      ['GET', `/api/orders/${orderId}`],
      ['POST', `/api/orders/${orderId}/payment`],
      ['POST', `/api/orders/${orderId}/cancel`],
      ['POST', `/api/payments/dev/${orderId}/confirm`],
      ['GET', `/api/reservations/${rsv}`],
    ] as const) {
      const res = await api<{ error: { code: string } }>(p.gateway, method, path, { token: b.token });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error.code, 'NOT_FOUND');
    }
    const mine = await api<{ items: { id: string }[] }>(p.gateway, 'GET', '/api/orders', { token: b.token });
    assert.deepEqual(mine.body.items, []);
    assert.deepEqual(
      (await api(p.gateway, 'GET', `/api/orders/${orderId}`, { token: a.token })).body,
      before.body,
    );
  });
});
