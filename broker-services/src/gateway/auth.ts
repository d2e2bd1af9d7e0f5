/** Token verification for shopper and admin routes; the role check of each admin route is declared with it. */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ServiceBroker } from 'moleculer';
import type { CallerMeta } from '../broker/action.ts';
import { AppError } from '../errors.ts';
import type { AdminRole, AdminView } from '../modules/admin/schemas.ts';

export interface TokenClaims {
  sub: string;
  kind: 'shopper' | 'admin';
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

/**
 * The app's verifier, called directly: `req.jwtVerify()` decoded every token a second time and rebuilt its
 * verifier options on each request, a tenth of the reservation route's CPU.
 */
function verify(req: FastifyRequest): TokenClaims {
  const header = req.headers.authorization;
  if (!header) throw new AppError('UNAUTHORIZED', 'Missing bearer token');
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (!token) throw new AppError('UNAUTHORIZED', 'The token is invalid or expired');
  try {
    return req.server.jwt.verify<TokenClaims>(token);
  } catch {
    throw new AppError('UNAUTHORIZED', 'The token is invalid or expired');
  }
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
      admin = (await broker.call('admin.get', { id: claims.sub })) as AdminView;
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
