/**
 * Moleculer validates action params with the same TypeBox schemas that the gateway's routes use: one schema
 * source, two edges. A failure is Moleculer's ValidationError, which the gateway maps to VALIDATION_FAILED.
 */
import { Errors, Validators } from 'moleculer';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

type Checker = ((params: unknown) => true | { type: string; field: string; message: string }[]) & {
  async?: boolean;
};

export class TypeBoxValidator extends Validators.Base {
  override compile(schema: Record<string, unknown>): Checker {
    const compiled = Compile(schema as TSchema);
    return (params: unknown) => {
      if (compiled.Check(params)) return true;
      return [...compiled.Errors(params)].slice(0, 10).map((e) => ({
        type: e.keyword,
        field: e.instancePath || '/',
        message: e.message,
      }));
    };
  }

  override validate(params: Record<string, unknown>, schema: Record<string, unknown>): boolean {
    const res = this.compile(schema)(params);
    if (res === true) return true;
    throw new Errors.ValidationError('Parameters validation error!', 'VALIDATION_FAILED', res);
  }

  override convertSchemaToMoleculer(schema: Record<string, unknown>): Record<string, unknown> {
    return schema;
  }
}
