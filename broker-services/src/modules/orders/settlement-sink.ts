/**
 * The orders module's implementation of the hot path's settlement sink (`SettlementSink`): what a settlement batch
 * writes into orders and groups, inside the batch's transaction that the hot path opens and commits with its
 * settled position. Orders are created and cancelled through the one transition function (./order-machine.ts);
 * groups and their members through the groups module's exported writes (../groups/members.ts). Every statement
 * is idempotent (unique reservation id, deterministic order id `ord_<ulid of rsv_>`), so a batch retried after a
 * crash writes nothing twice.
 *
 * Loaded by module URL in each settlement worker thread (`startSettlement({ sink })`): keep its imports to the
 * machine, the groups' writes, ../../ids.ts and types.
 */
import type {
  SettledTransitionCount,
  SettlementEntry,
  SettlementSink,
  SettlementSql,
} from '@tuanmiao/hot-path';
import { orderIdForReservation } from '../../ids.ts';
import { openGroups, seatMembers, vacateSlots } from '../groups/members.ts';
import { type NewOrder, type OrderChange, transitionOrders } from './order-machine.ts';

const ACTOR = 'hot-path';

/** Deterministic order id of a reservation (the hot path's `orderIdFor`). */
const orderIdOf = orderIdForReservation;

/** A campaign's type as an order's: coupon claims settle through the coupons module's sink, never here. */
function orderCampaignType(e: SettlementEntry): 'seckill' | 'groupbuy' {
  if (e.campaignType === 'coupon')
    throw new Error(`coupon claim ${e.reservationId} reached the orders' settlement sink`);
  return e.campaignType;
}

const at = (ms: number | undefined) => new Date(ms ?? Date.now());

async function openGroupsOf(tx: SettlementSql, entries: readonly SettlementEntry[]): Promise<number> {
  const first = new Map<string, SettlementEntry>();
  for (const e of entries) if (e.groupId !== undefined && !first.has(e.groupId)) first.set(e.groupId, e);
  return openGroups(
    tx,
    [...first.values()].map((e) => ({
      id: e.groupId as string,
      campaignId: e.campaignId,
      leaderId: e.groupLeaderId ?? e.userId,
      size: e.groupSize ?? 0,
      createdAt: at(e.groupCreatedAtMs ?? e.createdAtMs),
      expiresAt: at(e.groupExpiresAtMs ?? e.expiresAtMs),
    })),
  );
}

/** Writes the entries' orders (pending payment, or cancelled when `released`) and seats their group members. */
async function createOrdersOf(
  tx: SettlementSql,
  entries: readonly SettlementEntry[],
  released: boolean,
): Promise<OrderChange[]> {
  const orders: NewOrder[] = entries.map((e) => ({
    id: orderIdOf(e.reservationId),
    reservationId: e.reservationId,
    requestId: e.requestId,
    userId: e.userId,
    campaignId: e.campaignId,
    campaignType: orderCampaignType(e),
    groupId: e.groupId ?? null,
    skuId: e.skuId,
    title: e.title,
    quantity: e.quantity,
    unitPriceFen: e.unitPriceFen,
    totalFen: e.quantity * e.unitPriceFen,
    dryRun: e.dryRun,
    createdAt: at(e.createdAtMs),
    expiresAt: at(e.expiresAtMs),
    ...(released ? { releasedAt: at(e.releasedAtMs) } : {}),
  }));
  const done = await transitionOrders(tx, { kind: 'create', orders, reason: 'reserved', actor: ACTOR });
  const created = new Set(done.map((d) => d.row.id));
  await seatMembers(
    tx,
    entries
      .filter(
        (e) => e.groupId !== undefined && e.slot !== undefined && created.has(orderIdOf(e.reservationId)),
      )
      .map((e) => ({
        groupId: e.groupId as string,
        userId: e.userId,
        orderId: orderIdOf(e.reservationId),
        slot: e.slot as number,
        joinedAt: at(e.createdAtMs),
        leftAt: released ? at(e.releasedAtMs) : null,
      })),
  );
  return done;
}

