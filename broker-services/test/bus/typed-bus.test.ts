/**
 * The typed bus on the in-process broker (every service with the real start-up wiring, this file's own
 * PostgreSQL database, a test clock): typed calls answer their contract's result and are refused outside their
 * params schema; a service declared against a contract subscribes to the groups' versioned events; and the orders
 * module's subscribers settle a group's orders on `group.succeeded` / `group.failed`, a failed group's refund
 * exactly once whoever gets there first (the event or the groups sweeper).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { groupOutcomeOrdersTotal } from '@tuanmiao/observability';
import type { CallerMeta } from '../../src/broker/action.ts';
import { call, defineService, type EventPayload, emit } from '../../src/broker/bus.ts';
import { defineContract } from '../../src/broker/contract.ts';
import { busContracts } from '../../src/broker/registry.ts';
import { createCampaign, joinGroup, openGroup, orderOf, payDev, type Shopper } from '../groupbuy/helpers.ts';
import { GROUPBUY_ENV } from '../groupbuy/suite.ts';
import { adminLogin, devLogin, eventually } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';

const ADMIN: CallerMeta = { admin: { id: 'system', username: 'bus-test', role: 'owner' } };

/** The counter's value for these labels (0 before its first increment). */
async function outcomeCount(outcome: string, action: string): Promise<number> {
  const { values } = await groupOutcomeOrdersTotal.get();
  return values.find((v) => v.labels.outcome === outcome && v.labels.action === action)?.value ?? 0;
}

