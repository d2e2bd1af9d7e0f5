/**
 * The one typed client of the admin HTTP API. Every call goes through `endpoints`, the table the contract test
 * checks against the gateway's OpenAPI document, so a route the console uses cannot silently disappear.
 * It runs in the browser and in node (tests): it only needs `fetch`.
 */
import type {
  AddressSnapshot,
  Admin,
  AdminAccount,
  AdminCouponTemplate,
  AuditEntry,
  Campaign,
  CampaignLive,
  CampaignQuery,
  Category,
  CreateAdminRequest,
  CreateCampaignRequest,
  CreateCategoryRequest,
  CreateCouponTemplateRequest,
  CreateMallItemRequest,
  CreateProductRequest,
  Dashboard,
  IssueCouponsRequest,
  IssueCouponsResponse,
  ItemsResponse,
  KillSwitchRequest,
  LedgerEntry,
  LedgerSearch,
  LoginRequest,
  LoginResponse,
  MallItem,
  MemberLevels,
  MemberLevelsInput,
  MeResponse,
  Order,
  OrderDetail,
  OrderQuery,
  PageResponse,
  ParkedSettlementEntry,
  PointsAdjustment,
  PointsAdjustmentRequest,
  PointsReconciliation,
  PointsRules,
  PrewarmResponse,
  Product,
  RefundRequest,
  RefundRequestStatus,
  ShipRequest,
  StockAdjustment,
  StockAdjustmentRequest,
  Tracking,
  UpdateAdminRequest,
  UpdateCampaignRequest,
  UpdateCategoryRequest,
  UpdateMallItemRequest,
  UpdateProductRequest,
  WaitingRoom,
} from './types.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Endpoint {
  method: HttpMethod;
  /** Path template in the gateway's (Fastify) notation: `:id` marks a path parameter. */
  path: string;
}

/** Every route of the gateway this console calls. */
export const endpoints = {
  login: { method: 'POST', path: '/api/admin/auth/login' },
  me: { method: 'GET', path: '/api/admin/me' },
  dashboard: { method: 'GET', path: '/api/admin/dashboard' },
  listProducts: { method: 'GET', path: '/api/admin/products' },
  createProduct: { method: 'POST', path: '/api/admin/products' },
  getProduct: { method: 'GET', path: '/api/admin/products/:id' },
  updateProduct: { method: 'PATCH', path: '/api/admin/products/:id' },
  adjustStock: { method: 'POST', path: '/api/admin/skus/:id/stock-adjustments' },
  listCategories: { method: 'GET', path: '/api/admin/categories' },
  createCategory: { method: 'POST', path: '/api/admin/categories' },
  updateCategory: { method: 'PATCH', path: '/api/admin/categories/:id' },
  deleteCategory: { method: 'DELETE', path: '/api/admin/categories/:id' },
  listCampaigns: { method: 'GET', path: '/api/admin/campaigns' },
  createCampaign: { method: 'POST', path: '/api/admin/campaigns' },
  getCampaign: { method: 'GET', path: '/api/admin/campaigns/:id' },
  updateCampaign: { method: 'PATCH', path: '/api/admin/campaigns/:id' },
  stopCampaign: { method: 'POST', path: '/api/admin/campaigns/:id/stop' },
  campaignLive: { method: 'GET', path: '/api/admin/campaigns/:id/live' },
  setKillSwitch: { method: 'POST', path: '/api/admin/campaigns/:id/kill-switch' },
  setWaitingRoom: { method: 'PUT', path: '/api/admin/campaigns/:id/waiting-room' },
  prewarmCampaign: { method: 'POST', path: '/api/admin/campaigns/:id/prewarm' },
  listOrders: { method: 'GET', path: '/api/admin/orders' },
  getOrder: { method: 'GET', path: '/api/admin/orders/:id' },
  shipOrder: { method: 'POST', path: '/api/admin/orders/:id/ship' },
  refundOrder: { method: 'POST', path: '/api/admin/orders/:id/refund' },
  orderAddress: { method: 'GET', path: '/api/admin/orders/:id/address' },
  orderTracking: { method: 'GET', path: '/api/admin/orders/:id/tracking' },
  listRefundRequests: { method: 'GET', path: '/api/admin/refund-requests' },
  approveRefundRequest: { method: 'POST', path: '/api/admin/refund-requests/:id/approve' },
  rejectRefundRequest: { method: 'POST', path: '/api/admin/refund-requests/:id/reject' },
  listAdmins: { method: 'GET', path: '/api/admin/admins' },
  createAdmin: { method: 'POST', path: '/api/admin/admins' },
  updateAdmin: { method: 'PATCH', path: '/api/admin/admins/:id' },
  auditLog: { method: 'GET', path: '/api/admin/audit-log' },
  settlementParked: { method: 'GET', path: '/api/admin/settlement/parked' },
  listCouponTemplates: { method: 'GET', path: '/api/admin/coupon-templates' },
  createCouponTemplate: { method: 'POST', path: '/api/admin/coupon-templates' },
  stopCouponTemplate: { method: 'POST', path: '/api/admin/coupon-templates/:id/stop' },
  issueCoupons: { method: 'POST', path: '/api/admin/coupon-templates/:id/issues' },
  pointsRules: { method: 'GET', path: '/api/admin/points-rules' },
  setPointsRules: { method: 'PUT', path: '/api/admin/points-rules' },
  pointsLedger: { method: 'GET', path: '/api/admin/points-ledger' },
  adjustPoints: { method: 'POST', path: '/api/admin/points-adjustments' },
  pointsReconciliation: { method: 'GET', path: '/api/admin/points-reconciliation' },
  listMallItems: { method: 'GET', path: '/api/admin/points-mall/items' },
  createMallItem: { method: 'POST', path: '/api/admin/points-mall/items' },
  updateMallItem: { method: 'PATCH', path: '/api/admin/points-mall/items/:id' },
  memberLevels: { method: 'GET', path: '/api/admin/member-levels' },
  setMemberLevels: { method: 'PUT', path: '/api/admin/member-levels' },
} as const satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof endpoints;

