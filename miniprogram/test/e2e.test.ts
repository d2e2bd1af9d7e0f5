/**
 * The mini-program's own service layer against the real gateway (the embedded default started by the
 * platform helper), through the wx shim: dev login, campaigns, a seckill purchase through settlement to a
 * paid order, a coupon put on a seckill order, swapped and paid with, and a group opened by one shopper and
 * joined by another.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { adminLogin, api as httpApi } from '../../broker-services/test/support/http.ts';
import { type StartedPlatform, startPlatform } from '../../broker-services/test/support/platform.ts';
import './support/ts-resolve.ts';
import { installWxShim, type WxShim } from './support/wx-shim.ts';

const { setApiBaseUrl } = await import('../config/env');
const { api } = await import('../services/request');
const { dispatchDevLogin } = await import('../services/auth/dispatchDevLogin');
const { fetchServerTime, syncServerClock } = await import('../services/time/fetchServerTime');
const { fetchCampaigns } = await import('../services/campaign/fetchCampaigns');
const { fetchOrder } = await import('../services/order/fetchOrder');
const { fetchOrders } = await import('../services/order/fetchOrders');
const { dispatchPayment } = await import('../services/order/dispatchPayment');
const { dispatchOrderCoupon } = await import('../services/order/dispatchOrderCoupon');
const { dispatchRemoveOrderCoupon } = await import('../services/order/dispatchRemoveOrderCoupon');
const { fetchOrderCoupons } = await import('../services/coupon/fetchOrderCoupons');
const { fetchMyCoupons } = await import('../services/coupon/fetchMyCoupons');
const { dispatchAddAddress } = await import('../services/address/dispatchAddAddress');
const { fetchAddresses } = await import('../services/address/fetchAddresses');
const { fetchGroup } = await import('../services/group/fetchGroup');
const { fetchGroups } = await import('../services/group/fetchGroups');
const { dispatchOpenGroup } = await import('../services/group/dispatchOpenGroup');
const { dispatchJoinGroup } = await import('../services/group/dispatchJoinGroup');
const { SeckillPurchase } = await import('../lib/seckill-purchase');
const { TapCommand } = await import('../lib/tap-command');
const { campaignPhase } = await import('../lib/countdown');
const { serverClock } = await import('../lib/server-clock');
const { ApiError } = await import('../services/request');
type Campaign = import('../services/api-types').Campaign;
type Order = import('../services/api-types').Order;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Logs in as `openid` and makes any later 401 log in as the same shopper again. */
async function loginAs(openid: string) {
  const session = await dispatchDevLogin(openid);
  api.setLoginHandler(() => dispatchDevLogin(openid));
  return session;
}

async function liveCampaign(type: Campaign['type']): Promise<Campaign> {
  const campaigns = await fetchCampaigns(type);
  const found = campaigns.find(
    (c) => c.type === type && campaignPhase(c, serverClock.now()) === 'live' && c.stockLeft > 0,
  );
  assert.ok(
    found,
    `a live ${type} campaign is seeded (got ${campaigns.map((c) => `${c.id}:${c.status}`).join(', ')})`,
  );
  return found;
}

async function waitForOrder(orderId: string, done: (order: Order) => boolean): Promise<Order> {
  let order = await fetchOrder(orderId);
  for (let i = 0; i < 100 && !done(order); i++) {
    await sleep(200);
    order = await fetchOrder(orderId);
  }
  return order;
}

