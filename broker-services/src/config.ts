/**
 * The one typed configuration module. Every variable is read here, validated once at start, and listed in
 * the root README's configuration table. With none of DATABASE_URL, REDIS_URL and NATS_URL set, the process
 * runs the embedded default: PostgreSQL from PGlite under DATA_DIR, the in-process hot-path store, the local
 * Moleculer transport, dev login, the dev payment provider and demo data.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

const ServiceName = Type.Union([
  Type.Literal('gateway'),
  Type.Literal('users'),
  Type.Literal('catalog'),
  Type.Literal('campaigns'),
  Type.Literal('orders'),
  Type.Literal('groups'),
  Type.Literal('payments'),
  Type.Literal('admin'),
  Type.Literal('addresses'),
  Type.Literal('cart'),
  Type.Literal('fulfilment'),
  Type.Literal('points'),
  Type.Literal('membership'),
  Type.Literal('coupons'),
]);
export type ServiceName = Static<typeof ServiceName>;
export const ALL_SERVICES: readonly ServiceName[] = [
  'gateway',
  'users',
  'catalog',
  'campaigns',
  'orders',
  'groups',
  'payments',
  'admin',
  'addresses',
  'cart',
  'fulfilment',
  'points',
  'membership',
  'coupons',
];

/** Lowest payment and group TTL anyone may set; production keeps PAYMENT_TTL_MIN_SECONDS and GROUP_TTL_MIN_SECONDS. */
export const SHORT_TTL_MIN_SECONDS = 5;
export const PAYMENT_TTL_MIN_SECONDS = 30;
export const GROUP_TTL_MIN_SECONDS = 60;