/** Error codes the client itself produces when no error body came back. */
export const CLIENT_ERROR_CODES = ['NETWORK_ERROR', 'BAD_RESPONSE'] as const;

/** A failed call: the gateway's stable error `code`, its HTTP status (0 when no response arrived) and message. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryAfterSeconds: number | null;

  constructor(code: string, status: number, message: string, retryAfterSeconds: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface ApiClientOptions {
  /** Origin the API lives on; empty for same-origin (the console served by the gateway). */
  baseUrl?: string;
  getToken?: () => string | null;
  /** Called on any 401 except a failed login, so the app can drop the session and show the login page. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

interface CallInput {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

function errorFromBody(status: number, body: unknown, retryAfter: string | null): ApiError {
  const retry = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const err = (body as { error: unknown }).error;
    if (typeof err === 'object' && err !== null) {
      const { code, message } = err as { code?: unknown; message?: unknown };
      if (typeof code === 'string') {
        return new ApiError(code, status, typeof message === 'string' ? message : code, retry);
      }
    }
  }
  return new ApiError(`HTTP_${status}`, status, `HTTP ${status}`, retry);
}

/** Fills `:name` segments of a path template; every parameter is URI-encoded. */
export function buildPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
}

export class ApiClient {
  readonly #baseUrl: string;
  readonly #getToken: () => string | null;
  readonly #onUnauthorized: () => void;
  readonly #fetch: typeof fetch;