/** Sums transitions by from, to and reason. */
function countOf(
  orders: readonly OrderChange[],
  reasonOf: (t: OrderChange) => string,
  groupsOpened = 0,
): SettledTransitionCount[] {
  const counts = new Map<string, SettledTransitionCount>();
  for (const t of orders) {
    const reason = reasonOf(t);
    const key = `${t.from}>${t.to}>${reason}`;
    const c = counts.get(key);
    if (c) c.count++;
    else counts.set(key, { machine: 'order', from: t.from, to: t.to, reason, count: 1 });
  }
  const out = [...counts.values()];
  if (groupsOpened > 0) {
    out.push({ machine: 'group', from: null, to: 'forming', reason: 'opened', count: groupsOpened });
  }
  return out;
}

const settlementSink: SettlementSink = {
  /**
   * The references that foreign keys used to check row by row (see migration 20261205000000), checked once per
   * batch: every user and campaign the batch names must exist, else the batch fails (and is retried) as it did.
   */
  async checkReferences(tx, entries) {
    const users = [...new Set(entries.map((e) => e.userId))];
    const campaigns = [...new Set(entries.map((e) => e.campaignId))];
    const res = await tx.query<{ users: number; campaigns: number }>(
      `select (select count(*) from users where id = any($1::text[]))::int as users,
         (select count(*) from campaigns where id = any($2::text[]))::int as campaigns`,
      [users, campaigns],
    );
    const found = res.rows[0];
    if (found?.users !== users.length || found.campaigns !== campaigns.length) {
      throw new Error(
        `settlement batch names ${users.length - (found?.users ?? 0)} unknown user(s) and ` +
          `${campaigns.length - (found?.campaigns ?? 0)} unknown campaign(s)`,
      );
    }
  },

  async settleReservations(tx, entries) {
    const opened = await openGroupsOf(tx, entries);
    const done = await createOrdersOf(tx, entries, false);
    return { inserted: done.length, transitions: countOf(done, () => 'reserved', opened) };
  },

  async settleReleases(tx, entries) {
    const opened = await openGroupsOf(tx, entries);
    // A release may overtake its own reservation (reclaimed late): its order is then written cancelled outright.
    const written = await createOrdersOf(tx, entries, true);
    const writtenIds = new Set(written.map((w) => w.row.id));
    const rest = entries.filter((e) => !writtenIds.has(orderIdOf(e.reservationId)));
    const ids = rest.map((e) => orderIdOf(e.reservationId));
    const ats = rest.map((e) => at(e.releasedAtMs));
    const moved = await transitionOrders(tx, {
      kind: 'move',
      ids,
      at: ats,
      to: 'cancelled',
      from: ['pending_payment'],
      reason: 'released',
      actor: ACTOR,
      stamp: ['cancelled_at', 'stock_released_at'],
      cancelReason: 'released',
    });
    if (ids.length > 0) {
      // Whoever cancelled the order, its units are back in stock now and its group slot is free.
      await tx.query(
        `update orders o set stock_released_at = t.at, updated_at = now()
         from unnest($1::text[], $2::timestamptz[]) as t(id, at)
         where o.id = t.id and o.stock_released_at is null`,
        [ids, ats.map((d) => d.toISOString())],
      );
      await vacateSlots(tx, ids, ats);
    }
    const createdCancelled = written.filter((w) => w.from === null).length;
    return {
      released: moved.length + createdCancelled,
      transitions: countOf(
        [...written, ...moved],
        (t) => (t.from === null ? 'reserved' : 'released'),
        opened,
      ),
    };
  },
};

export default settlementSink;

/** This module's URL: what `startSettlement({ sink })` loads in each worker thread. */
export const SETTLEMENT_SINK_MODULE = import.meta.url;
