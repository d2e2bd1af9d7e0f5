/**
 * The settlement sink: what settlement needs from the owner of orders and groups to persist a batch. The hot path
 * owns the batch's transaction (BEGIN, the settled position in `hot_path_positions`, COMMIT) and the stream; the
 * sink owns the rows it writes inside that transaction (orders, their transitions, groups, group members). The
 * platform's sink is broker-services' `modules/orders/settlement-sink.ts`; it is loaded by module specifier in
 * each settlement worker thread, since a function cannot cross to a thread. A campaign type whose reservations
 * are not orders has a sink of its own (`startSettlement({ sinks })`): coupon claims settle through the coupons
 * module's `modules/coupons/settle-claims.ts` into coupons.
 *
 * Every method runs inside the batch's open transaction on `tx` and must be idempotent: a batch retried after a
 * crash, or reclaimed from a dead consumer, writes nothing twice. Nothing but `tx` may be used for I/O.
 */
import type { SettlementEntry } from '../store/types.ts';

/** The one connection of the batch's transaction (a `pg` client fits). */
export interface SettlementSql {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Status changes a step made, for the main thread to log and count (from null = created). */
export interface SettledTransitionCount {
  machine: 'order' | 'group' | 'coupon';
  from: string | null;
  to: string;
  reason: string;
  count: number;
}

export interface SettlementSink {
  /**
   * Fails (so that the whole batch rolls back and is retried) when the batch names a user or campaign that does
   * not exist: the check that foreign keys made row by row, made once per batch.
   */
  checkReferences(tx: SettlementSql, entries: SettlementEntry[]): Promise<void>;
  /** A run of reservations, in stream order: their groups opened, orders pending payment, group members. */
  settleReservations(
    tx: SettlementSql,
    entries: SettlementEntry[],
  ): Promise<{ inserted: number; transitions: SettledTransitionCount[] }>;
  /**
   * A run of releases, in stream order: each order cancelled (or written cancelled when its reservation never
   * settled), its units marked back in stock, its group slot vacated.
   */
  settleReleases(
    tx: SettlementSql,
    entries: SettlementEntry[],
  ): Promise<{ released: number; transitions: SettledTransitionCount[] }>;
}

/** A module specifier (a `file:` URL) whose default export is a SettlementSink; resolved in the worker thread. */
export type SettlementSinkModule = string;

const loaded = new Map<string, Promise<SettlementSink>>();

/** Loads (once per thread) the sink a module default-exports. */
export function loadSettlementSink(specifier: SettlementSinkModule): Promise<SettlementSink> {
  let sink = loaded.get(specifier);
  if (!sink) {
    sink = import(specifier).then((m: { default?: SettlementSink }) => {
      const s = m.default;
      if (!s || typeof s.settleReservations !== 'function' || typeof s.settleReleases !== 'function') {
        throw new Error(`${specifier} does not default-export a settlement sink`);
      }
      return s;
    });
    loaded.set(specifier, sink);
  }
  return sink;
}
