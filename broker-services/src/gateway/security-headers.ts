/**
 * Security headers on every answer (`/api/*`, `/admin/`, `/docs`), set by @fastify/helmet. The policy is the
 * narrowest the admin console and Swagger UI run under: their scripts are all files of this origin; styles may
 * be inline because Ant Design and Swagger UI insert them at run time. Nothing may frame a page of ours.
 */
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** One year: the value browsers' preload lists ask for. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600;

export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Sent only on answers that came over TLS (below): over plain HTTP it means nothing and would pin a
    // development host to HTTPS.
    strictTransportSecurity: false,
  });
  // req.protocol reads X-Forwarded-Proto only from a trusted proxy (TRUST_PROXY), so a client cannot ask for it.
  app.addHook('onRequest', (req, reply, done) => {
    if (req.protocol === 'https')
      reply.header('strict-transport-security', `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`);
    done();
  });
}
