/**
 * Moleculer validates action params with the same TypeBox schemas that the gateway's routes use: one schema
 * source, two edges. A failure is Moleculer's ValidationError, which the gateway maps to VALIDATION_FAILED.
 */
import { Errors, Validators } from 'moleculer';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { findIllFormedText, ILL_FORMED_TEXT_MESSAGE } from '../schemas/common.ts';

type Problem = { type: string; field: string; message: string };
// Moleculer's typings say a checker answers a boolean; at run time its middleware takes `true` or the problems.
type Checker = ((params: unknown) => boolean) & { async?: boolean };

export class TypeBoxValidator extends Validators.Base {
  override compile(schema: Record<string, unknown>): Checker {
    const compiled = Compile(schema as TSchema);
    const check = (params: unknown): true | Problem[] => {
      if (compiled.Check(params)) {
        const bad = findIllFormedText(params);
        return bad === undefined ? true : [{ type: 'text', field: bad, message: ILL_FORMED_TEXT_MESSAGE }];
      }
      return [...compiled.Errors(params)].slice(0, 10).map((e) => ({
        type: e.keyword,
        field: e.instancePath || '/',
        message: e.message,
      }));
    };
    return check as unknown as Checker;
  }

  override validate(params: Record<string, unknown>, schema: Record<string, unknown>): boolean {
    const res = (this.compile(schema) as unknown as (p: unknown) => true | Problem[])(params);
    if (res === true) return true;
    throw new Errors.ValidationError('Parameters validation error!', 'VALIDATION_FAILED', res);
  }

  override convertSchemaToMoleculer(schema: Record<string, unknown>): Record<string, unknown> {
    return schema;
  }
}
