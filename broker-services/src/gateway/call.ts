/** One broker call on behalf of the request's verified caller. */
import type { FastifyRequest } from 'fastify';
import type { ServiceBroker } from 'moleculer';

export function callAs<R>(
  broker: ServiceBroker,
  req: FastifyRequest,
  action: string,
  params: object,
): Promise<R> {
  return broker.call(action, params, { meta: req.caller ?? { requestId: req.id, ip: req.ip } }) as Promise<R>;
}

/** Standard error responses of a route, for the OpenAPI document. */
export function errors(...statuses: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: 'ErrorBody#' }]));
}
