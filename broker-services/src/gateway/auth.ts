/** Token verification for shopper and admin routes; the role check of each admin route is declared with it. */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ServiceBroker } from 'moleculer';
import type { CallerMeta } from '../broker/action.ts';
import { call } from '../broker/bus.ts';
import { AppError } from '../errors.ts';
import type { AdminRole, AdminView } from '../modules/admin/schemas.ts';

export interface TokenClaims {
  sub: string;
  kind: 'shopper' | 'admin';
  /** Admin tokens: the admin's password version when issued (absent on tokens from before it, read as 0). */
  pwv?: number;
  /** Expiry, seconds since the epoch (every token we sign has one). */
  exp?: number;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: CallerMeta;
  }
}

/** Tokens kept verified per gateway; a full cache starts again (a sale's shoppers sign in again within it). */
const VERIFIED_TOKENS_MAX = 20_000;

/**
 * Verified tokens by the whole Authorization header, per app (its JWT decorator, so per secret). Shoppers send
 * the same token many times a second during a sale, and HMAC + decode was the route's largest cost. A Map's key
 * is the exact string, so two different tokens can never share an entry (the collision fast-jwt warns about with
 * a custom cache key), and no digest is computed: fast-jwt's default key, a SHA-256 of the token, was 5% of the
 * gateway's CPU. Keyed by the header rather than the token, a hit needs no parse of it either. The expiry is
 * checked on every hit.
 */
const verifiedTokens = new WeakMap<object, Map<string, TokenClaims>>();

/**
 * The app's verifier, called directly: `req.jwtVerify()` decoded every token a second time and rebuilt its
 * verifier options on each request, a tenth of the reservation route's CPU.
 */
function verify(req: FastifyRequest): TokenClaims {
  const header = req.headers.authorization;
  if (!header) throw new AppError('UNAUTHORIZED', 'Missing bearer token');
  const jwt = req.server.jwt;
  let cache = verifiedTokens.get(jwt);
  if (!cache) {
    cache = new Map();
    verifiedTokens.set(jwt, cache);
  }
  // Only headers that held a well-formed bearer token and verified are ever stored.
  const hit = cache.get(header);
  if (hit?.exp !== undefined && hit.exp * 1000 > Date.now()) return hit;
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (!token) throw new AppError('UNAUTHORIZED', 'The token is invalid or expired');
  let claims: TokenClaims;
  try {
    claims = jwt.verify<TokenClaims>(token);
  } catch {
    if (hit) cache.delete(header);
    throw new AppError('UNAUTHORIZED', 'The token is invalid or expired');
  }
  if (claims.exp !== undefined) {
    if (cache.size >= VERIFIED_TOKENS_MAX) cache.clear();
    cache.set(header, claims);
  }
  return claims;
}

/**
 * preHandler for shopper routes: a valid shopper token; an admin token here is FORBIDDEN. Callback style, as all
 * of it is synchronous: an async hook cost every reservation a promise and a microtask turn for nothing.
 */
export function requireShopper(
  req: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  let claims: TokenClaims;
  try {
    claims = verify(req);
  } catch (err) {
    done(err as Error);
    return;
  }
  if (claims.kind !== 'shopper') {
    done(new AppError('FORBIDDEN', 'Shopper routes take a shopper token'));
    return;
  }
  req.caller = { user: { id: claims.sub }, requestId: req.id, ip: req.ip };
  done();
}

/** preHandler factory for admin routes: a valid admin token of an enabled admin whose role is allowed. */
export function requireAdmin(broker: ServiceBroker, roles: readonly AdminRole[]) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const claims = verify(req);
    if (claims.kind !== 'admin') throw new AppError('FORBIDDEN', 'Admin routes take an admin token');
    let admin: AdminView;
    try {
      admin = await call(broker, 'admin.session', { id: claims.sub, passwordVersion: claims.pwv ?? 0 });
    } catch (err) {
      if ((err as { type?: string }).type === 'NOT_FOUND')
        throw new AppError('UNAUTHORIZED', 'Unknown admin');
      throw err;
    }
    if (admin.disabled) throw new AppError('UNAUTHORIZED', 'This admin is disabled');
    if (!roles.includes(admin.role))
      throw new AppError('FORBIDDEN', `The ${admin.role} role may not do this`);
    req.caller = {
      admin: { id: admin.id, username: admin.username, role: admin.role },
      requestId: req.id,
      ip: req.ip,
    };
  };
}

export const READ_ROLES: readonly AdminRole[] = ['owner', 'operator', 'viewer'];
export const WRITE_ROLES: readonly AdminRole[] = ['owner', 'operator'];
export const OWNER_ONLY: readonly AdminRole[] = ['owner'];
