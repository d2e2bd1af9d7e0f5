import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkCorrectness, isSettled, parseCampaignLive } from '../harness/correctness.ts';

// Answers of GET /api/admin/campaigns/:id/live as recorded after seckill-spike runs (stock 500, limit 1).
const settledHealthy = {
  stockTotal: 500,
  stockLeft: 0,
  reserved: 500,
  ordersPending: 500,
  ordersPaid: 0,
  ordersCancelled: 0,
};
const seenHealthy = { created: 500, maxPerUser: 1, perUserLimit: 1, soldOutSeen: true };

function failing(checks: { name: string; pass: boolean }[]): string[] {
  return checks.filter((c) => !c.pass).map((c) => c.name);
}

describe('correctness check', () => {
  test('a sold-out, settled campaign passes every check', () => {
    const live = parseCampaignLive(settledHealthy);
    assert.deepEqual(failing(checkCorrectness(live, seenHealthy, true)), []);
  });

  test('paid and cancelled orders keep the books balanced', () => {
    const live = parseCampaignLive({
      stockTotal: 500,
      stockLeft: 20,
      reserved: 300,
      ordersPending: 300,
      ordersPaid: 180,
      ordersCancelled: 20,
      groupsForming: 0,
    });
    assert.deepEqual(failing(checkCorrectness(live, { ...seenHealthy, created: 500 }, true)), []);
  });

  test('unsettled reservations fail only the settled check', () => {
    const live = parseCampaignLive({ ...settledHealthy, ordersPending: 480 });
    assert.equal(isSettled(live), false);
    const failed = failing(checkCorrectness(live, seenHealthy, false));
    assert.deepEqual(failed, [
      'settled: no reservation left without an order',
      'every 201 became one order: created == pending + paid + cancelled',
    ]);
  });

  test('an oversell is caught', () => {
    const live = parseCampaignLive({ ...settledHealthy, stockLeft: -3, reserved: 503, ordersPending: 503 });
    const failed = failing(checkCorrectness(live, { ...seenHealthy, created: 503 }, true));
    assert.ok(failed.includes('no oversell'));
  });

  test('stock that vanished breaks conservation; a lost 201 breaks the order count', () => {
    const vanished = parseCampaignLive({ ...settledHealthy, reserved: 499, ordersPending: 499 });
    const failed = failing(checkCorrectness(vanished, seenHealthy, true));
    assert.ok(failed.includes('stock conserved: stockLeft + reserved + sold == stockTotal'));
    assert.ok(failed.includes('every 201 became one order: created == pending + paid + cancelled'));
  });

  test('SOLD_OUT while units remained is lost stock; a shopper over the limit is caught', () => {
    const live = parseCampaignLive({ ...settledHealthy, stockLeft: 10, reserved: 490, ordersPending: 490 });
    const failed = failing(checkCorrectness(live, { ...seenHealthy, created: 490, maxPerUser: 2 }, true));
    assert.deepEqual(failed, [
      'per-user limit held',
      'no stock lost: SOLD_OUT only once every unit was handed out',
    ]);
  });

  test('a malformed live answer is refused', () => {
    assert.throws(
      () => parseCampaignLive({ ...settledHealthy, stockLeft: '0' }),
      /stockLeft is not a number/,
    );
    assert.throws(() => parseCampaignLive(null), /not an object/);
  });
});
