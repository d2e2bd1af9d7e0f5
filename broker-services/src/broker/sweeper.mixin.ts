/**
 * A sweeper: calls one of the service's own actions at a fixed interval while the service runs (order expiry,
 * group expiry, refunds). Every sweep is idempotent and guarded in SQL, so any number of processes may run the
 * same sweeper; a failed sweep is logged and the next one tries again. Stopping waits for a sweep in flight, so
 * the database and the bus close under no query of it.
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

/** How long stopping waits for a sweep in flight. */
export const STOP_WAIT_MS = 15_000;

export function sweeperMixin(opts: SweeperOptions): Partial<ServiceSchema> {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let inFlight: Promise<void> | undefined;
  return {
    started(this: { broker: ServiceBroker }) {
      running = true;
      const sweep = async () => {
        try {
          await call(this.broker, opts.action, {});
        } catch (err) {
          opts.log.error({ err, action: opts.action }, 'sweep failed');
        }
      };
      const tick = async () => {
        inFlight = sweep();
        await inFlight;
        inFlight = undefined;
        if (!running) return;
        timer = setTimeout(tick, opts.intervalMs);
        timer.unref();
      };
      timer = setTimeout(tick, opts.intervalMs);
      timer.unref();
    },
    async stopped() {
      running = false;
      if (timer) clearTimeout(timer);
      if (!inFlight) return;
      // A sweep stuck on a lock must not hold the process up for ever: after the bound, stop anyway (its
      // transaction rolls back when the connection closes; the next process's sweep does the work).
      let bound: NodeJS.Timeout | undefined;
      const waited = await Promise.race([
        inFlight.then(() => true),
        new Promise<false>((resolve) => {
          bound = setTimeout(() => resolve(false), STOP_WAIT_MS);
        }),
      ]);
      clearTimeout(bound);
      if (!waited) opts.log.warn({ action: opts.action }, 'stopping with a sweep still in flight');
    },
  };
}
