/**
 * The gateway: a Fastify app that validates every request against the shared TypeBox schemas, turns it into a
 * broker call (or, for reservations, one in-process hot-path call: no bus hop on the hot path), and shapes the
 * answer. Built by a factory apart from listen(), so tests use inject() without a socket.
 */
import { randomUUID } from 'node:crypto';
import { AjvCompiler } from '@fastify/ajv-compiler';
import fastifyJwt from '@fastify/jwt';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ERRORS, type ErrorCode, errorBody } from '@tuanmiao/contract/errors';
import type { RedisClient } from '@tuanmiao/hot-path';
import { metricsPlugin } from '@tuanmiao/observability';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { ServiceBroker } from 'moleculer';
import { toErrorBody } from '../errors.ts';
import type { DependencyWatch } from '../runtime/dependency-watch.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { ErrorBody, findIllFormedText, ILL_FORMED_TEXT_MESSAGE } from '../schemas/common.ts';
import { dependencyUnavailable, isDependencyFailure } from './dependency-errors.ts';
import { HotPathRebuilds } from './hot-path-rebuilds.ts';
import { redisWithLocalFallback } from './rate-limit-store.ts';
import { lazyRequestLogger } from './request-logger.ts';
import { registerAddressRoutes } from './routes/address-routes.ts';
import { registerAdminRoutes } from './routes/admin-routes.ts';
import { registerCartRoutes } from './routes/cart-routes.ts';
import { registerCatalogRoutes } from './routes/catalog-routes.ts';
import { registerCouponRoutes } from './routes/coupon-routes.ts';
import { registerFulfilmentRoutes } from './routes/fulfilment-routes.ts';
import { registerHotPathRoutes } from './routes/hot-path-routes.ts';
import { registerMembershipRoutes } from './routes/membership-routes.ts';
import { registerOpsRoutes } from './routes/ops-routes.ts';
import { registerPointsRoutes } from './routes/points-routes.ts';
import { registerShopperRoutes } from './routes/shopper-routes.ts';
import { registerSecurityHeaders } from './security-headers.ts';

