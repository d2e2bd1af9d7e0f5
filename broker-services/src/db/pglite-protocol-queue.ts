/**
 * The query queue of the embedded database's socket server, replacing pglite-socket's own (0.2.17), which has two
 * defects reported upstream (electric-sql/pglite#1046, fix proposed in #977, neither released):
 *
 * - It runs one protocol *message* at a time from any connection, and keeps to one connection only while a
 *   transaction is open. An extended-protocol exchange (Parse, Bind, Describe, Execute, Sync) is not a
 *   transaction, so two connections' exchanges interleave on PGlite's one session: B's Parse replaces the unnamed
 *   statement between A's Parse and A's Bind, and A runs B's SQL with A's parameters. Seen here as "unnamed
 *   prepared statement does not exist" in reconciliation, and as a settled order missing under a group-buy
 *   storm (one answer 201, its order never written). This queue keeps to one connection from its first message
 *   until PGlite answers ReadyForQuery with the session idle: a whole exchange, or a whole transaction.
 * - When PGlite throws, it returned with its `processing` flag still set, and nothing ever ran again. Here the
 *   flag is cleared whatever happens.
 *
 * Same interface as pglite-socket's queue (its handlers call it), installed by `startEmbeddedPostgres`.
 */
import type { PGlite } from '@electric-sql/pglite';

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: unknown) => void;
}

/** ReadyForQuery: 'Z', length 5, then the session's status: 'I' idle, 'T' in a transaction, 'E' failed one. */
const READY_FOR_QUERY = 0x5a;
const IDLE = 0x49;

export class ConnectionAffineQueue {
  readonly #db: PGlite;
  #queue: Pending[] = [];
  #processing = false;
  /** The connection whose exchange or transaction is under way: only its messages run until it is over. */
  #owner: number | null = null;

  constructor(db: PGlite) {
    this.#db = db;
  }

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ handlerId, message, onData, resolve, reject });
      void this.#drain();
    });
  }

  getQueueLength(): number {
    return this.#queue.length;
  }

  /** A connection went away: its waiting messages are refused. */
  clearQueueForHandler(handlerId: number): void {
    const gone = this.#queue.filter((p) => p.handlerId === handlerId);
    this.#queue = this.#queue.filter((p) => p.handlerId !== handlerId);
    for (const p of gone) p.reject(new Error('Handler disconnected'));
  }

  /** A connection went away in the middle of its exchange or transaction: roll back and let the others run. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.#owner !== handlerId) return;
    if (this.#db.isInTransaction()) await this.#db.exec('ROLLBACK');
    this.#owner = null;
    await this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#processing) return;
    this.#processing = true;
    try {
      for (;;) {
        const owner = this.#owner;
        const index =
          owner === null
            ? this.#queue.length > 0
              ? 0
              : -1
            : this.#queue.findIndex((p) => p.handlerId === owner);
        // The owner's next message has not arrived yet: the others wait for it.
        if (index < 0) return;
        const [item] = this.#queue.splice(index, 1);
        if (!item) return;
        this.#owner = item.handlerId;
        let bytes = 0;
        let tail: Uint8Array = new Uint8Array(0);
        try {
          await this.#db.runExclusive(() =>
            this.#db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                tail = lastBytes(tail, data, 6);
                item.onData(data);
              },
            }),
          );
          item.resolve(bytes);
        } catch (err) {
          item.reject(err);
        }
        // The exchange is over when PGlite said ReadyForQuery with the session idle (not in a transaction).
        if (tail.length === 6 && tail[0] === READY_FOR_QUERY && tail[5] === IDLE) this.#owner = null;
      }
    } finally {
      this.#processing = false;
    }
  }
}

/** The last `n` bytes of `before` followed by `data`. */
function lastBytes(before: Uint8Array, data: Uint8Array, n: number): Uint8Array {
  if (data.length >= n) return data.slice(data.length - n);
  const joined = new Uint8Array(before.length + data.length);
  joined.set(before);
  joined.set(data, before.length);
  return joined.slice(Math.max(0, joined.length - n));
}
