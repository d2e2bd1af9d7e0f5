/**
 * Stopping a process with a sweep in flight, on real PostgreSQL (every service in this process, a test clock, a
 * short sweep interval): the sweepers' stop waits for the sweep before the database closes. MikroORM opens a new
 * pool for a query made after its close, so a sweep that outlived the close left a session of a stopped process
 * open, which a test's dropped database then terminated ("terminating connection due to administrator command").
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { addAddress, adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';

const TTL_SECONDS = 30;

describe('sweeper stop', () => {
  let p: InProcessPlatform;
  const run = randomBytes(4).toString('hex');

  before(async () => {
    p = await startInProcess({ env: { SWEEP_INTERVAL_MS: '100', PAYMENT_TTL_SECONDS: String(TTL_SECONDS) } });
  });
  after(async () => {
    await p?.stop();
  });

  /**
   * Sessions of this test's database waiting on a lock for the expiry sweep's query (other sweeps of other
   * services read the locked table too: only this one's wait is the orders service's own sweep in flight).
   */
  const expiryWaiting = async (): Promise<number> => {
    const rows = await p.deployment.sql.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
       where datname = current_database() and wait_event_type = 'Lock'
         and query like '%status = ''pending_payment'' and expires_at <=%'`,
    );
    return rows.rows[0]!.n;
  };

  test('a sweep held on a lock at stop finishes before the database closes; the order it was cancelling is cancelled when the stop returns', async () => {
    const admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
    const made = await api<{ skus: { id: string }[] }>(p.gateway, 'POST', '/api/admin/products', {
      token: admin,
      body: { title: `停止测试 ${run}`, skus: [{ name: '件', priceFen: 1000, stock: 5 }] },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const shopper = await devLogin(p.gateway, `stop-${run}`);
    const placed = await api<{ order: { id: string } }>(p.gateway, 'POST', '/api/orders', {
      token: shopper.token,
      body: {
        items: [{ skuId: made.body.skus[0]!.id, quantity: 1 }],
        addressId: await addAddress(p.gateway, shopper.token),
        requestId: `stop-${run}`,
      },
    });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));

    const holder = await p.deployment.sql.connect();
    let released = false;
    try {
      await holder.query('begin');
      await holder.query('lock table orders in access exclusive mode');
      // The order is due: the next expiry sweep finds it once the lock goes, and cancels it in more queries.
      p.clock.advance((TTL_SECONDS + 1) * 1000);
      await eventually(
        async () => ((await expiryWaiting()) > 0 ? true : undefined),
        10_000,
        'the expiry sweep waiting on the lock',
      );
      // The orders service stops (as it does when its process stops): its sweepers' stop waits for the sweep.
      let stopped = false;
      const stopping = p.broker.destroyService('orders').then(() => {
        stopped = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(stopped, false, 'the stop waits while the sweep is in flight');
      await holder.query('commit');
      released = true;
      await stopping;
    } finally {
      if (!released) await holder.query('rollback').catch(() => undefined);
      holder.release();
    }
    // No orders service runs now: the sweep held at the stop did the work before the stop returned.
    const rows = await p.deployment.sql.query<{ status: string }>('select status from orders where id = $1', [
      placed.body.order.id,
    ]);
    assert.deepEqual(rows.rows, [{ status: 'cancelled' }]);
  });
});
