/**
 * Points and the points mall through the mini-program's own service layer and page logic, against the real
 * gateway (the embedded default) through the wx shim: an operator's adjustment shows in my balance and ledger in
 * my words; the mall offers an item I can afford; a redemption takes the points and the unit once, and its resend
 * with the same requestId answers the same redemption; the last unit sold, over my limit and not enough points
 * each come back as a refusal in Chinese, and the item's button then says why it cannot be tapped.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { api as adminApi, adminLogin } from '../../broker-services/test/support/http.ts';
import { type StartedPlatform, startPlatform } from '../../broker-services/test/support/platform.ts';
import './support/ts-resolve.ts';
import { installWxShim, type WxShim } from './support/wx-shim.ts';

const { setApiBaseUrl } = await import('../config/env');
const { api, ApiError } = await import('../services/request');
const { dispatchDevLogin } = await import('../services/auth/dispatchDevLogin');
const { fetchPoints } = await import('../services/points/fetchPoints');
const { fetchPointsBalance } = await import('../services/points/fetchPointsBalance');
const { fetchMallItems } = await import('../services/points/fetchMallItems');
const { dispatchRedemption } = await import('../services/points/dispatchRedemption');
const { fetchRedemptions } = await import('../services/points/fetchRedemptions');
const { ledgerRowView, mallItemView, redeemedCounts } = await import('../lib/points-view');

async function loginAs(openid: string) {
  const session = await dispatchDevLogin(openid);
  api.setLoginHandler(() => dispatchDevLogin(openid));
  return session;
}

function refusal(code: string, message: RegExp) {
  return (err: unknown) => err instanceof ApiError && err.code === code && message.test(err.message);
}

describe('points and the points mall through the mini-program against the real gateway', () => {
  let platform: StartedPlatform;
  let shim: WxShim;
  let owner: string;
  const run = randomUUID().slice(0, 8);

  before(async () => {
    platform = await startPlatform();
    shim = installWxShim();
    setApiBaseUrl(platform.baseUrl);
    owner = await adminLogin(platform.baseUrl, platform.adminUsername, platform.adminPassword);
  });
  after(async () => {
    setApiBaseUrl(null);
    shim?.uninstall();
    await platform?.stop();
  });

  const adjust = async (userId: string, delta: number) => {
    const res = await adminApi(platform.baseUrl, 'POST', '/api/admin/points-adjustments', {
      token: owner,
      body: { userId, delta, note: `测试补偿 ${run}`, requestId: randomUUID() },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  const mallItem = async (title: string, pointsCost: number, stockTotal: number, perUserLimit: number) => {
    const res = await adminApi<{ id: string }>(platform.baseUrl, 'POST', '/api/admin/points-mall/items', {
      token: owner,
      body: { title, description: '积分兑换', pointsCost, stockTotal, perUserLimit },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };

  test('balance and ledger; redeem once (a resend is the same redemption); sold out, limit, not enough points', async () => {
    const me = await loginAs(`points-e2e-a-${run}`);
    await adjust(me.user.id, 1000);
    const points = await fetchPoints();
    assert.equal(points.balance, 1000);
    const [first] = points.items.map(ledgerRowView);
    assert.deepEqual(
      { label: first?.label, delta: first?.delta, earned: first?.earned },
      { label: '客服调整', delta: '+1000', earned: true },
    );

    const cup = await mallItem(`定制茶杯 ${run}`, 400, 1, 1);
    const tin = await mallItem(`茶叶罐 ${run}`, 700, 5, 2);
    const offered = await fetchMallItems();
    const cupItem = offered.find((i) => i.id === cup);
    const tinItem = offered.find((i) => i.id === tin);
    assert.ok(cupItem && tinItem, 'both items are offered');
    assert.equal(mallItemView(cupItem, 1000, 0, Date.now()).action, '立即兑换');

    // One tap, sent twice (the first answer lost): one redemption, 400 points, one unit.
    const requestId = `rdm_${run}_cup`;
    const redeemed = await dispatchRedemption(cup, requestId);
    const again = await dispatchRedemption(cup, requestId);
    assert.equal(again.order.id, redeemed.order.id, 'the resend answers the same redemption');
    assert.equal(await fetchPointsBalance(), 600);
    const mine = await fetchRedemptions();
    assert.equal(mine.filter((r) => r.itemId === cup).length, 1);

    // The cup's only unit is gone: a new tap is refused in Chinese, and the button says so.
    await assert.rejects(dispatchRedemption(cup, `rdm_${run}_cup2`), refusal('SOLD_OUT', /[兑抢光售]/));
    const afterCup = (await fetchMallItems()).find((i) => i.id === cup);
    if (afterCup) assert.equal(mallItemView(afterCup, 600, 1, Date.now()).action, '已兑完');

    // 600 points do not buy a 700-point tin.
    assert.equal(mallItemView(tinItem, 600, 0, Date.now()).action, '积分不足');
    await assert.rejects(
      dispatchRedemption(tin, `rdm_${run}_tin1`),
      refusal('INSUFFICIENT_POINTS', /积分不足/),
    );
    assert.equal(await fetchPointsBalance(), 600, 'a refusal takes nothing');

    // With 900 more, two tins (the limit), then a third is over the limit.
    await adjust(me.user.id, 900);
    await dispatchRedemption(tin, `rdm_${run}_tin2`);
    await dispatchRedemption(tin, `rdm_${run}_tin3`);
    await assert.rejects(dispatchRedemption(tin, `rdm_${run}_tin4`), refusal('LIMIT_EXCEEDED', /[限上]/));
    assert.equal(await fetchPointsBalance(), 100);
    const counts = redeemedCounts(await fetchRedemptions());
    assert.equal(counts[tin], 2);
    const tinNow = (await fetchMallItems()).find((i) => i.id === tin);
    assert.ok(tinNow);
    assert.equal(tinNow.stockLeft, 3);
    assert.equal(mallItemView(tinNow, 100, counts[tin] ?? 0, Date.now()).action, '已达兑换上限');

    // The ledger, newest first, in my words: the two tins, the adjustment, the cup, the first adjustment.
    const ledger = (await fetchPoints()).items.map(ledgerRowView);
    assert.deepEqual(
      ledger.map((r) => `${r.label} ${r.delta}`),
      ['积分商城兑换 -700', '积分商城兑换 -700', '客服调整 +900', '积分商城兑换 -400', '客服调整 +1000'],
    );
  });
});