describe('the mini-program against the real gateway', () => {
  let platform: StartedPlatform;
  let shim: WxShim;
  const run = randomUUID().slice(0, 8);

  before(async () => {
    platform = await startPlatform();
    shim = installWxShim();
    setApiBaseUrl(platform.baseUrl);
    await syncServerClock();
  });
  after(async () => {
    setApiBaseUrl(null);
    shim?.uninstall();
    await platform?.stop();
  });

  test('server time and campaigns', async () => {
    const now = Date.parse(await fetchServerTime());
    assert.ok(Number.isFinite(now));
    await loginAs(`e2e-browse-${run}`);
    const campaigns = await fetchCampaigns();
    assert.ok(campaigns.length >= 2);
    for (const c of campaigns) {
      assert.ok(
        Number.isInteger(c.priceFen) && Number.isInteger(c.originalPriceFen),
        'prices are integer fen',
      );
    }
  });

  test('seckill: reserve, settle into an order, pay with the dev provider, see it paid', async () => {
    const me = await loginAs(`e2e-seckill-${run}`);
    assert.ok(me.token);
    const campaign = await liveCampaign('seckill');
    const states: string[] = [];
    const purchase = new SeckillPurchase({
      campaignId: campaign.id,
      pollIntervalMs: 200,
      maxPolls: 150,
      onState: (s) => states.push(s.kind),
    });
    const orderId = await purchase.buy();
    assert.ok(orderId);
    assert.equal(states.at(-1), 'ordered');

    const pending = await fetchOrder(orderId);
    assert.equal(pending.status, 'pending_payment');
    assert.equal(pending.campaignId, campaign.id);
    assert.equal(pending.totalFen, campaign.priceFen);

    // Goods are shipped: paying without an address is refused, and the order waits for one.
    await assert.rejects(
      dispatchPayment(orderId),
      (err: unknown) => err instanceof ApiError && err.code === 'ADDRESS_REQUIRED',
    );
    const address = await dispatchAddAddress({
      name: '张三',
      phone: '13812348000',
      region: ['330000', '330100', '330106'],
      detail: '龙井路 1 号',
    });
    assert.deepEqual(
      (await fetchAddresses()).map((a) => [a.id, a.isDefault]),
      [[address.id, true]],
    );
    assert.equal(await dispatchPayment(orderId, address.id), 'dev');
    const paid = await waitForOrder(orderId, (o) => o.status === 'paid');
    assert.equal(paid.status, 'paid');
    assert.ok(paid.paidAt);

    const mine = await fetchOrders();
    assert.ok(mine.items.some((o) => o.id === orderId && o.status === 'paid'));
  });

  test('seckill: a coupon on the order before paying, swapped, taken off, put back, paid with', async () => {
    const me = await loginAs(`e2e-coupon-${run}`);
    const admin = await adminLogin(platform.baseUrl, platform.adminUsername, platform.adminPassword);
    const now = Date.parse(await fetchServerTime());
    const template = async (name: string, amountOffFen: number) => {
      const res = await httpApi<{ id: string }>(platform.baseUrl, 'POST', '/api/admin/coupon-templates', {
        token: admin,
        body: {
          name,
          kind: 'no_threshold',
          amountOffFen,
          minSpendFen: 0,
          total: 10,
          perUserLimit: 1,
          claimStartsAt: new Date(now - 60_000).toISOString(),
          claimEndsAt: new Date(now + 3_600_000).toISOString(),
          validDays: 7,
          combinesWithSeckill: true,
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const issued = await httpApi<{ issued: number }>(
        platform.baseUrl,
        'POST',
        `/api/admin/coupon-templates/${res.body.id}/issues`,
        {
          token: admin,
          body: { userIds: [me.user.id], reason: 'e2e', issueKey: `e2e-${run}-${amountOffFen}` },
        },
      );
      assert.equal(issued.body.issued, 1, JSON.stringify(issued.body));
      return (await fetchMyCoupons('unused')).find((c) => c.templateId === res.body.id)!.id;
    };
    const small = await template('立减1分', 1);
    const big = await template('立减2分', 2);
    const campaign = await liveCampaign('seckill');
    const orderId = await new SeckillPurchase({
      campaignId: campaign.id,
      pollIntervalMs: 200,
      maxPolls: 150,
    }).buy();
    assert.ok(orderId);
    const order = await fetchOrder(orderId);
    const choices = await fetchOrderCoupons(orderId);
    assert.equal(choices.bestCouponId, big);
    const withBig = await dispatchOrderCoupon(orderId, big);
    assert.deepEqual([withBig.payableFen, withBig.coupon?.id], [order.payableFen - 2, big]);
    const withSmall = await dispatchOrderCoupon(orderId, small);
    assert.deepEqual([withSmall.payableFen, withSmall.coupon?.id], [order.payableFen - 1, small]);
    const without = await dispatchRemoveOrderCoupon(orderId);
    assert.deepEqual([without.payableFen, without.coupon], [order.payableFen, undefined]);
    await dispatchOrderCoupon(orderId, big);
    const address = await dispatchAddAddress({
      name: '张三',
      phone: '13812348000',
      region: ['330000', '330100', '330106'],
      detail: '龙井路 1 号',
    });
    assert.equal(await dispatchPayment(orderId, address.id), 'dev');
    const paid = await waitForOrder(orderId, (o) => o.status === 'paid');
    assert.deepEqual([paid.payableFen, paid.coupon?.id], [order.payableFen - 2, big]);
    assert.ok((await fetchMyCoupons('used')).some((c) => c.id === big));
    // Paid: the price is fixed, the coupon stays.
    await assert.rejects(
      dispatchOrderCoupon(orderId, small),
      (err: unknown) => err instanceof ApiError && err.code === 'ORDER_NOT_PAYABLE',
    );
  });

  test('group buy: A opens a group, B joins it, two slots taken', async () => {
    const campaign = await liveCampaign('groupbuy');
    const a = await loginAs(`e2e-group-a-${run}`);
    const opened = await new TapCommand({ campaignId: campaign.id }).run(({ requestId, admissionToken }) =>
      dispatchOpenGroup({
        campaignId: campaign.id,
        requestId,
        ...(admissionToken ? { admissionToken } : {}),
      }),
    );
    assert.equal(opened.group.slotsTaken, 1);
    assert.equal(opened.group.leaderId, a.user.id);
    const groupId = opened.group.id;

    const b = await loginAs(`e2e-group-b-${run}`);
    const listed = await fetchGroups(campaign.id);
    assert.ok(
      listed.some((g) => g.id === groupId),
      'the new group is listed for joining',
    );

    const joined = await new TapCommand({ campaignId: campaign.id }).run(({ requestId, admissionToken }) =>
      dispatchJoinGroup({ groupId, requestId, ...(admissionToken ? { admissionToken } : {}) }),
    );
    assert.equal(joined.group.slotsTaken, 2);

    const group = await fetchGroup(groupId);
    assert.equal(group.slotsTaken, 2);
    const members = group.members.map((m) => m.userId).sort();
    assert.deepEqual(members, [a.user.id, b.user.id].sort());

    // B's second join is refused as a business rule, in words a shopper reads.
    const again = await dispatchJoinGroup({ groupId, requestId: `again-${run}` }).catch((e: unknown) => e);
    assert.ok(again instanceof ApiError);
    assert.ok(['ALREADY_MEMBER', 'GROUP_FULL', 'GROUP_CLOSED'].includes(again.code), again.code);
    assert.match(again.message, /[\u4e00-\u9fff]/);
  });
});
