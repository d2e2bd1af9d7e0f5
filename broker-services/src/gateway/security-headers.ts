/**
 * Security headers on every answer (`/api/*`, `/admin/`, `/docs`), as helmet computes them. The policy is the
 * narrowest the admin console and Swagger UI run under: their scripts are all files of this origin; styles may
 * be inline because Ant Design and Swagger UI insert them at run time. Nothing may frame a page of ours.
 *
 * helmet is run once, at start-up, and the headers it set are replayed on each request: the policy has no nonce
 * and no directive computed per request, so its answer is the same every time. `@fastify/helmet` built a new
 * helmet (its options parsed again, the CSP directives dashified and checked) in two hooks on every request, a
 * tenth of the reservation route's CPU at the bench's peak.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/** One year: the value browsers' preload lists ask for. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600;
const HSTS = `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`;

const policy = helmet({
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

/** The headers a helmet middleware sets on an answer (names in lower case, as HTTP/2 sends them). */
export function headersSetBy(middleware: typeof policy): ReadonlyArray<readonly [string, string]> {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  middleware(res.req, res, (err?: unknown) => {
    if (err) throw err;
  });
  return res.getHeaderNames().map((name) => [name, String(res.getHeader(name))] as const);
}

export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  const headers = headersSetBy(policy);
  // On the raw answer in onRequest, as helmet did: every answer that reaches a route or the not-found handler
  // has them, whatever later hook or handler ends it (401, 429, 400, 404), and a route's own value wins.
  app.addHook('onRequest', (req, reply, done) => {
    const res = reply.raw;
    for (const [name, value] of headers) res.setHeader(name, value);
    // req.protocol reads X-Forwarded-Proto only from a trusted proxy (TRUST_PROXY), so a client cannot ask for it.
    if (req.protocol === 'https') reply.header('strict-transport-security', HSTS);
    done();
  });
}