describe('typed bus (in process)', () => {
  let p: InProcessPlatform;
  let admin = '';
  /** Every group outcome event the listener service received, in order. */
  const heard: Array<
    | { event: 'group.succeeded'; payload: EventPayload<'group.succeeded'> }
    | {
        event: 'group.failed';
        payload: EventPayload<'group.failed'>;
      }
  > = [];

  before(async () => {
    p = await startInProcess({ env: GROUPBUY_ENV, store: 'memory' });
    admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
    // A service of this test declared against its own contract: no actions, two subscriptions.
    await p.broker.createService(
      defineService(defineContract({ name: 'outcomeListener', actions: {}, events: {} }), {
        actions: {},
        events: {
          'group.succeeded': async (ctx) => {
            heard.push({ event: 'group.succeeded', payload: ctx.params });
          },
          'group.failed': async (ctx) => {
            heard.push({ event: 'group.failed', payload: ctx.params });
          },
        },
      }),
    );
  });
  after(async () => {
    await p?.stop();
  });

  async function refundRows(orderId: string): Promise<number> {
    const res = await p.deployment.sql.query('select count(*)::int as n from refunds where order_id = $1', [
      orderId,
    ]);
    return Number(res.rows[0].n);
  }
  const orderStatus = async (orderId: string) =>
    (await call(p.broker, 'orders.adminGet', { id: orderId }, { meta: ADMIN })).status;

  /** A group of `size` on a new campaign: the leader and `size - 1` joiners, each with their order. */
  async function formGroup(tag: string, size: number, groupTtlSeconds = 600) {
    const campaignId = await createCampaign(p.gateway, admin, {
      stockTotal: 10,
      groupSize: size,
      groupTtlSeconds,
    });
    const members: Shopper[] = [];
    for (let i = 0; i < size; i++) members.push(await devLogin(p.gateway, `${tag}_${i}`));
    const opened = await openGroup(p.gateway, members[0]!, campaignId);
    const reservations = [opened.reservation.id];
    for (const m of members.slice(1))
      reservations.push((await joinGroup(p.gateway, m, opened.group.id)).reservation.id);
    const orders = await Promise.all(members.map((m, i) => orderOf(p.gateway, m, reservations[i]!)));
    return { campaignId, groupId: opened.group.id, members, orders };
  }

  test('a typed call answers its contract; params outside the schema are refused before the handler', async () => {
    const product = await call(
      p.broker,
      'catalog.create',
      { title: 'Typed bus tea', skus: [{ name: '100g', priceFen: 2990, stock: 5 }] },
      { meta: ADMIN },
    );
    // The answer is the contract's ProductView: its SKUs are typed, no cast.
    assert.equal(product.skus[0]?.priceFen, 2990);
    assert.deepEqual(await call(p.broker, 'catalog.get', { id: product.id }, { meta: ADMIN }), product);
    const ids: string[] = await call(p.broker, 'campaigns.activeIds', {});
    assert.ok(Array.isArray(ids));
    await assert.rejects(
      call(p.broker, 'catalog.get', { id: 'not-a-product-id' }, { meta: ADMIN }),
      (err) => {
        assert.equal((err as { name?: string }).name, 'ValidationError');
        return true;
      },
    );
  });

  test('every event the registry declares has a subscriber among the platform services', () => {
    const subscribed = new Set(
      p.broker.registry
        .getEventList({ onlyLocal: true, skipInternal: true })
        .filter((e) => e.group !== 'outcomeListener')
        .map((e) => e.name),
    );
    const declared = Object.values(busContracts).flatMap((c) => Object.keys(c.events));
    assert.ok(declared.length >= 4);
    for (const name of declared) assert.ok(subscribed.has(name), `${name} has no subscriber`);
  });

  test('group.succeeded (v1): the listener hears it; orders counts the paid orders ready to ship', async () => {
    const before = await outcomeCount('succeeded', 'ready_to_ship');
    const g = await formGroup('bus_ok', 2);
    for (let i = 0; i < 2; i++) await payDev(p.gateway, g.members[i]!, g.orders[i]!);
    // order.paid → groups.checkSuccess → group.succeeded → the orders module and the listener.
    const event = await eventually(
      async () => heard.find((h) => h.event === 'group.succeeded' && h.payload.groupId === g.groupId),
      15_000,
      'group.succeeded',
    );
    assert.deepEqual(event.payload, {
      version: 1,
      groupId: g.groupId,
      campaignId: g.campaignId,
      robotFilled: 0,
    });
    await eventually(
      async () => ((await outcomeCount('succeeded', 'ready_to_ship')) === before + 2 ? true : undefined),
      10_000,
      'two orders ready to ship',
    );
    for (const o of g.orders) assert.equal(await orderStatus(o), 'paid');
  });

  test('group.failed (v1) alone: orders refunds the paid member and cancels the unpaid one, once', async () => {
    const g = await formGroup('bus_event', 2);
    await payDev(p.gateway, g.members[0]!, g.orders[0]!);
    const refunded = await outcomeCount('failed', 'refunded');
    const cancelled = await outcomeCount('failed', 'cancelled');
    // The event as the groups sweeper emits it after a failed transition; no sweep runs here, so what happens
    // to the orders is the orders module's own subscriber.
    const failed: EventPayload<'group.failed'> = { version: 1, groupId: g.groupId, campaignId: g.campaignId };
    await emit(p.broker, 'group.failed', failed);
    await eventually(
      async () => ((await orderStatus(g.orders[0]!)) === 'refunded' ? true : undefined),
      10_000,
      'the paid order refunded (refund.requested → payments → orders.completeRefund)',
    );
    assert.equal(await orderStatus(g.orders[1]!), 'cancelled');
    assert.equal(await outcomeCount('failed', 'refunded'), refunded + 1);
    assert.equal(await outcomeCount('failed', 'cancelled'), cancelled + 1);
    // A second delivery finds nothing to do: one refund record, counters unchanged.
    await emit(p.broker, 'group.failed', failed);
    await eventually(
      async () =>
        heard.filter((h) => h.event === 'group.failed' && h.payload.groupId === g.groupId).length === 2
          ? true
          : undefined,
      10_000,
      'the second delivery heard',
    );
    assert.equal(await refundRows(g.orders[0]!), 1);
    assert.equal(await outcomeCount('failed', 'refunded'), refunded + 1);
    // A payload outside the contract (an undeclared version), sent past the typed emit, reaches no handler: each
    // subscription validates its payload on arrival. A version 1 sent after it is heard, so the first was refused.
    const other = await formGroup('bus_v2', 2);
    await p.broker.emit('group.failed', { version: 2, groupId: other.groupId, campaignId: other.campaignId });
    await emit(p.broker, 'group.failed', { version: 1, groupId: g.groupId, campaignId: g.campaignId });
    await eventually(
      async () =>
        heard.filter((h) => h.event === 'group.failed' && h.payload.groupId === g.groupId).length === 3
          ? true
          : undefined,
      10_000,
      'the third delivery heard',
    );
    assert.equal(heard.filter((h) => h.payload.groupId === other.groupId).length, 0);
    assert.equal(await orderStatus(other.orders[0]!), 'pending_payment');
  });

  test('a group failing at expiry: the event and the sweeper both settle it, one refund per paid order', async () => {
    const g = await formGroup('bus_expiry', 3, 5);
    await payDev(p.gateway, g.members[0]!, g.orders[0]!);
    await payDev(p.gateway, g.members[1]!, g.orders[1]!);
    p.clock.advance(30_000);
    // This call or the background sweeper (every 200 ms here) fails the group, whichever comes first.
    await call(p.broker, 'groups.expireDue', {});
    const event = await eventually(
      async () => heard.find((h) => h.event === 'group.failed' && h.payload.groupId === g.groupId),
      10_000,
      'group.failed',
    );
    assert.equal(event.payload.version, 1);
    await eventually(
      async () => {
        const statuses = await Promise.all(g.orders.map(orderStatus));
        return statuses[0] === 'refunded' && statuses[1] === 'refunded' && statuses[2] === 'cancelled'
          ? true
          : undefined;
      },
      10_000,
      'paid orders refunded, the unpaid one cancelled',
    );
    await call(p.broker, 'groups.expireDue', {});
    for (const o of g.orders.slice(0, 2)) assert.equal(await refundRows(o), 1);
    assert.equal(
      heard.filter((h) => h.event === 'group.failed' && h.payload.groupId === g.groupId).length,
      1,
      'the guarded transition emitted once, whoever swept',
    );
  });
});
