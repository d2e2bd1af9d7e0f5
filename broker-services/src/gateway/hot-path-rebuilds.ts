/**
 * Campaigns this gateway found live in PostgreSQL but missing from the hot path (Redis came back empty or
 * behind): they answer 503 with Retry-After and keep `/readyz` at 503 until their state is back.
 */
import type { HotPathStore } from '@tuanmiao/hot-path';

/** The campaigns seen missing from the hot path, until it holds them again. */
export class HotPathRebuilds {
  readonly #missing = new Set<string>();
  readonly #store: HotPathStore;

  constructor(store: HotPathStore) {
    this.#store = store;
  }

  /** A reservation found the campaign's state missing. */
  missing(campaignId: string): void {
    this.#missing.add(campaignId);
  }

  /** A reservation found the campaign's state present. */
  present(campaignId: string): void {
    if (this.#missing.size > 0) this.#missing.delete(campaignId);
  }

  /** Asks the hot path again; the campaigns still missing. */
  async stillMissing(): Promise<string[]> {
    for (const id of [...this.#missing]) {
      if (await this.#store.hasCampaignState(id)) this.#missing.delete(id);
    }
    return [...this.#missing];
  }
}
