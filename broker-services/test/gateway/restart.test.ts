/**
 * Restart persistence on the embedded default: campaigns, a paid order and the admin password survive a stop
 * and a start on the same data directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'tuanmiao-restart-'));
let running: StartedPlatform | undefined;

after(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('campaigns, a paid order and the admin password survive a restart on the same data directory', async () => {
  running = await startPlatform({ dataDir });
  const first = running;
  const campaigns = await api<{ items: { id: string; type: string; status: string }[] }>(
    first.baseUrl,
    'GET',
    '/api/campaigns',
  );
  const ids = campaigns.body.items.map((c) => c.id).sort();
  assert.ok(ids.length >= 2);
  const seckill = campaigns.body.items.find((c) => c.type === 'seckill' && c.status === 'live')!;
  const shopper = await devLogin(first.baseUrl, 'restart-shopper');
  const reserved = await api<{ reservation: { id: string } }>(
    first.baseUrl,
    'POST',
    `/api/seckill/${seckill.id}/reservations`,
    { token: shopper.token, body: { quantity: 1, requestId: 'restart-0001' } },
  );
  assert.equal(reserved.status, 201);
  const orderId = await eventually(async () => {
    const r = await api<{ orderId?: string }>(
      first.baseUrl,
      'GET',
      `/api/reservations/${reserved.body.reservation.id}`,
      { token: shopper.token },
    );
    return r.body.orderId;
  });
  const paid = await api(first.baseUrl, 'POST', `/api/payments/dev/${orderId}/confirm`, {
    token: shopper.token,
  });
  assert.equal(paid.status, 200);
  const orderBefore = await api<{ status: string }>(first.baseUrl, 'GET', `/api/orders/${orderId}`, {
    token: shopper.token,
  });
  assert.equal(orderBefore.body.status, 'paid');
  const { adminPassword } = first;
  await first.stop();
  running = undefined;

  running = await startPlatform({ dataDir });
  const second = running;
  assert.equal(second.dataDir, dataDir);
  // The password printed at the first start still signs the owner in.
  const admin = await adminLogin(second.baseUrl, second.adminUsername, adminPassword);
  assert.ok(admin);
  const again = await api<{ items: { id: string }[] }>(second.baseUrl, 'GET', '/api/campaigns');
  assert.deepEqual(again.body.items.map((c) => c.id).sort(), ids, 'the same campaigns, none seeded twice');
  // Tokens signed before the restart still verify: the JWT secret is kept in the data directory.
  const orderAfter = await api(second.baseUrl, 'GET', `/api/orders/${orderId}`, { token: shopper.token });
  assert.equal(orderAfter.status, 200);
  assert.deepEqual(orderAfter.body, orderBefore.body);
  const sameShopper = await devLogin(second.baseUrl, 'restart-shopper');
  assert.equal(sameShopper.userId, shopper.userId);
  const adminView = await api<{ status: string }>(second.baseUrl, 'GET', `/api/admin/orders/${orderId}`, {
    token: admin,
  });
  assert.equal(adminView.body.status, 'paid');
});