export interface GatewayOptions {
  broker: ServiceBroker;
  rt: Runtime;
  jwtSecret: string;
  /** Shared rate-limit store across gateway processes (production); in-memory when absent. */
  redis?: RedisClient;
  /** What this process's clients last reported about each dependency (fail fast while one is down). */
  dependencies?: DependencyWatch;
  /** Checks behind /readyz: each answers or throws. */
  readiness: Record<'database' | 'hotpath' | 'bus', () => Promise<void>>;
  /** Static admin console to serve at /admin, when built. */
  adminDist?: string;
  logger?: boolean | object;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export async function buildGateway(opts: GatewayOptions): Promise<App> {
  const app = Fastify({
    logger: opts.logger ?? false,
    // Without a logger Fastify hands every request the logger itself; with one, a child made on its first line.
    ...(opts.logger ? { childLoggerFactory: lazyRequestLogger } : {}),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9_.:-]{8,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 64 * 1024,
    // Forwarded headers choose the client address (and so the rate-limit key) only when they come from a
    // configured proxy: trusting every sender let a client pick its own address per request.
    trustProxy: opts.rt.config.trustProxy.length > 0 ? opts.rt.config.trustProxy : false,
    // Errors the router raises before any route (a malformed or over-long URL) take the one error shape too;
    // Fastify's own messages echo the URL, so the message here is ours.
    frameworkErrors: (error, _req, reply: FastifyReply) => {
      const code: ErrorCode =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'URL_TOO_LONG' : 'VALIDATION_FAILED';
      const message = code === 'URL_TOO_LONG' ? ERRORS.URL_TOO_LONG.message : 'The URL is malformed';
      return reply.status(ERRORS[code].status).send(errorBody(code, message).body);
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: jsonBodiesUncoerced() } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addSchema(ErrorBody);
  app.decorateRequest('caller', null as never);
  // Every answer names its request: this is the first onRequest hook, so a refusal by a later hook, the error
  // handler's answer and the 404 carry it too. Callback style (an async hook cost every answer a promise), in
  // onRequest on the raw answer: as an onSend hook, the only one on the API routes, it cost every answer
  // Fastify's onSend hook chain.
  app.addHook('onRequest', (req, reply, done) => {
    reply.raw.setHeader('x-request-id', req.id);
    done();
  });

  app.setErrorHandler((error, req, reply) => {
    const err = error as Error;
    const e = err as { validation?: unknown; statusCode?: number; code?: string };
    if (e.validation) {
      return reply
        .status(400)
        .send(errorBody('VALIDATION_FAILED', err.message, { problems: e.validation }).body);
    }
    if (e.statusCode === 429 && !('type' in err)) {
      return reply.status(429).send(errorBody('RATE_LIMITED').body);
    }
    // Fastify's and its plugins' own errors (no registry code of ours): the registry code of their status, and
    // a message of ours, since theirs may echo the request (a URL, a content type, a file path).
    if (!('type' in err) && e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
      const code = frameworkErrorCode(e.statusCode);
      const message =
        code === 'VALIDATION_FAILED' && e.code?.startsWith('FST_ERR_CTP_')
          ? err.message
          : code === 'FORBIDDEN'
            ? 'This path is not served'
            : ERRORS[code].message;
      return reply.status(ERRORS[code].status).send(errorBody(code, message).body);
    }
    const { status, body }: ReturnType<typeof toErrorBody> = isDependencyFailure(err)
      ? dependencyUnavailable()
      : toErrorBody(err);
    // A dependency that is down is logged once per change of state (runtime/dependency-watch.ts), not per request.
    if (status >= 500 && status !== 503) req.log.error({ err }, 'request failed');
    if (status === 429 || status === 503)
      reply.header('retry-after', String((body.error.details?.retryAfterSeconds as number) ?? 1));
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.status(404).send(errorBody('NOT_FOUND', 'Route not found').body),
  );

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'tuanmiao API',
        version: '0.1.0',
        description:
          'Flash sales (秒杀) and group buying (拼团). Money in integer fen, times in ISO 8601 UTC.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string) ?? `def-${i}` },
    transform: ({ schema, url }) => ({ schema: describeResponses(schema), url }),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await registerSecurityHeaders(app);
  // Verified tokens are cached by the gateway itself (see ./auth.ts), keyed by the whole token: fast-jwt's own
  // cache with a custom key builder is what its collision warning is about.
  await app.register(fastifyJwt, { secret: opts.jwtSecret });
  await app.register(fastifyRateLimit, {
    global: true,
    max: opts.rt.config.rateLimitPerIpPerSecond,
    timeWindow: 1000,
    hook: 'onRequest',
    ...(opts.redis
      ? { store: redisWithLocalFallback(opts.redis, `${opts.rt.config.redisKeyPrefix}tm:rl:ip:`) }
      : {}),
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      ...errorBody('RATE_LIMITED', `Too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s`).body,
    }),
    addHeadersOnExceeding: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
    },
  });
  await app.register(metricsPlugin, { exposePath: false });

  const rebuilds = new HotPathRebuilds(opts.rt.store);
  await registerOpsRoutes(app, opts, rebuilds);
  await registerShopperRoutes(app, opts);
  await registerHotPathRoutes(app, opts, rebuilds);
  await registerAdminRoutes(app, opts);
  await registerCatalogRoutes(app, opts);
  await registerAddressRoutes(app, opts);
  await registerCartRoutes(app, opts);
  await registerCouponRoutes(app, opts);
  await registerFulfilmentRoutes(app, opts);
  await registerPointsRoutes(app, opts);
  await registerMembershipRoutes(app, opts);

  app.get('/', { schema: { hide: true } }, (_req, reply) =>
    reply.redirect(opts.adminDist ? '/admin/' : '/docs'),
  );

  if (opts.adminDist) {
    const fastifyStatic = (await import('@fastify/static')).default;
    const root = opts.adminDist;
    await app.register(fastifyStatic, { root, prefix: '/admin/', wildcard: false, index: ['index.html'] });
    app.get('/admin', { schema: { hide: true } }, (_req, reply) => reply.redirect('/admin/'));
    // The console routes in the browser: any other /admin/ path is the single page itself.
    app.get('/admin/*', { schema: { hide: true } }, (_req, reply) => reply.sendFile('index.html', root));
  }
  return app;
}

/** What each status of our routes means, for the OpenAPI document (a response without one reads "Default Response"). */
const RESPONSE_DESCRIPTIONS: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  204: 'Done, no body',
  400: 'VALIDATION_FAILED: the request does not match its schema (details.problems say where)',
  401: 'UNAUTHORIZED (no, a bad, an expired or a revoked token) or INVALID_CREDENTIALS',
  403: 'FORBIDDEN: the other kind of token, or a role that may not do this',
  404: 'NOT_FOUND: no such record visible to the caller',
  409: 'A business refusal or a conflict with the current state; the error code says which',
  429: 'RATE_LIMITED, QUEUED or LOGIN_LOCKED; retry after Retry-After seconds',
  502: 'PAYMENT_PROVIDER_ERROR or WECHAT_LOGIN_FAILED: the third party refused or failed',
  503: 'DEPENDENCY_UNAVAILABLE: a dependency is down; retry after Retry-After seconds',
};