  constructor(options: ApiClientOptions = {}) {
    this.#baseUrl = (options.baseUrl ?? '').replace(/\/$/, '');
    this.#getToken = options.getToken ?? (() => null);
    this.#onUnauthorized = options.onUnauthorized ?? (() => {});
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async #call<T>(name: EndpointName, input: CallInput = {}): Promise<T> {
    const endpoint: Endpoint = endpoints[name];
    let url = `${this.#baseUrl}${buildPath(endpoint.path, input.params)}`;
    if (input.query) {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(input.query)) {
        if (value !== undefined && value !== '') search.set(key, String(value));
      }
      const qs = search.toString();
      if (qs) url += `?${qs}`;
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.#getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    // A JSON content type with an empty body is a 400 at the gateway, so bodiless calls send neither.
    const init: RequestInit = { method: endpoint.method, headers };
    if (input.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(input.body);
    }

    let res: Response;
    try {
      res = await this.#fetch(url, init);
    } catch (err) {
      throw new ApiError('NETWORK_ERROR', 0, err instanceof Error ? err.message : String(err));
    }
    const text = await res.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        if (res.ok) throw new ApiError('BAD_RESPONSE', res.status, 'response is not JSON');
      }
    }
    if (!res.ok) {
      const error = errorFromBody(res.status, body, res.headers.get('retry-after'));
      if (res.status === 401 && name !== 'login') this.#onUnauthorized();
      throw error;
    }
    return body as T;
  }

  login(body: LoginRequest): Promise<LoginResponse> {
    return this.#call('login', { body });
  }

  async me(): Promise<Admin> {
    return (await this.#call<MeResponse>('me')).admin;
  }

  dashboard(): Promise<Dashboard> {
    return this.#call('dashboard');
  }

  async listProducts(): Promise<Product[]> {
    return (await this.#call<ItemsResponse<Product>>('listProducts')).items;
  }

  createProduct(body: CreateProductRequest): Promise<Product> {
    return this.#call('createProduct', { body });
  }

  getProduct(id: string): Promise<Product> {
    return this.#call('getProduct', { params: { id } });
  }

  updateProduct(id: string, body: UpdateProductRequest): Promise<Product> {
    return this.#call('updateProduct', { params: { id }, body });
  }

  /** Adds to or takes from a SKU's regular stock (`delta` +N / −N), never setting it outright. */
  adjustStock(skuId: string, body: StockAdjustmentRequest): Promise<StockAdjustment> {
    return this.#call('adjustStock', { params: { id: skuId }, body });
  }

  async listCategories(): Promise<Category[]> {
    return (await this.#call<ItemsResponse<Category>>('listCategories')).items;
  }

  createCategory(body: CreateCategoryRequest): Promise<Category> {
    return this.#call('createCategory', { body });
  }

  updateCategory(id: string, body: UpdateCategoryRequest): Promise<Category> {
    return this.#call('updateCategory', { params: { id }, body });
  }

  async deleteCategory(id: string): Promise<void> {
    await this.#call<null>('deleteCategory', { params: { id } });
  }

  async listCampaigns(query: CampaignQuery = {}): Promise<Campaign[]> {
    return (await this.#call<ItemsResponse<Campaign>>('listCampaigns', { query: { ...query } })).items;
  }

  createCampaign(body: CreateCampaignRequest): Promise<Campaign> {
    return this.#call('createCampaign', { body });
  }

  getCampaign(id: string): Promise<Campaign> {
    return this.#call('getCampaign', { params: { id } });
  }

  updateCampaign(id: string, body: UpdateCampaignRequest): Promise<Campaign> {
    return this.#call('updateCampaign', { params: { id }, body });
  }

  stopCampaign(id: string): Promise<Campaign> {
    return this.#call('stopCampaign', { params: { id } });
  }

  campaignLive(id: string): Promise<CampaignLive> {
    return this.#call('campaignLive', { params: { id } });
  }

  setKillSwitch(id: string, body: KillSwitchRequest): Promise<Campaign> {
    return this.#call('setKillSwitch', { params: { id }, body });
  }

  setWaitingRoom(id: string, body: WaitingRoom): Promise<Campaign> {
    return this.#call('setWaitingRoom', { params: { id }, body });
  }

  prewarmCampaign(id: string): Promise<PrewarmResponse> {
    return this.#call('prewarmCampaign', { params: { id } });
  }

  listOrders(query: OrderQuery = {}): Promise<PageResponse<Order>> {
    return this.#call('listOrders', { query: { ...query } });
  }

  getOrder(id: string): Promise<OrderDetail> {
    return this.#call('getOrder', { params: { id } });
  }

  /** Ships in one package (`carrier`, `trackingNo`) or several (`morePackages` beyond the first). */
  shipOrder(id: string, body: ShipRequest): Promise<OrderDetail> {
    return this.#call('shipOrder', { params: { id }, body });
  }

  /** The order's delivery address in full (fulfilment roles only; each read is audited). */
  orderAddress(id: string): Promise<AddressSnapshot> {
    return this.#call('orderAddress', { params: { id } });
  }

  orderTracking(id: string): Promise<Tracking> {
    return this.#call('orderTracking', { params: { id } });
  }

  async listRefundRequests(status?: RefundRequestStatus): Promise<RefundRequest[]> {
    return (await this.#call<ItemsResponse<RefundRequest>>('listRefundRequests', { query: { status } }))
      .items;
  }

  approveRefundRequest(id: string, note?: string): Promise<RefundRequest> {
    return this.#call('approveRefundRequest', { params: { id }, body: note ? { note } : {} });
  }

  rejectRefundRequest(id: string, note: string): Promise<RefundRequest> {
    return this.#call('rejectRefundRequest', { params: { id }, body: { note } });
  }

  refundOrder(id: string, reason: string): Promise<OrderDetail> {
    return this.#call('refundOrder', { params: { id }, body: { reason } });
  }

  async listAdmins(): Promise<AdminAccount[]> {
    return (await this.#call<ItemsResponse<AdminAccount>>('listAdmins')).items;
  }

  createAdmin(body: CreateAdminRequest): Promise<AdminAccount> {
    return this.#call('createAdmin', { body });
  }

  updateAdmin(id: string, body: UpdateAdminRequest): Promise<AdminAccount> {
    return this.#call('updateAdmin', { params: { id }, body });
  }

  auditLog(cursor?: string): Promise<PageResponse<AuditEntry>> {
    return this.#call('auditLog', { query: { cursor } });
  }

  async settlementParked(): Promise<ParkedSettlementEntry[]> {
    return (await this.#call<ItemsResponse<ParkedSettlementEntry>>('settlementParked')).items;
  }

  async listCouponTemplates(): Promise<AdminCouponTemplate[]> {
    return (await this.#call<ItemsResponse<AdminCouponTemplate>>('listCouponTemplates')).items;
  }

  createCouponTemplate(body: CreateCouponTemplateRequest): Promise<AdminCouponTemplate> {
    return this.#call('createCouponTemplate', { body });
  }

  stopCouponTemplate(id: string): Promise<AdminCouponTemplate> {
    return this.#call('stopCouponTemplate', { params: { id } });
  }

  issueCoupons(id: string, body: IssueCouponsRequest): Promise<IssueCouponsResponse> {
    return this.#call('issueCoupons', { params: { id }, body });
  }

  pointsRules(): Promise<PointsRules> {
    return this.#call('pointsRules');
  }

  /** Replaces the rules (audited); they apply to orders from then on. */
  setPointsRules(body: PointsRules): Promise<PointsRules> {
    return this.#call('setPointsRules', { body });
  }

  /** The ledger, newest first, narrowed by shopper, order or reason. */
  pointsLedger(query: LedgerSearch = {}): Promise<PageResponse<LedgerEntry>> {
    return this.#call('pointsLedger', { query: { ...query } });
  }

  /** Adds (positive) or takes (negative) a shopper's points with a note; idempotent by `requestId`. */
  adjustPoints(body: PointsAdjustmentRequest): Promise<PointsAdjustment> {
    return this.#call('adjustPoints', { body });
  }

  pointsReconciliation(): Promise<PointsReconciliation> {
    return this.#call('pointsReconciliation');
  }

  async listMallItems(): Promise<MallItem[]> {
    return (await this.#call<ItemsResponse<MallItem>>('listMallItems')).items;
  }

  createMallItem(body: CreateMallItemRequest): Promise<MallItem> {
    return this.#call('createMallItem', { body });
  }

  updateMallItem(id: string, body: UpdateMallItemRequest): Promise<MallItem> {
    return this.#call('updateMallItem', { params: { id }, body });
  }

  memberLevels(): Promise<MemberLevels> {
    return this.#call('memberLevels');
  }

  /** Replaces the levels and the growth window (audited); every member is reviewed again. */
  setMemberLevels(body: MemberLevelsInput): Promise<MemberLevels> {
    return this.#call('setMemberLevels', { body });
  }
}
