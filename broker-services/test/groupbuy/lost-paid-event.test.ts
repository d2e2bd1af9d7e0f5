/**
 * `order.paid` is at-most-once: here nobody listens when the three members pay (the groups service is not
 * running), so the event is lost for good. The groups sweeper started afterwards must still succeed the group
 * (not fail it at expiry), once. Real PostgreSQL, Redis and NATS.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminLogin, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import {
  adminOrder,
  createCampaign,
  joinGroup,
  openGroup,
  orderOf,
  payDev,
  type RealServices,
  realServices,
  shoppers,
} from './helpers.ts';
import { GROUPBUY_ENV } from './suite.ts';

let services: RealServices;
let withoutGroups: StartedPlatform | undefined;
let groupsOnly: StartedPlatform | undefined;

before(async () => {
  services = await realServices(GROUPBUY_ENV);
});
after(async () => {
  await groupsOnly?.stop();
  await withoutGroups?.stop();
  await services.drop();
});

test('a group whose order.paid events were lost succeeds by the sweeper, once, even past its expiry', async () => {
  withoutGroups = await startPlatform({
    env: {
      ...services.env,
      SERVICES: 'gateway,users,catalog,campaigns,orders,payments,admin',
      NODE_ID: 'lost-1',
    },
  });
  const url = withoutGroups.baseUrl;
  const admin = await adminLogin(url, 'admin', services.env.ADMIN_PASSWORD!);
  const ttl = 6;
  const campaignId = await createCampaign(url, admin, { stockTotal: 3, groupSize: 3, groupTtlSeconds: ttl });
  const [leader, a, b] = await shoppers(url, `lost_${Date.now()}`, 3);
  // A join looks its group up through the groups service, so that one runs while the group forms...
  groupsOnly = await startPlatform({
    env: { ...services.env, SERVICES: 'groups', NODE_ID: 'lost-2' },
    readyPattern: /services groups/,
  });
  const opened = await openGroup(url, leader!, campaignId);
  const groupId = opened.group.id;
  const rsv = [
    { s: leader!, id: opened.reservation.id },
    {
      s: a!,
      // The gateway sees the new groups node once NATS discovery has run.
      id: await eventually(
        () =>
          joinGroup(url, a!, groupId).then(
            (j) => j.reservation.id,
            () => undefined,
          ),
        15_000,
        'groups service discovered',
      ),
    },
    { s: b!, id: (await joinGroup(url, b!, groupId)).reservation.id },
  ];
  // ...and is gone when the members pay.
  await groupsOnly.stop();
  groupsOnly = undefined;
  const orders: string[] = [];
  for (const r of rsv) orders.push(await orderOf(url, r.s, r.id));
  for (const [i, r] of rsv.entries()) await payDev(url, r.s, orders[i]!);
  for (const id of orders) assert.equal((await adminOrder(url, admin, id)).status, 'paid');
  // Let the group expire with nobody to end it: the event is gone and the group is still forming.
  await new Promise((r) => setTimeout(r, ttl * 1000 + 500));
  const stillForming = await services.sql.query('select status from groups where id = $1', [groupId]);
  assert.equal(stillForming.rows[0].status, 'forming');

  groupsOnly = await startPlatform({
    env: { ...services.env, SERVICES: 'groups', NODE_ID: 'lost-3' },
    readyPattern: /services groups/,
  });
  await eventually(
    async () => {
      const r = await services.sql.query('select status from groups where id = $1', [groupId]);
      return r.rows[0].status === 'forming' ? undefined : true;
    },
    15_000,
    'group ended',
  );
  await new Promise((r) => setTimeout(r, 1000));
  const t = await services.sql.query(
    'select from_status, to_status, reason from group_transitions where group_id = $1 and from_status is not null',
    [groupId],
  );
  assert.deepEqual(t.rows, [{ from_status: 'forming', to_status: 'succeeded', reason: 'all_paid' }]);
  for (const id of orders) assert.equal((await adminOrder(url, admin, id)).status, 'paid');
  const refunds = await services.sql.query(
    'select count(*)::int as n from refunds where order_id = any($1)',
    [orders],
  );
  assert.equal(refunds.rows[0].n, 0);
});
