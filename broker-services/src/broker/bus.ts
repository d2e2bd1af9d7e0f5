/**
 * The typed bus. Every action and event is declared once, in its module's `contract.ts` (TypeBox schemas),
 * and listed in `./registry.ts`; from there:
 * - `call(brokerOrCtx, 'orders.get', { id })` takes that action's params and answers its result type;
 * - `emit(ctx, 'group.failed', { version: 1, ... })` takes that event's versioned payload;
 * - `defineService(contract, { actions, events })` builds the Moleculer schema: each action gets its params
 *   schema from the contract (validated by ./validator.ts) and its handler must take those params and answer
 *   that result; each event handler gets its payload type (and the payload is validated on arrival).
 * Nothing outside this folder casts a bus answer.
 */
import type {
  ActionParams,
  ActionSchema,
  CallingOptions,
  Context,
  EventSchema,
  ServiceBroker,
  ServiceSchema,
} from 'moleculer';
import type { Static, TSchema } from 'typebox';
import type { ActionContext, CallerMeta } from './action.ts';
import type { ActionContract, EventContract, ServiceContract } from './contract.ts';
import {
  type ActionName,
  type EventName,
  type EventPayload,
  findEventContract,
  type ParamsOf,
  type ResultOf,
} from './registry.ts';

export type { ActionName, EventName, EventPayload, ParamsOf, ResultOf } from './registry.ts';

/** Whatever can reach the bus: the broker (start-up, gateway) or an action's or event's context. */
export type BusEndpoint = ServiceBroker | Context<unknown, CallerMeta>;

/** The one signature both the broker's and a context's `call` and `emit` have. */
interface BusPort {
  call<R, P>(action: string, params: P, opts?: CallingOptions): Promise<R>;
  emit<D>(event: string, payload: D): Promise<void>;
}

/** Calls an action of the registry: params and result are the action's contract. */
export function call<A extends ActionName>(
  via: BusEndpoint,
  action: A,
  params: ParamsOf<A>,
  opts?: CallingOptions,
): Promise<ResultOf<A>> {
  const port: BusPort = via;
  return port.call<ResultOf<A>, ParamsOf<A>>(action, params, opts);
}

/** Emits an event of the registry with its versioned payload (balanced: one subscriber per group). */
export function emit<E extends EventName>(
  via: BusEndpoint,
  event: E,
  payload: EventPayload<E>,
): Promise<void> {
  const port: BusPort = via;
  return port.emit(event, payload);
}

/** The context an event handler gets: the payload, typed, and the bus (to call and emit on). */
export type EventContext<E extends EventName> = Context<EventPayload<E>, CallerMeta>;

type ActionHandlerOf<C extends ActionContract> = (
  ctx: ActionContext<Static<C['params']>>,
) => Promise<Static<C['result']>>;

/** A handler for each action of the contract, no more and no fewer. */
export type ContractActions<C extends ServiceContract> = {
  [K in keyof C['actions']]: ActionHandlerOf<C['actions'][K]>;
};
/** Handlers of events of the registry, by event name. */
export type ContractEvents = { [E in EventName]?: (ctx: EventContext<E>) => Promise<void> };

export interface ServiceDefinition<C extends ServiceContract> {
  /** Shared behaviour (the sweeper), as Moleculer mixins. */
  mixins?: Partial<ServiceSchema>[];
  actions: ContractActions<C>;
  events?: ContractEvents;
  started?: () => Promise<void>;
  stopped?: () => Promise<void>;
}

/** Moleculer types `params` as fastest-validator rules; ours are TypeBox schemas, which ./validator.ts reads. */
function validatorParams(schema: TSchema): ActionParams {
  return schema as ActionParams;
}

/**
 * Builds a service from its contract: name and action params come from the contract, handlers from `def`,
 * checked against the contract by the compiler.
 */
export function defineService<C extends ServiceContract>(
  contract: C,
  def: ServiceDefinition<C>,
): ServiceSchema {
  const handlers: Record<string, ActionSchema['handler']> = def.actions;
  const actions: Record<string, ActionSchema> = {};
  for (const [name, action] of Object.entries(contract.actions)) {
    const handler = handlers[name];
    if (!handler) throw new Error(`${contract.name}.${name} has no handler`);
    actions[name] = { params: validatorParams(action.params), handler };
  }
  const eventHandlers: Record<string, EventSchema['handler']> = def.events ?? {};
  const events: Record<string, EventSchema> = {};
  for (const [name, handler] of Object.entries(eventHandlers)) {
    const event: EventContract | undefined = findEventContract(name);
    if (!event) throw new Error(`${contract.name} subscribes to ${name}, which no contract declares`);
    events[name] = { params: validatorParams(event.payload), handler };
  }
  return {
    name: contract.name,
    ...(def.mixins ? { mixins: def.mixins } : {}),
    actions,
    events,
    ...(def.started ? { started: def.started } : {}),
    ...(def.stopped ? { stopped: def.stopped } : {}),
  };
}
