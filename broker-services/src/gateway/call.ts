/** One broker call on behalf of the request's verified caller. */
import type { FastifyRequest } from 'fastify';
import type { ServiceBroker } from 'moleculer';
import { type ActionName, call, type ParamsOf, type ResultOf } from '../broker/bus.ts';

/** Calls an action of the bus registry as the request's caller: its params and result are the action's contract. */
export function callAs<A extends ActionName>(
  broker: ServiceBroker,
  req: FastifyRequest,
  action: A,
  params: ParamsOf<A>,
): Promise<ResultOf<A>> {
  return call(broker, action, params, { meta: req.caller ?? { requestId: req.id, ip: req.ip } });
}

/** Standard error responses of a route, for the OpenAPI document. */
export function errors(...statuses: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: 'ErrorBody#' }]));
}
