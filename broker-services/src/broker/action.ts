/** Typed action definitions: the params schema gives the handler's parameter type. */
import type { ActionSchema, Context } from 'moleculer';
import type { Static, TSchema } from 'typebox';
import type { AdminRole } from '../modules/admin/schemas.ts';

/** Who is calling, set by the gateway from a verified token; never taken from the request body. */
export interface CallerMeta {
  user?: { id: string };
  admin?: { id: string; username: string; role: AdminRole };
  requestId?: string;
  ip?: string;
}

export type ActionContext<P> = Context<P, CallerMeta>;

export interface TypedAction<S extends TSchema, R> {
  params: S;
  visibility?: 'published' | 'public' | 'protected';
  handler(ctx: ActionContext<Static<S>>): Promise<R>;
}

/** Declares an action with its params schema and typed handler. */
export function defineAction<S extends TSchema, R>(
  params: S,
  handler: (ctx: ActionContext<Static<S>>) => Promise<R>,
): ActionSchema {
  const action: TypedAction<S, R> = { params, handler };
  // Moleculer types params as fastest-validator rules; ours are TypeBox schemas read by TypeBoxValidator.
  return action as unknown as ActionSchema;
}
