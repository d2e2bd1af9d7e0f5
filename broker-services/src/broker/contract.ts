/**
 * What a service promises on the bus: each action's params and result, each event's payload, all TypeBox
 * schemas. A module declares its contract in `modules/<area>/contract.ts` with `defineContract`, and
 * `./registry.ts` lists every module's contract; `./bus.ts` types calls, events and services from the registry.
 */
import Type, { type TLiteral, type TObject, type TProperties, type TSchema } from 'typebox';

/** One action: the schema its params are validated against, and the schema of what it answers. */
export interface ActionContract<P extends TSchema = TSchema, R extends TSchema = TSchema> {
  readonly params: P;
  readonly result: R;
}

/** One event: its payload schema, which carries a literal `version` (a changed payload is a new version). */
export interface EventContract<V extends number = number, P extends TSchema = TSchema> {
  readonly version: V;
  readonly payload: P;
}

export interface ServiceContract<
  N extends string = string,
  A extends Record<string, ActionContract> = Record<string, ActionContract>,
  E extends Record<string, EventContract> = Record<string, EventContract>,
> {
  readonly name: N;
  readonly actions: A;
  /** The events this service emits (another service may subscribe to them). */
  readonly events: E;
}

/** Declares a service's contract: its name, its actions and the events it emits. */
export function defineContract<
  N extends string,
  A extends Record<string, ActionContract>,
  E extends Record<string, EventContract>,
>(contract: ServiceContract<N, A, E>): ServiceContract<N, A, E> {
  return contract;
}

/** Declares an event's payload with its version (the payload schema gets `version: <v>` added). */
export function defineEvent<V extends number, P extends TProperties>(
  version: V,
  properties: P,
): EventContract<V, TObject<P & { version: TLiteral<V> }>> {
  return { version, payload: Type.Object({ ...properties, version: Type.Literal(version) }) };
}
