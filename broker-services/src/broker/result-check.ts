/**
 * Tests only (the in-process layer turns it on): every local action's answer is checked against its contract's
 * result schema, so a contract that drifts from what its handler really answers (a count read back from
 * PostgreSQL as a string, a Date where the schema says an ISO string) fails the test that reached it, instead of
 * typing a lie. Production does not pay for the check: the compiler already holds handlers to their contracts.
 */
import type { ActionHandler, ActionSchema, Context, Middleware, Service } from 'moleculer';
import { Compile } from 'typebox/compile';
import { AppError } from '../errors.ts';
import { findActionContract } from './registry.ts';

export function contractResultCheck(): Middleware {
  return {
    name: 'ContractResultCheck',
    localAction(handler: ActionHandler, action: ActionSchema): ActionHandler {
      const contract = action.name ? findActionContract(action.name) : undefined;
      if (!contract) return handler;
      const result = Compile(contract.result);
      return async function checked(this: Service, ctx: Context) {
        const answer = await handler.call(this, ctx);
        if (!result.Check(answer)) {
          const problems = [...result.Errors(answer)]
            .slice(0, 5)
            .map((e) => `${e.instancePath || '/'} ${e.message}`);
          throw new AppError(
            'INTERNAL',
            `${action.name} answered outside its contract: ${problems.join('; ')}`,
          );
        }
        return answer;
      };
    },
  };
}
