/** Who calls an action, and the context its handler gets (see ./bus.ts for the typed bus). */
import type { Context } from 'moleculer';
import type { AdminRole } from '../modules/admin/schemas.ts';

/** Who is calling, set by the gateway from a verified token; never taken from the request body. */
export interface CallerMeta {
  user?: { id: string };
  admin?: { id: string; username: string; role: AdminRole };
  requestId?: string;
  ip?: string;
}

export type ActionContext<P> = Context<P, CallerMeta>;