/** Gives every documented response of a route its description, keeping one the route gave itself. */
function describeResponses<S extends { response?: unknown }>(schema: S): S {
  // A route without response schemas (the metrics text) still says what its answer is.
  if (!schema?.response || typeof schema.response !== 'object')
    return schema ? { ...schema, response: { 200: { description: RESPONSE_DESCRIPTIONS[200] } } } : schema;
  const response = Object.fromEntries(
    Object.entries(schema.response as Record<string, { description?: string }>).map(([status, r]) => [
      status,
      r.description ? r : { ...r, description: RESPONSE_DESCRIPTIONS[status] ?? `HTTP ${status}` },
    ]),
  );
  return { ...schema, response };
}

/** The registry code of a 4xx status that Fastify or a plugin raised itself. */
function frameworkErrorCode(status: number): ErrorCode {
  switch (status) {
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 414:
      return 'URL_TOO_LONG';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return 'VALIDATION_FAILED';
  }
}

/**
 * Params and querystrings arrive as text and are coerced to their schema's types; JSON bodies are typed
 * already and are not: `{"quantity":"2"}` or `{"code":42}` is a 400, never silently converted.
 */
function jsonBodiesUncoerced(): ReturnType<typeof AjvCompiler> {
  const pool = AjvCompiler();
  return (externalSchemas, options = {}) => {
    const coercing = pool(externalSchemas, options);
    const strict = pool(externalSchemas, {
      ...options,
      customOptions: { ...options.customOptions, coerceTypes: false },
    } as typeof options);
    // Fastify hands the compiler its route definition ({ schema, httpPart, … }), not the bare schema.
    return (route) =>
      withTextRule((route as { httpPart?: string }).httpPart === 'body' ? strict(route) : coercing(route));
  };
}

type AnyValidate = ReturnType<ReturnType<ReturnType<typeof AjvCompiler>>>;

/** Adds the text rule of every edge (see findIllFormedText) to a compiled validator, as one more schema error. */
function withTextRule(validate: AnyValidate): AnyValidate {
  const state: { errors: AnyValidate['errors'] } = { errors: null };
  const checked = (data: unknown): boolean => {
    if (!validate(data)) {
      state.errors = validate.errors;
      return false;
    }
    const bad = findIllFormedText(data);
    state.errors =
      bad === undefined
        ? null
        : [
            {
              keyword: 'text',
              instancePath: bad === '/' ? '' : bad,
              schemaPath: '#',
              params: {},
              message: ILL_FORMED_TEXT_MESSAGE,
            },
          ];
    return bad === undefined;
  };
  Object.defineProperty(checked, 'errors', { get: () => state.errors });
  // Fastify reads only the call's answer and `errors`; ajv's other members stay on the inner validator.
  return checked as unknown as AnyValidate;
}
