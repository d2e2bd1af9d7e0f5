/**
 * One shopper tap on a write that must not happen twice (reserve, open or join a group). The tap's
 * `requestId` is made once and reused by every retry of it, automatic (no answer, server fault) or by hand
 * (the shopper taps "重试" after a network error), so the gateway answers retries with the first result.
 * Only a definitive answer (success, or a business refusal such as SOLD_OUT) lets the next tap make a new id.
 * A campaign with its waiting room on answers ADMISSION_REQUIRED: the tap then queues for an admission token
 * and sends again with it, still under the same requestId.
 */
import type { Admission } from '../services/api-types';
import { dispatchAdmission } from '../services/campaign/dispatchAdmission';
import { ApiError, toApiError } from '../services/request';
import { newRequestId } from './request-id';

export type TapState =
  | { kind: 'idle' }
  | { kind: 'submitting'; attempt: number }
  | { kind: 'queued'; queuePosition: number | null; retryAfterSeconds: number }
  | { kind: 'failed'; code: string; message: string; retryable: boolean };

export interface TapContext {
  requestId: string;
  admissionToken?: string;
}

export interface TapCommandOptions {
  campaignId: string;
  requestIdPrefix?: string;
  onState?: (state: TapState) => void;
  /** Automatic resends after no answer or a server fault, before the tap fails and waits for "重试". */
  maxAutoRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  admit?: (campaignId: string) => Promise<Admission>;
}

const MAX_ADMISSION_ROUNDS = 3;

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function queuePositionOf(details: unknown): number | null {
  if (typeof details === 'object' && details !== null && 'queuePosition' in details) {
    const position = Number(details.queuePosition);
    return Number.isFinite(position) ? position : null;
  }
  return null;
}

export class TapCommand {
  #campaignId: string;
  #prefix: string;
  #onState: (state: TapState) => void;
  #maxAutoRetries: number;
  #sleep: (ms: number) => Promise<void>;
  #admit: (campaignId: string) => Promise<Admission>;
  #requestId: string | null = null;
  #admission: Admission | null = null;
  #cancelled = false;

  constructor(options: TapCommandOptions) {
    this.#campaignId = options.campaignId;
    this.#prefix = options.requestIdPrefix ?? 'tap';
    this.#onState = options.onState ?? (() => {});
    this.#maxAutoRetries = options.maxAutoRetries ?? 2;
    this.#sleep = options.sleep ?? sleepMs;
    this.#admit = options.admit ?? dispatchAdmission;
  }

  /** The id the current (or last unanswered) tap sends; null when the next tap will make a new one. */
  get requestId(): string | null {
    return this.#requestId;
  }

  /** Stops waiting (the page closed); the pending tap rejects with CANCELLED. */
  cancel(): void {
    this.#cancelled = true;
  }

  /** Runs one tap of `send`, resending it with the same requestId as needed. */
  async run<T>(send: (context: TapContext) => Promise<T>): Promise<T> {
    this.#cancelled = false;
    this.#requestId ??= newRequestId(this.#prefix);
    const requestId = this.#requestId;
    let autoRetries = 0;
    let admissionRounds = 0;
    for (let attempt = 1; ; attempt++) {
      this.#throwIfCancelled();
      this.#onState({ kind: 'submitting', attempt });
      try {
        const context: TapContext = { requestId };
        if (this.#admission && Date.parse(this.#admission.expiresAt) > Date.now()) {
          context.admissionToken = this.#admission.token;
        }
        const result = await send(context);
        this.#requestId = null;
        this.#onState({ kind: 'idle' });
        return result;
      } catch (thrown) {
        const err = toApiError(thrown);
        if (err.code === 'ADMISSION_REQUIRED' && admissionRounds < MAX_ADMISSION_ROUNDS) {
          admissionRounds++;
          this.#admission = await this.#waitForAdmission();
          continue;
        }
        const noAnswer = err.code === 'NETWORK_ERROR' || err.code === 'TIMEOUT' || err.status >= 500;
        if (noAnswer && autoRetries < this.#maxAutoRetries) {
          autoRetries++;
          await this.#sleep(400 * 2 ** autoRetries);
          continue;
        }
        if (!err.retryable) this.#requestId = null;
        this.#onState({ kind: 'failed', code: err.code, message: err.message, retryable: err.retryable });
        throw err;
      }
    }
  }

  async #waitForAdmission(): Promise<Admission> {
    for (;;) {
      this.#throwIfCancelled();
      try {
        return await this.#admit(this.#campaignId);
      } catch (thrown) {
        const err = toApiError(thrown);
        if (err.code !== 'QUEUED' && err.code !== 'RATE_LIMITED') {
          this.#onState({ kind: 'failed', code: err.code, message: err.message, retryable: err.retryable });
          throw err;
        }
        const retryAfterSeconds = err.retryAfterSeconds ?? 2;
        this.#onState({ kind: 'queued', queuePosition: queuePositionOf(err.details), retryAfterSeconds });
        await this.#sleep(Math.max(500, retryAfterSeconds * 1000));
      }
    }
  }

  #throwIfCancelled(): void {
    if (this.#cancelled) throw new ApiError({ code: 'CANCELLED', status: 0 });
  }
}
