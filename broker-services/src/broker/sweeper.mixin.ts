/**
 * A sweeper: calls one of the service's own actions at a fixed interval while the service runs (order expiry,
 * group expiry, refunds). Every sweep is idempotent and guarded in SQL, so any number of processes may run the
 * same sweeper; a failed sweep is logged and the next one tries again.
 */
import type { ServiceBroker, ServiceSchema } from 'moleculer';
import type { Logger } from 'pino';
import { type ActionName, call, type ParamsOf } from './bus.ts';

/** Actions a sweeper may call: those that take no params. */
export type SweepAction = {
  [A in ActionName]: Record<string, never> extends ParamsOf<A> ? A : never;
}[ActionName];

export interface SweeperOptions {
  /** The action to call, e.g. `orders.expireDue`. */
  action: SweepAction;
  /** Pause between the end of one sweep and the start of the next. */
  intervalMs: number;
  log: Logger;
}

export function sweeperMixin(opts: SweeperOptions): Partial<ServiceSchema> {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  return {
    started(this: { broker: ServiceBroker }) {
      running = true;
      const tick = async () => {
        try {
          await call(this.broker, opts.action, {});
        } catch (err) {
          opts.log.error({ err, action: opts.action }, 'sweep failed');
        }
        if (!running) return;
        timer = setTimeout(tick, opts.intervalMs);
        timer.unref();
      };
      timer = setTimeout(tick, opts.intervalMs);
      timer.unref();
    },
    stopped() {
      running = false;
      if (timer) clearTimeout(timer);
    },
  };
}
