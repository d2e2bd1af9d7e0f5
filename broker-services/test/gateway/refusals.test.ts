/**
 * Business refusals (409) on campaigns an admin makes with past, future and live windows, idempotent
 * reservations, and order transitions; after each refusal the stored figures are what they were.
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ERRORS, type ErrorCode } from '@tuanmiao/contract';
import { adminLogin, api, devLogin, eventually, request } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';
import { assertError, createCampaign } from './support.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('business refusals (in process)', () => {
  let p: InProcessPlatform;
  let admin: string;
  const run = randomUUID().slice(0, 8);
  const shopper = (name: string) => devLogin(p.gateway, `${name}-${run}`);
  const rid = () => `rq-${randomUUID()}`;

  /** The campaign's public figures and the admin's live figures that a refusal must not move. */
  /** The campaign's figures once settlement has caught up, so that two snapshots compare like with like. */
  async function figures(campaignId: string) {
    const pub = await api<{ stockLeft: number; status: string }>(
      p.gateway,
      'GET',
      `/api/campaigns/${campaignId}`,
    );
    const live = await eventually(
      async () => {
        const res = await api<Record<string, unknown>>(
          p.gateway,
          'GET',
          `/api/admin/campaigns/${campaignId}/live`,
          {
            token: admin,
          },
        );
        return res.body.unsettled === 0 ? res : undefined;
      },
      15_000,
      'settlement to catch up',
    );
    const { serverTime: _t, reservationsPerSecond: _r, ...stable } = live.body;
    return { stockLeft: pub.body.stockLeft, status: pub.body.status, live: stable };
  }

  const reserve = (token: string, campaignId: string, quantity = 1, requestId = rid()) =>
    api<{ reservation: { id: string; orderId?: string } }>(
      p.gateway,
      'POST',
      `/api/seckill/${campaignId}/reservations`,
      {
        token,
        body: { quantity, requestId },
      },
    );

  async function settledOrder(token: string, reservationId: string): Promise<string> {
    return eventually(async () => {
      const r = await api<{ orderId?: string }>(p.gateway, 'GET', `/api/reservations/${reservationId}`, {
        token,
      });
      return r.body.orderId;
    });
  }

  /** Sends a refused request and checks its exact body and that the campaign's figures did not move. */
  async function refused(
    campaignId: string,
    send: () => Promise<{ status: number; body: unknown; headers: Headers }>,
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ) {
    const before = await figures(campaignId);
    const res = await send();
    if (details)
      assert.deepEqual(
        { status: res.status, body: res.body },
        { status: 409, body: { error: { code, message, retryable: ERRORS[code].retryable, details } } },
        code,
      );
    else assertError(res, 409, code, message, code);
    assert.deepEqual(await figures(campaignId), before, `${code}: nothing stored changed`);
  }

  before(async () => {
    p = await startInProcess({ env: { SEED_DEMO: '1' } });
    admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
  });
  after(async () => {
    await p?.stop();
  });

  test('NOT_STARTED and ENDED: campaigns with future and past windows', async () => {
    const future = await createCampaign(p.gateway, admin, {
      type: 'seckill',
      startsInMs: DAY,
      lastsMs: DAY,
      stockTotal: 5,
      perUserLimit: 1,
    });
    const past = await createCampaign(p.gateway, admin, {
      type: 'seckill',
      startsInMs: -2 * DAY,
      lastsMs: DAY,
      stockTotal: 5,
      perUserLimit: 1,
    });
    const futureGroup = await createCampaign(p.gateway, admin, {
      type: 'groupbuy',
      startsInMs: DAY,
      lastsMs: DAY,
      stockTotal: 6,
      perUserLimit: 1,
    });
    const { token } = await shopper('window');
    // NOT_STARTED tells the shopper when their sale opens (the start; earlier for a level with early access).
    const startOf = async (id: string) =>
      (await api<{ startsAt: string }>(p.gateway, 'GET', `/api/campaigns/${id}`)).body.startsAt;
    await refused(future, () => reserve(token, future), 'NOT_STARTED', 'The campaign has not started yet', {
      opensAt: await startOf(future),
    });
    await refused(past, () => reserve(token, past), 'ENDED', 'The campaign has ended');
    await refused(
      futureGroup,
      () =>
        api(p.gateway, 'POST', `/api/groupbuy/${futureGroup}/groups`, { token, body: { requestId: rid() } }),
      'NOT_STARTED',
      'The campaign has not started yet',
      { opensAt: await startOf(futureGroup) },
    );
    assert.equal((await figures(future)).stockLeft, 5);
  });

  test('CAMPAIGN_STOPPED after an admin stops a live campaign', async () => {
    const id = await createCampaign(p.gateway, admin, {
      type: 'seckill',
      startsInMs: -HOUR,
      lastsMs: DAY,
      stockTotal: 5,
      perUserLimit: 1,
    });
    const stop = await api<{ status: string }>(p.gateway, 'POST', `/api/admin/campaigns/${id}/stop`, {
      token: admin,
    });
    assert.equal(stop.status, 200);
    assert.equal(stop.body.status, 'stopped');
    const { token } = await shopper('stopped');
    await refused(id, () => reserve(token, id), 'CAMPAIGN_STOPPED', 'The campaign was stopped');
  });

  test('SOLD_OUT and LIMIT_EXCEEDED; the same requestId is one reservation', async () => {
    const id = await createCampaign(p.gateway, admin, {
      type: 'seckill',
      startsInMs: -HOUR,
      lastsMs: DAY,
      stockTotal: 3,
      perUserLimit: 2,
    });
    const a = await shopper('buyer-a');
    const b = await shopper('buyer-b');

    // Idempotency: the same user and requestId twice → one reservation, stock taken once, counted once as new.
    const counted = async (result: string) => {
      const text = (await request(p.gateway, 'GET', '/metrics')).text;
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`tm_reservations_total{campaign_type="seckill",result="${result}"}`));
      return Number(line?.split(' ')[1] ?? 0);
    };
    const [okBefore, replayedBefore] = [await counted('ok'), await counted('replayed')];
    const requestId = rid();
    const first = await reserve(a.token, id, 1, requestId);
    const again = await reserve(a.token, id, 1, requestId);
    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.equal(again.body.reservation.id, first.body.reservation.id);
    assert.equal((await figures(id)).stockLeft, 2);
    assert.deepEqual(
      [(await counted('ok')) - okBefore, (await counted('replayed')) - replayedBefore],
      [1, 1],
      'a replay is counted as replayed, not as a new reservation',
    );
    // The same requestId asking for another quantity is refused, not answered with the first reservation.
    await refused(
      id,
      () => reserve(a.token, id, 2, requestId),
      'IDEMPOTENCY_KEY_REUSED',
      'This requestId was already used for a different request',
    );

    // Another user with the same requestId is another reservation.
    const other = await reserve(b.token, id, 1, requestId);
    assert.equal(other.status, 201);
    assert.notEqual(other.body.reservation.id, first.body.reservation.id);
    assert.equal((await figures(id)).stockLeft, 1);

    await refused(
      id,
      () => reserve(a.token, id, 2),
      'LIMIT_EXCEEDED',
      'Over the per-user limit of this campaign',
    );
    const last = await reserve(a.token, id, 1);
    assert.equal(last.status, 201);
    await refused(
      id,
      () => reserve(a.token, id, 1),
      'LIMIT_EXCEEDED',
      'Over the per-user limit of this campaign',
    );
    await refused(id, () => reserve(b.token, id, 1), 'SOLD_OUT', 'Sold out');
    const c = await shopper('buyer-c');
    await refused(id, () => reserve(c.token, id, 1), 'SOLD_OUT', 'Sold out');

    // Every unit is accounted for once the reservations settle into orders.
    for (const r of [first, other, last]) {
      await settledOrder(r === other ? b.token : a.token, r.body.reservation.id);
    }
    const live = (await figures(id)).live as {
      stockTotal: number;
      stockLeft: number;
      reserved: number;
      sold: number;
    };
    assert.equal(live.stockLeft + live.reserved + live.sold, live.stockTotal);
    assert.deepEqual([live.stockLeft, live.reserved, live.sold], [0, 3, 0]);
  });

  test('WRONG_CAMPAIGN_TYPE, GROUP_FULL and ALREADY_MEMBER', async () => {
    const seckill = await createCampaign(p.gateway, admin, {
      type: 'seckill',
      startsInMs: -HOUR,
      lastsMs: DAY,
      stockTotal: 5,
      perUserLimit: 1,
    });
    const group = await createCampaign(p.gateway, admin, {
      type: 'groupbuy',
      startsInMs: -HOUR,
      lastsMs: DAY,
      stockTotal: 10,
      perUserLimit: 2,
      groupSize: 2,
    });
    const a = await shopper('leader');
    const b = await shopper('member');
    const c = await shopper('late');
    const wrongType = 'This campaign is of another type';
    await refused(group, () => reserve(a.token, group), 'WRONG_CAMPAIGN_TYPE', wrongType);
    await refused(
      seckill,
      () =>
        api(p.gateway, 'POST', `/api/groupbuy/${seckill}/groups`, {
          token: a.token,
          body: { requestId: rid() },
        }),
      'WRONG_CAMPAIGN_TYPE',
      wrongType,
    );

    const opened = await api<{ group: { id: string; slotsTaken: number } }>(
      p.gateway,
      'POST',
      `/api/groupbuy/${group}/groups`,
      { token: a.token, body: { requestId: rid() } },
    );
    assert.equal(opened.status, 201);
    const groupId = opened.body.group.id;
    const join = (token: string) =>
      api(p.gateway, 'POST', `/api/groupbuy/groups/${groupId}/members`, {
        token,
        body: { requestId: rid() },
      });
    const groupNow = async () => (await api(p.gateway, 'GET', `/api/groupbuy/groups/${groupId}`)).body;

    let before = await groupNow();
    await refused(group, () => join(a.token), 'ALREADY_MEMBER', 'You are already in this group');
    assert.deepEqual(await groupNow(), before);

    assert.equal((await join(b.token)).status, 201);
    before = await groupNow();
    assert.equal((before as { slotsTaken: number }).slotsTaken, 2);
    await refused(group, () => join(c.token), 'GROUP_FULL', 'The group is full');
    // A member of a full group hears that they are already in it (membership is checked before fullness).
    await refused(group, () => join(b.token), 'ALREADY_MEMBER', 'You are already in this group');
    assert.deepEqual(await groupNow(), before);
  });

  test('INVALID_TRANSITION: shipping or refunding an unpaid order, cancelling a paid one', async () => {
    const id = await createCampaign(p.gateway, admin, {
      type: 'seckill',
      startsInMs: -HOUR,
      lastsMs: DAY,
      stockTotal: 5,
      perUserLimit: 2,
    });
    const a = await shopper('transitions');
    const r = await reserve(a.token, id);
    const orderId = await settledOrder(a.token, r.body.reservation.id);
    const order = async () =>
      (await api(p.gateway, 'GET', `/api/admin/orders/${orderId}`, { token: admin })).body;

    let before = await order();
    await refused(
      id,
      () =>
        api(p.gateway, 'POST', `/api/admin/orders/${orderId}/ship`, {
          token: admin,
          body: { trackingNo: 'SF1000001' },
        }),
      'INVALID_TRANSITION',
      'The order cannot become shipped from its current state',
    );
    await refused(
      id,
      () =>
        api(p.gateway, 'POST', `/api/admin/orders/${orderId}/refund`, {
          token: admin,
          body: { reason: 'not paid' },
        }),
      'INVALID_TRANSITION',
      'Only a paid or shipped order can be refunded',
    );
    assert.deepEqual(await order(), before);

    const paid = await api<{ order: { status: string } }>(
      p.gateway,
      'POST',
      `/api/payments/dev/${orderId}/confirm`,
      {
        token: a.token,
      },
    );
    assert.equal(paid.status, 200);
    assert.equal(paid.body.order.status, 'paid');
    before = await order();
    await refused(
      id,
      () => api(p.gateway, 'POST', `/api/orders/${orderId}/cancel`, { token: a.token }),
      'INVALID_TRANSITION',
      'An order that is paid cannot be cancelled',
    );
    assert.deepEqual(await order(), before);

    const shipped = await api<{ status: string; trackingNo: string }>(
      p.gateway,
      'POST',
      `/api/admin/orders/${orderId}/ship`,
      { token: admin, body: { trackingNo: 'SF1000001' } },
    );
    assert.equal(shipped.status, 200);
    assert.deepEqual([shipped.body.status, shipped.body.trackingNo], ['shipped', 'SF1000001']);
  });
});
