/**
 * The bus registry: every service's contract, by service name. A new module adds its `contract.ts` here (one
 * line); from then on `call`, `emit`, event handlers and `defineService` know its actions and events.
 */
import type { Static } from 'typebox';
import { addressesContract } from '../modules/addresses/contract.ts';
import { adminContract } from '../modules/admin/contract.ts';
import { campaignsContract } from '../modules/campaigns/contract.ts';
import { cartContract } from '../modules/cart/contract.ts';
import { catalogContract } from '../modules/catalog/contract.ts';
import { couponsContract } from '../modules/coupons/contract.ts';
import { fulfilmentContract } from '../modules/fulfilment/contract.ts';
import { groupsContract } from '../modules/groups/contract.ts';
import { membershipContract } from '../modules/membership/contract.ts';
import { ordersContract } from '../modules/orders/contract.ts';
import { paymentsContract } from '../modules/payments/contract.ts';
import { pointsContract } from '../modules/points/contract.ts';
import { usersContract } from '../modules/users/contract.ts';
import type { ActionContract, EventContract, ServiceContract } from './contract.ts';

export const busContracts = {
  addresses: addressesContract,
  admin: adminContract,
  campaigns: campaignsContract,
  cart: cartContract,
  catalog: catalogContract,
  coupons: couponsContract,
  fulfilment: fulfilmentContract,
  groups: groupsContract,
  membership: membershipContract,
  orders: ordersContract,
  payments: paymentsContract,
  points: pointsContract,
  users: usersContract,
} satisfies { [N in string]: ServiceContract<N> };

type Contracts = typeof busContracts;
type ServiceName = keyof Contracts & string;

/** Every action on the bus, `<service>.<action>`. */
export type ActionName = {
  [S in ServiceName]: `${S}.${keyof Contracts[S]['actions'] & string}`;
}[ServiceName];

/** The contract of one action. */
export type ActionContractOf<A extends ActionName> = A extends `${infer S extends ServiceName}.${infer K}`
  ? K extends keyof Contracts[S]['actions']
    ? Contracts[S]['actions'][K]
    : never
  : never;
/** What the action takes (its params schema, as a type). */
export type ParamsOf<A extends ActionName> = Static<ActionContractOf<A>['params']>;
/** What the action answers (its result schema, as a type). */
export type ResultOf<A extends ActionName> = Static<ActionContractOf<A>['result']>;

/** Every event on the bus. */
export type EventName = { [S in ServiceName]: keyof Contracts[S]['events'] & string }[ServiceName];
/** The contract of one event, from the service that emits it. */
export type EventContractOf<E extends EventName> = {
  [S in ServiceName]: E extends keyof Contracts[S]['events'] ? Contracts[S]['events'][E] : never;
}[ServiceName];
/** An event's payload (its `version` included). */
export type EventPayload<E extends EventName> = Static<EventContractOf<E>['payload']>;

const actionIndex = new Map<string, ActionContract>();
const eventIndex = new Map<string, EventContract>();
const all: ServiceContract[] = Object.values(busContracts);
for (const contract of all) {
  for (const [name, action] of Object.entries(contract.actions))
    actionIndex.set(`${contract.name}.${name}`, action);
  for (const [name, event] of Object.entries(contract.events)) {
    if (eventIndex.has(name)) throw new Error(`Event ${name} is declared by two services`);
    eventIndex.set(name, event);
  }
}

/** The contract of an action by its full name, or undefined for a name outside the registry. */
export function findActionContract(name: string): ActionContract | undefined {
  return actionIndex.get(name);
}
/** The contract of an event by its name, or undefined for a name outside the registry. */
export function findEventContract(name: string): EventContract | undefined {
  return eventIndex.get(name);
}
