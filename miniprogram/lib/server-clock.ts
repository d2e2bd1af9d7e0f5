/**
 * Server time for countdowns. The phone's clock may be minutes off (or set by hand to beat a flash sale), so
 * every countdown reads `serverClock.now()`: the local clock plus an offset measured against `GET /api/time`,
 * taking the middle of the round trip as the moment the server read its clock.
 */
export class ServerClock {
  #offsetMs = 0;
  #synced = false;
  #localNow: () => number;

  constructor(localNow: () => number = Date.now) {
    this.#localNow = localNow;
  }

  /** Measures the offset with one round trip to `fetchServerNow` (an ISO 8601 string). */
  async sync(fetchServerNow: () => Promise<string>): Promise<number> {
    const sentAt = this.#localNow();
    const serverIso = await fetchServerNow();
    const receivedAt = this.#localNow();
    const serverMs = Date.parse(serverIso);
    if (Number.isNaN(serverMs)) throw new Error(`server time is not ISO 8601: ${serverIso}`);
    this.#offsetMs = serverMs - Math.round((sentAt + receivedAt) / 2);
    this.#synced = true;
    return this.#offsetMs;
  }

  /** Server time in epoch milliseconds. */
  now(): number {
    return this.#localNow() + this.#offsetMs;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  get synced(): boolean {
    return this.#synced;
  }
}

/** The clock every page and component shares. */
export const serverClock = new ServerClock();
