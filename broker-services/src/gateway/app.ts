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
import { errorBody } from '@tuanmiao/contract/errors';
import { metricsPlugin } from '@tuanmiao/observability';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { ServiceBroker } from 'moleculer';
import { toErrorBody } from '../errors.ts';
import type { DependencyWatch } from '../runtime/dependency-watch.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { ErrorBody } from '../schemas/common.ts';
import { dependencyUnavailable, isDependencyFailure } from './dependency-errors.ts';
import { HotPathRebuilds } from './hot-path-rebuilds.ts';
import { redisWithLocalFallback } from './rate-limit-store.ts';
import { registerAddressRoutes } from './routes/address-routes.ts';
import { registerAdminRoutes } from './routes/admin-routes.ts';
import { registerCartRoutes } from './routes/cart-routes.ts';
import { registerCatalogRoutes } from './routes/catalog-routes.ts';
import { registerFulfilmentRoutes } from './routes/fulfilment-routes.ts';
import { registerHotPathRoutes } from './routes/hot-path-routes.ts';
import { registerOpsRoutes } from './routes/ops-routes.ts';
import { registerShopperRoutes } from './routes/shopper-routes.ts';

export interface GatewayOptions {
  broker: ServiceBroker;
  rt: Runtime;
  jwtSecret: string;
  /** Shared rate-limit store across gateway processes (production); in-memory when absent. */
  redis?: Redis;
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
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9_.:-]{8,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 64 * 1024,
    trustProxy: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: jsonBodiesUncoerced() } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addSchema(ErrorBody);
  app.decorateRequest('caller', null as never);
  // Callback style: an async hook here cost every answer a promise.
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    done(null, payload);
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
    if (
      e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ||
      e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      e.statusCode === 400 ||
      e.statusCode === 415 ||
      e.statusCode === 413
    ) {
      if (!('type' in err)) {
        return reply
          .status(e.statusCode === 413 ? 413 : 400)
          .send(errorBody('VALIDATION_FAILED', err.message).body);
      }
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
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  // Verified tokens are cached (expiry is still checked on each hit): shoppers send the same token many times a
  // second during a sale, and HMAC + decode was the route's largest cost. The cache is keyed by the token itself:
  // fast-jwt's default key, a SHA-256 of the token after decoding its header, was 5% of the gateway's CPU.
  await app.register(fastifyJwt, {
    secret: opts.jwtSecret,
    verify: { cache: 20_000, cacheKeyBuilder: (token: string) => token },
  });
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
  await registerFulfilmentRoutes(app, opts);

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
      (route as { httpPart?: string }).httpPart === 'body' ? strict(route) : coercing(route);
  };
}