const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  metricsPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  host: Type.String({ minLength: 1 }),
  /** Addresses or CIDR ranges of the proxies whose X-Forwarded-* headers are believed; none by default. */
  trustProxy: Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Fa-f:./]+$' })),
  databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /** Seed nodes (`host:port`) of a Redis Cluster, instead of REDIS_URL. */
  redisClusterNodes: Type.Optional(
    Type.Array(Type.String({ pattern: '^[A-Za-z0-9.-]+:[0-9]{1,5}$' }), {
      minItems: 1,
      maxItems: 64,
    }),
  ),
  natsUrl: Type.Optional(Type.String({ pattern: '^(nats|tls)://' })),
  redisKeyPrefix: Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9_:.-]*$' }),
  brokerNamespace: Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9_-]*$' }),
  dataDir: Type.String({ minLength: 1 }),
  embeddedPgPort: Type.Integer({ minimum: 0, maximum: 65535 }),
  services: Type.Array(ServiceName, { minItems: 1 }),
  nodeId: Type.Optional(Type.String({ minLength: 1 })),
  workers: Type.Integer({ minimum: 1, maximum: 256 }),
  jwtSecret: Type.Optional(Type.String({ minLength: 32 })),
  carrierPushSecret: Type.Optional(Type.String({ minLength: 16 })),
  autoReceiptDays: Type.Number({ exclusiveMinimum: 0, maximum: 60 }),
  /** Days after completion in which the shopper may still ask for a refund (售后期). */
  afterSaleDays: Type.Integer({ minimum: 0, maximum: 90 }),
  addressKeys: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/=_-]{43,44}(,[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/=_-]{43,44})*$',
    }),
  ),
  shopperTokenTtlSeconds: Type.Integer({ minimum: 60 }),
  adminTokenTtlSeconds: Type.Integer({ minimum: 60 }),
  adminUsername: Type.String({ minLength: 3, maxLength: 64 }),
  adminPassword: Type.Optional(Type.String({ minLength: 8 })),
  devLogin: Type.Boolean(),
  paymentProvider: Type.Union([Type.Literal('dev'), Type.Literal('wechat')]),
  paymentTtlSeconds: Type.Integer({ minimum: SHORT_TTL_MIN_SECONDS, maximum: 86400 }),
  allowShortTtl: Type.Boolean(),
  seedDemo: Type.Boolean(),
  logLevel: Type.Union([
    Type.Literal('fatal'),
    Type.Literal('error'),
    Type.Literal('warn'),
    Type.Literal('info'),
    Type.Literal('debug'),
    Type.Literal('trace'),
    Type.Literal('silent'),
  ]),
  rateLimitPerIpPerSecond: Type.Integer({ minimum: 1 }),
  rateLimitPerUserPerSecond: Type.Integer({ minimum: 1 }),
  settlementBatchSize: Type.Integer({ minimum: 1, maximum: 5000 }),
  settlementPoolSize: Type.Integer({ minimum: 1, maximum: 16 }),
  settlementNice: Type.Integer({ minimum: 0, maximum: 19 }),
  settlementLingerMs: Type.Integer({ minimum: 0, maximum: 1000 }),
  reconcileIntervalSeconds: Type.Integer({ minimum: 1 }),
  /** How long after a campaign ends its hot state (Redis keys) is kept before it is dropped. */
  hotStateRetentionDays: Type.Integer({ minimum: 1, maximum: 365 }),
  hotPathAck: Type.Union([Type.Literal('primary'), Type.Literal('wait-replica')]),
  hotPathAckTimeoutMs: Type.Integer({ minimum: 1, maximum: 10_000 }),
  sweepIntervalMs: Type.Integer({ minimum: 100 }),
  wechat: Type.Object({
    apiBase: Type.String({ minLength: 1 }),
    appId: Type.String(),
    appSecret: Type.String(),
  }),
  wechatPay: Type.Object({
    apiBase: Type.String({ minLength: 1 }),
    mchId: Type.String(),
    merchantSerialNo: Type.String(),
    merchantPrivateKey: Type.String(),
    apiV3Key: Type.String(),
    platformPublicKey: Type.String(),
    platformPublicKeyId: Type.String(),
    notifyUrl: Type.String(),
  }),
});
export type Config = Static<typeof ConfigSchema>;
const checkConfig = Compile(ConfigSchema);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be 1/0 or true/false, got "${raw}"`);
}

/** A PEM from the variable itself or from the file named by `<NAME>_FILE`. */
function pem(env: Env, name: string): string {
  const file = env[`${name}_FILE`];
  if (file) return readFileSync(file, 'utf8');
  return (env[name] ?? '').replace(/\\n/g, '\n');
}

function optional(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Whether this process runs the embedded default (no external server at all). */
export function isEmbedded(config: Config): boolean {
  return !config.databaseUrl && !hasRedis(config) && !config.natsUrl;
}

/** Whether the hot path, rate limits and waiting room run on Redis (one server or a cluster). */
export function hasRedis(config: Pick<Config, 'redisUrl' | 'redisClusterNodes'>): boolean {
  return Boolean(config.redisUrl || config.redisClusterNodes);
}

/** Reads and validates the configuration from the environment; throws ConfigError with every problem found. */
export function loadConfig(env: Env = process.env, opts: { purpose?: 'serve' | 'migrate' } = {}): Config {
  const clusterNodes = optional(env, 'REDIS_CLUSTER_NODES')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const embedded =
    !optional(env, 'DATABASE_URL') &&
    !optional(env, 'REDIS_URL') &&
    !clusterNodes &&
    !optional(env, 'NATS_URL');
  const services = (optional(env, 'SERVICES') ?? ALL_SERVICES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const candidate = {
    port: int(env, 'PORT', 3000),
    metricsPort: optional(env, 'METRICS_PORT') === undefined ? undefined : int(env, 'METRICS_PORT', 0),
    // A process with dev login or dev payment on lets anyone sign in as anyone, or pay without paying: it listens
    // on loopback unless HOST says otherwise.
    host:
      optional(env, 'HOST') ??
      (bool(env, 'DEV_LOGIN', embedded) ||
      (optional(env, 'PAYMENT_PROVIDER') ?? (embedded ? 'dev' : 'wechat')) === 'dev'
        ? '127.0.0.1'
        : '0.0.0.0'),
    trustProxy: (optional(env, 'TRUST_PROXY') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    databaseUrl: optional(env, 'DATABASE_URL'),
    redisUrl: optional(env, 'REDIS_URL'),
    redisClusterNodes: clusterNodes,
    natsUrl: optional(env, 'NATS_URL'),
    redisKeyPrefix: env.REDIS_KEY_PREFIX ?? '',
    brokerNamespace: optional(env, 'BROKER_NAMESPACE') ?? 'tuanmiao',
    dataDir: path.resolve(optional(env, 'DATA_DIR') ?? 'data'),
    embeddedPgPort: int(env, 'EMBEDDED_PG_PORT', 0),
    services: services.includes('all') ? [...ALL_SERVICES] : services,
    nodeId: optional(env, 'NODE_ID'),
    workers: int(env, 'WORKERS', 0),
    jwtSecret: optional(env, 'JWT_SECRET'),
    addressKeys: optional(env, 'ADDRESS_ENCRYPTION_KEYS'),
    carrierPushSecret: optional(env, 'CARRIER_PUSH_SECRET'),
    autoReceiptDays: Number(optional(env, 'AUTO_RECEIPT_DAYS') ?? 10),
    afterSaleDays: int(env, 'AFTER_SALE_DAYS', 7),
    shopperTokenTtlSeconds: int(env, 'SHOPPER_TOKEN_TTL_SECONDS', 7 * 86400),
    adminTokenTtlSeconds: int(env, 'ADMIN_TOKEN_TTL_SECONDS', 8 * 3600),
    adminUsername: optional(env, 'ADMIN_USERNAME') ?? 'admin',
    adminPassword: optional(env, 'ADMIN_PASSWORD'),
    devLogin: bool(env, 'DEV_LOGIN', embedded),
    paymentProvider: optional(env, 'PAYMENT_PROVIDER') ?? (embedded ? 'dev' : 'wechat'),
    paymentTtlSeconds: int(env, 'PAYMENT_TTL_SECONDS', 900),
    allowShortTtl: bool(env, 'ALLOW_SHORT_TTL', false),
    seedDemo: bool(env, 'SEED_DEMO', embedded),
    logLevel: optional(env, 'LOG_LEVEL') ?? 'info',
    rateLimitPerIpPerSecond: int(env, 'RATE_LIMIT_PER_IP_PER_SECOND', 2000),
    rateLimitPerUserPerSecond: int(env, 'RATE_LIMIT_PER_USER_PER_SECOND', 20),
    settlementBatchSize: int(env, 'SETTLEMENT_BATCH_SIZE', 2000),
    settlementPoolSize: int(env, 'SETTLEMENT_POOL_SIZE', 2),
    settlementNice: int(env, 'SETTLEMENT_NICE', 10),
    settlementLingerMs: int(env, 'SETTLEMENT_LINGER_MS', 100),
    reconcileIntervalSeconds: int(env, 'RECONCILE_INTERVAL_SECONDS', 30),
    hotStateRetentionDays: int(env, 'HOT_STATE_RETENTION_DAYS', 7),
    hotPathAck: optional(env, 'HOT_PATH_ACK') ?? 'primary',
    hotPathAckTimeoutMs: int(env, 'HOT_PATH_ACK_TIMEOUT_MS', 100),
    sweepIntervalMs: int(env, 'SWEEP_INTERVAL_MS', 1000),
    wechat: {
      apiBase: optional(env, 'WECHAT_API_BASE') ?? 'https://api.weixin.qq.com',
      appId: env.WECHAT_APP_ID ?? '',
      appSecret: env.WECHAT_APP_SECRET ?? '',
    },
    wechatPay: {
      apiBase: optional(env, 'WECHATPAY_API_BASE') ?? 'https://api.mch.weixin.qq.com',
      mchId: env.WECHATPAY_MCH_ID ?? '',
      merchantSerialNo: env.WECHATPAY_MERCHANT_SERIAL_NO ?? '',
      merchantPrivateKey: pem(env, 'WECHATPAY_MERCHANT_PRIVATE_KEY'),
      apiV3Key: env.WECHATPAY_API_V3_KEY ?? '',
      platformPublicKey: pem(env, 'WECHATPAY_PLATFORM_PUBLIC_KEY'),
      platformPublicKeyId: env.WECHATPAY_PLATFORM_PUBLIC_KEY_ID ?? '',
      notifyUrl: env.WECHATPAY_NOTIFY_URL ?? '',
    },
  };
  // Gateway workers share the hot path, the rate limits and the bus only through Redis, NATS and PostgreSQL.
  const canShare = Boolean(hasRedis(candidate) && candidate.natsUrl && candidate.databaseUrl);
  if (candidate.redisUrl && candidate.redisClusterNodes) {
    throw new ConfigError('set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  }
  const serveGateway = candidate.services.includes('gateway');
  if (candidate.workers === 0) candidate.workers = canShare && serveGateway ? availableParallelism() : 1;
  if (candidate.workers > 1 && !(canShare && serveGateway)) {
    throw new ConfigError(
      'WORKERS above 1 needs the gateway in SERVICES and DATABASE_URL, REDIS_URL (or REDIS_CLUSTER_NODES) and NATS_URL set (workers share nothing else)',
    );
  }
  if (!checkConfig.Check(candidate)) {
    const problems = [...checkConfig.Errors(candidate)].map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = candidate as Config;
  if (!config.allowShortTtl && config.paymentTtlSeconds < PAYMENT_TTL_MIN_SECONDS) {
    throw new ConfigError(
      `PAYMENT_TTL_SECONDS must be at least ${PAYMENT_TTL_MIN_SECONDS} (ALLOW_SHORT_TTL=1 lowers it to ${SHORT_TTL_MIN_SECONDS}, for tests)`,
    );
  }
  if (!config.allowShortTtl && config.autoReceiptDays < 1) {
    throw new ConfigError(
      'AUTO_RECEIPT_DAYS must be at least 1 (ALLOW_SHORT_TTL=1 allows fractions, for tests)',
    );
  }
  // Migrations need the database and nothing else: no secrets, no payment channel.
  if (opts.purpose === 'migrate') return config;
  if (!embedded && !config.jwtSecret) {
    throw new ConfigError(
      'JWT_SECRET (32+ characters) is required when DATABASE_URL, REDIS_URL, REDIS_CLUSTER_NODES or NATS_URL is set',
    );
  }
  // Only the services that seal or open addresses hold the key: a gateway-only process never sees it.
  const sealsAddresses = config.services.some((s) => s === 'addresses' || s === 'orders');
  if (!embedded && sealsAddresses && !config.addressKeys) {
    throw new ConfigError(
      'ADDRESS_ENCRYPTION_KEYS (id:base64 of 32 bytes, newest first) is required by the addresses and orders services when DATABASE_URL, REDIS_URL, REDIS_CLUSTER_NODES or NATS_URL is set',
    );
  }
  if (config.paymentProvider === 'wechat') {
    const wp = config.wechatPay;
    const missing = Object.entries({
      WECHATPAY_MCH_ID: wp.mchId,
      WECHATPAY_MERCHANT_SERIAL_NO: wp.merchantSerialNo,
      WECHATPAY_MERCHANT_PRIVATE_KEY: wp.merchantPrivateKey,
      WECHATPAY_API_V3_KEY: wp.apiV3Key,
      WECHATPAY_PLATFORM_PUBLIC_KEY: wp.platformPublicKey,
      WECHATPAY_PLATFORM_PUBLIC_KEY_ID: wp.platformPublicKeyId,
      WECHATPAY_NOTIFY_URL: wp.notifyUrl,
      WECHAT_APP_ID: config.wechat.appId,
    })
      .filter(([, v]) => !v)
      .map(([k]) => k);
    if (missing.length > 0 && config.services.includes('payments')) {
      throw new ConfigError(`PAYMENT_PROVIDER=wechat needs ${missing.join(', ')}`);
    }
    // WeChat keeps a mini-program payment's funds frozen until its shipping is recorded, which needs an
    // access token: the fulfilment service cannot do without the app secret.
    if (config.services.includes('fulfilment') && (!config.wechat.appId || !config.wechat.appSecret)) {
      throw new ConfigError(
        'PAYMENT_PROVIDER=wechat needs WECHAT_APP_ID and WECHAT_APP_SECRET where the fulfilment service runs (WeChat shipping records)',
      );
    }
  }
  return config;
}
