import type { Context, Middleware, Service } from 'moleculer';
import { brokerActionCallsTotal, brokerActionDuration } from './metrics.ts';

/** How a local action call ended: `refused` is a business 4xx error (sold out, over the limit), not a fault. */
export type ActionOutcome = 'ok' | 'refused' | 'error';

/** A 4xx-coded error (MoleculerClientError and our domain errors) is a refusal the caller can act on. */
export function classifyActionError(err: unknown): Exclude<ActionOutcome, 'ok'> {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'number' && code >= 400 && code < 500) return 'refused';
  }
  return 'error';
}

/**
 * Moleculer middleware counting and timing every local action call into `tm_broker_action_*`. Use it instead
 * of Moleculer's built-in metrics, which cost two thirds of throughput: here the label children are bound once
 * per action when the handler is wrapped, and a call costs two clock reads and two increments.
 */
export function createBrokerMetricsMiddleware(): Middleware {
  return {
    name: 'TmBrokerMetrics',
    localAction(next, action) {
      const name = action.name ?? 'unknown';
      const ok = brokerActionCallsTotal.labels({ action: name, outcome: 'ok' });
      const refused = brokerActionCallsTotal.labels({ action: name, outcome: 'refused' });
      const failed = brokerActionCallsTotal.labels({ action: name, outcome: 'error' });
      const duration = brokerActionDuration.labels({ action: name });

      const settle = (start: number, err: unknown, isError: boolean): void => {
        duration.observe((performance.now() - start) / 1000);
        if (!isError) ok.inc();
        else if (classifyActionError(err) === 'refused') refused.inc();
        else failed.inc();
      };

      return function meteredAction(this: Service, ctx: Context) {
        const start = performance.now();
        let result: unknown;
        try {
          result = next.call(this, ctx);
        } catch (err) {
          settle(start, err, true);
          throw err;
        }
        if (result instanceof Promise) {
          return result.then(
            (value: unknown) => {
              settle(start, undefined, false);
              return value;
            },
            (err: unknown) => {
              settle(start, err, true);
              throw err;
            },
          );
        }
        settle(start, undefined, false);
        return result;
      };
    },
  };
}
