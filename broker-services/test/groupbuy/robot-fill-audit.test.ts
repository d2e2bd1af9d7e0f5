/**
 * A robot fill and its audit entry commit together or not at all, through the gateway on real PostgreSQL (every
 * service in this process, a test clock, background sweeps far apart so the test's own sweep decides): when the
 * database refuses the entry (a trigger: a real failure of the insert, nothing mocked), the group stays forming,
 * nothing is counted, and the next sweep fills it with one entry.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { call } from '../../src/broker/bus.ts';
import { AUDIT_REFUSED, withAuditRefused } from '../support/audit-fault.ts';
import { adminLogin, devLogin } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';
import {
  auditLog,
  createCampaign,
  getGroup,
  joinGroup,
  metric,
  openGroup,
  orderOf,
  payDev,
} from './helpers.ts';
import { GROUPBUY_ENV } from './suite.ts';

describe('robot fill and its audit entry (in process)', () => {
  let p: InProcessPlatform;
  let admin = '';
  const run = randomBytes(4).toString('hex');

  before(async () => {
    p = await startInProcess({ env: { ...GROUPBUY_ENV, SWEEP_INTERVAL_MS: '600000' } });
    admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
  });
  after(async () => {
    await p?.stop();
  });

  test('an entry the database refuses leaves the group forming and uncounted; the next sweep fills it, audited once', async () => {
    const ttl = 20;
    const campaignId = await createCampaign(p.gateway, admin, {
      stockTotal: 6,
      groupSize: 3,
      groupTtlSeconds: ttl,
      robotFill: { enabled: true, maxMissing: 1 },
    });
    const [leader, joiner] = [
      await devLogin(p.gateway, `rf_l_${run}`),
      await devLogin(p.gateway, `rf_j_${run}`),
    ];
    const opened = await openGroup(p.gateway, leader, campaignId);
    const joined = await joinGroup(p.gateway, joiner, opened.group.id);
    const groupId = opened.group.id;
    for (const [s, r] of [
      [leader, opened.reservation.id],
      [joiner, joined.reservation.id],
    ] as const)
      await payDev(p.gateway, s, await orderOf(p.gateway, s, r));
    const filled = () => metric(p.gateway, 'tm_robot_fill_total', { campaign_id: campaignId });
    const entries = async () =>
      (await auditLog(p.gateway, admin)).filter(
        (e) => e.action === 'group.robot_fill' && e.objectId === groupId,
      );

    p.clock.advance((ttl + 1) * 1000);
    await withAuditRefused(p.deployment.sql, groupId, () =>
      assert.rejects(call(p.broker, 'groups.expireDue', {}), new RegExp(AUDIT_REFUSED)),
    );
    assert.equal(
      (await getGroup(p.gateway, leader, groupId)).status,
      'forming',
      'the transition rolled back',
    );
    const stored = await p.deployment.sql.query('select status, robot_filled from groups where id = $1', [
      groupId,
    ]);
    assert.deepEqual(stored.rows, [{ status: 'forming', robot_filled: 0 }]);
    assert.equal(await filled(), 0);
    assert.deepEqual(await entries(), []);

    const swept = await call(p.broker, 'groups.expireDue', {});
    assert.equal(swept.robotFilled, 1, JSON.stringify(swept));
    const g = await getGroup(p.gateway, leader, groupId);
    assert.deepEqual([g.status, g.slotsTaken], ['succeeded', 3]);
    assert.equal(await filled(), 1);
    assert.deepEqual(
      (await entries()).map((e) => e.detail),
      [{ campaignId, missing: 1, paidMembers: 2 }],
    );
  });
});
