/**
 * The shopper's membership level code for the reservation routes, from a short-lived cache in this process: a
 * campaign with level benefits needs the level with every reservation, and a bus call per reservation would cost
 * the hot path the hop it exists to avoid. A level is asked of the membership module once per shopper and
 * `ttlMs`; an older answer is still used while one refresh runs behind it, and kept when the bus fails.
 */
import type { ServiceBroker } from 'moleculer';
import { call } from '../broker/bus.ts';

/** How long a shopper's level is used before it is asked again (a raise shows within this long). */
export const LEVEL_CACHE_MS = 30_000;
/** An answer older than this is not used while the membership module answers (only when it does not). */
const LEVEL_STALE_MS = 10 * LEVEL_CACHE_MS;
const MAX_ENTRIES = 200_000;

export interface ShopperLevels {
  /**
   * The shopper's level code: synchronous on a fresh hit, else a promise. Undefined when the membership module
   * cannot say and nothing is known: the shopper then gets the campaign's own terms (never more than theirs).
   */
  of(userId: string): string | undefined | Promise<string | undefined>;
}

export function shopperLevels(broker: ServiceBroker, now: () => number = Date.now): ShopperLevels {
  const cache = new Map<string, { at: number; code: string }>();
  const inFlight = new Map<string, Promise<string | undefined>>();

  function ask(userId: string): Promise<string | undefined> {
    const running = inFlight.get(userId);
    if (running) return running;
    const fetched = (async () => {
      try {
        const { code } = await call(broker, 'membership.levelOf', { userId });
        if (cache.size >= MAX_ENTRIES) cache.clear();
        cache.set(userId, { at: now(), code });
        return code;
      } catch {
        return cache.get(userId)?.code;
      } finally {
        inFlight.delete(userId);
      }
    })();
    inFlight.set(userId, fetched);
    return fetched;
  }

  return {
    of(userId) {
      const hit = cache.get(userId);
      if (hit) {
        const age = now() - hit.at;
        if (age < LEVEL_CACHE_MS) return hit.code;
        if (age < LEVEL_STALE_MS) {
          ask(userId).catch(() => {});
          return hit.code;
        }
      }
      return ask(userId);
    },
  };
}
