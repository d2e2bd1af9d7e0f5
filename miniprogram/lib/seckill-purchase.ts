/**
 * The seckill buy button's flow: reserve (one requestId per tap, queueing through the waiting room when it
 * is on), then "settling" — polling the reservation until the hot path's settlement has written its order.
 */
import type { Reservation } from '../services/api-types';
import { ApiError, toApiError } from '../services/request';
import { dispatchReservation } from '../services/seckill/dispatchReservation';
import { fetchReservation } from '../services/seckill/fetchReservation';
import { sleepMs, TapCommand, type TapState } from './tap-command';

export type PurchaseState =
  | TapState
  | { kind: 'settling'; reservationId: string }
  | { kind: 'ordered'; reservationId: string; orderId: string };

export interface SeckillPurchaseOptions {
  campaignId: string;
  quantity?: number;
  onState?: (state: PurchaseState) => void;
  pollIntervalMs?: number;
  maxPolls?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Reservation statuses after which no order will come. */
const DEAD_RESERVATION = new Set(['released', 'expired', 'cancelled', 'failed']);

export class SeckillPurchase {
  #campaignId: string;
  #quantity: number;
  #onState: (state: PurchaseState) => void;
  #pollIntervalMs: number;
  #maxPolls: number;
  #sleep: (ms: number) => Promise<void>;
  #tap: TapCommand;
  #cancelled = false;

  constructor(options: SeckillPurchaseOptions) {
    this.#campaignId = options.campaignId;
    this.#quantity = options.quantity ?? 1;
    this.#onState = options.onState ?? (() => {});
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#maxPolls = options.maxPolls ?? 60;
    this.#sleep = options.sleep ?? sleepMs;
    this.#tap = new TapCommand({
      campaignId: options.campaignId,
      requestIdPrefix: 'sk',
      onState: (state) => this.#onState(state),
      sleep: this.#sleep,
    });
  }

  /** The requestId the next resend would carry (null once the last tap was answered). */
  get requestId(): string | null {
    return this.#tap.requestId;
  }

  cancel(): void {
    this.#cancelled = true;
    this.#tap.cancel();
  }

  /** One tap of the buy button; resolves with the order id once the reservation has settled. */
  async buy(): Promise<string> {
    this.#cancelled = false;
    const reservation = await this.#tap.run(({ requestId, admissionToken }) =>
      dispatchReservation({
        campaignId: this.#campaignId,
        quantity: this.#quantity,
        requestId,
        ...(admissionToken ? { admissionToken } : {}),
      }),
    );
    return this.#settle(reservation);
  }

  async #settle(first: Reservation): Promise<string> {
    let reservation = first;
    for (let poll = 0; ; poll++) {
      if (reservation.orderId) {
        this.#onState({ kind: 'ordered', reservationId: reservation.id, orderId: reservation.orderId });
        return reservation.orderId;
      }
      if (DEAD_RESERVATION.has(reservation.status)) return this.#fail('RESERVATION_RELEASED');
      if (poll >= this.#maxPolls) return this.#fail('SETTLING_SLOW');
      if (this.#cancelled) return this.#fail('CANCELLED');
      this.#onState({ kind: 'settling', reservationId: reservation.id });
      await this.#sleep(this.#pollIntervalMs);
      try {
        reservation = await fetchReservation(reservation.id);
      } catch (thrown) {
        const err = toApiError(thrown);
        // A lost poll changes nothing on the server; only a refusal ends the wait.
        if (!err.retryable) {
          this.#onState({ kind: 'failed', code: err.code, message: err.message, retryable: false });
          throw err;
        }
      }
    }
  }

  #fail(code: string): never {
    const err = new ApiError({ code, status: 0 });
    this.#onState({ kind: 'failed', code, message: err.message, retryable: false });
    throw err;
  }
}
