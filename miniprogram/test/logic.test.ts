/**
 * Page logic that decides what a shopper sees and what the server receives: fen formatting, countdowns on the
 * server's clock, and the buy tap's requestId surviving retries (against a local HTTP server that loses
 * answers, through the wx shim), including the waiting room's queue.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type LocalServer, sendError, sendJson, startJsonServer } from './support/http-server.ts';
import './support/ts-resolve.ts';
import { installWxShim, type WxShim } from './support/wx-shim.ts';

const { formatFen, formatFenWithSign, discountLabel } = await import('../lib/money');
const { countdownParts, campaignPhase } = await import('../lib/countdown');
const { ServerClock, serverClock } = await import('../lib/server-clock');
const { splitCampaigns, campaignCardView } = await import('../lib/campaign-view');
const { myCampaignTerms, durationLabel } = await import('../lib/level-benefit-view');
const { SeckillPurchase } = await import('../lib/seckill-purchase');
const { purchaseView } = await import('../lib/purchase-view');
const { groupView, groupShareTitle } = await import('../lib/group-view');
const { setApiBaseUrl } = await import('../config/env');
const { api } = await import('../services/request');
const { syncServerClock } = await import('../services/time/fetchServerTime');
type PurchaseState = import('../lib/seckill-purchase').PurchaseState;
type Campaign = import('../services/api-types').Campaign;

describe('prices stay fen until shown', () => {
  test('formatFen', () => {
    assert.equal(formatFen(1234), '12.34');
    assert.equal(formatFen(5), '0.05');
    assert.equal(formatFen(100), '1.00');
    assert.equal(formatFen(0), '0.00');
    assert.equal(formatFen(-250), '-2.50');
    assert.equal(formatFen(123456789), '1234567.89');
    assert.equal(formatFenWithSign(990), '¥9.90');
    assert.throws(() => formatFen(12.5), TypeError);
  });
  test('discount label', () => {
    assert.equal(discountLabel(990, 1990), '4.9折');
    assert.equal(discountLabel(1990, 1990), '');
    assert.equal(discountLabel(100, 0), '');
  });
});

describe('countdowns run on the server clock', () => {
  test('the offset is the server time minus the middle of the round trip', async () => {
    let local = 1_000_000;
    const clock = new ServerClock(() => local);
    const offset = await clock.sync(async () => {
      local += 200; // the round trip takes 200 ms of phone time
      return new Date(1_000_000 + 3_600_000 + 100).toISOString();
    });
    assert.equal(offset, 3_600_000);
    assert.equal(clock.now(), local + 3_600_000);
    local += 5000;
    assert.equal(clock.now(), 1_000_200 + 5000 + 3_600_000);
  });

  test('a phone clock an hour slow still shows the right time to start', async () => {
    const serverNow = Date.parse('2030-01-01T12:00:00.000Z');
    const phoneNow = serverNow - 3_600_000;
    const clock = new ServerClock(() => phoneNow);
    await clock.sync(async () => new Date(serverNow).toISOString());
    const campaign = {
      startsAt: '2030-01-01T12:01:30.000Z',
      endsAt: '2030-01-01T13:00:00.000Z',
      status: 'scheduled',
    };
    assert.equal(campaignPhase(campaign, clock.now()), 'upcoming');
    assert.equal(countdownParts(campaign.startsAt, clock.now()).label, '00:01:30');
    // Trusting the phone would have shown an hour and a half.
    assert.equal(countdownParts(campaign.startsAt, phoneNow).label, '01:01:30');
  });

  test('countdown parts', () => {
    assert.deepEqual(countdownParts(90_500, 0), {
      totalMs: 90_500,
      days: 0,
      hours: 0,
      minutes: 1,
      seconds: 31,
      label: '00:01:31',
      done: false,
    });
    assert.equal(countdownParts(2 * 86_400_000 + 3_723_000, 0).label, '2天 01:02:03');
    assert.equal(countdownParts('2030-01-01T00:00:00Z', Date.parse('2030-01-01T00:00:05Z')).done, true);
    assert.equal(
      countdownParts('2030-01-01T00:00:00Z', Date.parse('2030-01-01T00:00:05Z')).label,
      '00:00:00',
    );
  });

  test('phases and the home lists', () => {
    const now = Date.parse('2030-01-01T12:00:00Z');
    const base = {
      type: 'seckill' as const,
      productId: 'prd_1',
      skuId: 'sku_1',
      priceFen: 990,
      originalPriceFen: 1990,
      stockTotal: 100,
      stockLeft: 40,
      perUserLimit: 1,
      waitingRoom: { enabled: false, admissionRatePerSecond: 100 },
      levelBenefits: [],
      stockBuckets: 1,
    };
    const campaigns: Campaign[] = [
      {
        ...base,
        id: 'cmp_late',
        title: 'late',
        startsAt: '2030-01-01T11:00:00Z',
        endsAt: '2030-01-01T14:00:00Z',
        status: 'live',
      },
      {
        ...base,
        id: 'cmp_soon',
        title: 'soon',
        startsAt: '2030-01-01T11:00:00Z',
        endsAt: '2030-01-01T12:30:00Z',
        status: 'live',
      },
      {
        ...base,
        id: 'cmp_next',
        title: 'next',
        startsAt: '2030-01-01T13:00:00Z',
        endsAt: '2030-01-01T15:00:00Z',
        status: 'scheduled',
      },
      {
        ...base,
        id: 'cmp_done',
        title: 'done',
        startsAt: '2030-01-01T09:00:00Z',
        endsAt: '2030-01-01T10:00:00Z',
        status: 'ended',
      },
      {
        ...base,
        id: 'cmp_stop',
        title: 'stop',
        startsAt: '2030-01-01T11:00:00Z',
        endsAt: '2030-01-01T14:00:00Z',
        status: 'stopped',
      },
    ];
    const { live, upcoming } = splitCampaigns(campaigns, now);
    assert.deepEqual(
      live.map((c) => c.id),
      ['cmp_soon', 'cmp_late'],
    );
    assert.deepEqual(
      upcoming.map((c) => c.id),
      ['cmp_next'],
    );
    const view = campaignCardView(campaigns[0]!, now);
    assert.equal(view.phase, 'live');
    assert.equal(view.soldPercent, 60);
    assert.equal(view.countdownTarget, '2030-01-01T14:00:00Z');
    assert.equal(view.url, '/pages/seckill/detail/index?id=cmp_late');
  });
});

describe('level benefits on a campaign: the lines and the shopper’s own terms', () => {
  const campaign = {
    startsAt: '2030-01-01T12:00:00.000Z',
    endsAt: '2030-01-01T14:00:00.000Z',
    status: 'scheduled',
    perUserLimit: 2,
    levelBenefits: [
      { levelCode: 'gold', perUserLimit: 4, earlyAccessMinutes: 10 },
      { levelCode: 'silver', earlyAccessMinutes: 90 },
    ],
  };
  const levels = [
    { code: 'regular', name: '普通会员', threshold: 0, discountPercent: 0, benefits: [] },
    { code: 'silver', name: '白银会员', threshold: 1000, discountPercent: 2, benefits: [] },
    { code: 'gold', name: '黄金会员', threshold: 5000, discountPercent: 5, benefits: [] },
  ];
  const card = (code: string) => ({
    level: { code, name: levels.find((l) => l.code === code)!.name, discountPercent: 0 },
    levels,
  });

  test('durations in the shopper’s words', () => {
    assert.equal(durationLabel(10), '10 分钟');
    assert.equal(durationLabel(120), '2 小时');
    assert.equal(durationLabel(90), '1 小时 30 分钟');
  });

  test('a gold member: the earlier opening, the higher limit, and their line marked', () => {
    const t = myCampaignTerms(campaign, card('gold'));
    assert.deepEqual(t, {
      opensAt: '2030-01-01T11:50:00.000Z',
      perUserLimit: 4,
      notice: '你是黄金会员：提前 10 分钟开抢，限购 4 件',
      lines: [
        { levelCode: 'gold', text: '黄金会员提前 10 分钟 · 限购 4 件', mine: true },
        { levelCode: 'silver', text: '白银会员提前 1 小时 30 分钟', mine: false },
      ],
    });
    // Their countdown runs to their own opening: live for them 5 minutes before the start, upcoming for others.
    const now = Date.parse('2030-01-01T11:55:00Z');
    assert.equal(campaignPhase({ ...campaign, startsAt: t.opensAt }, now), 'live');
    assert.equal(campaignPhase(campaign, now), 'upcoming');
  });

  test('a level without a benefit here, or no card: the campaign’s own terms', () => {
    for (const c of [card('regular'), null]) {
      const t = myCampaignTerms(campaign, c);
      assert.equal(t.opensAt, campaign.startsAt);
      assert.equal(t.perUserLimit, 2);
      assert.equal(t.notice, '');
      assert.ok(t.lines.every((l) => !l.mine));
    }
    // Without the card the lines name the codes.
    assert.equal(myCampaignTerms(campaign, null).lines[0]!.text, 'GOLD提前 10 分钟 · 限购 4 件');
    assert.deepEqual(myCampaignTerms({ ...campaign, levelBenefits: [] }, card('gold')).lines, []);
  });
});

describe('group view and share', () => {
  test('seats, slots left, joinable, share title', () => {
    const group = {
      id: 'grp_1',
      campaignId: 'cmp_g',
      leaderId: 'usr_a',
      size: 3,
      slotsTaken: 1,
      members: [{ userId: 'usr_a', paid: true }],
      status: 'forming' as const,
      expiresAt: '2030-01-01T00:00:00Z',
      sharePath: '/pages/group/detail/index?id=grp_1',
    };
    const asFriend = groupView(group, 'usr_b');
    assert.equal(asFriend.slotsLeft, 2);
    assert.equal(asFriend.seats.length, 3);
    assert.deepEqual(
      asFriend.seats.map((s) => s.taken),
      [true, false, false],
    );
    assert.equal(asFriend.joinable, true);
    assert.equal(groupView(group, 'usr_a').joinable, false);
    assert.equal(groupShareTitle(group, '好物'), '还差2人成团！好物');
  });
});

describe('a buy tap keeps its requestId through retries', () => {
  let shim: WxShim;
  let server: LocalServer;
  /** What the fake gateway did: every reservation POST, and each reservation it made. */
  const posts: Array<{ requestId: string; admissionToken?: string }> = [];
  const reservations = new Map<string, { id: string; polls: number }>();
  let dropNextAnswers = 0;
  let refuseWith: string | null = null;
  let waitingRoom = false;
  let queueRounds = 0;
  let serverTimeSkewMs = 0;

  before(async () => {
    shim = installWxShim();
    server = await startJsonServer((req, res) => {
      if (req.path === '/api/time')
        return sendJson(res, 200, { now: new Date(Date.now() + serverTimeSkewMs).toISOString() });
      if (req.path === '/api/campaigns/cmp_live/admission') {
        if (queueRounds > 0) {
          const position = queueRounds * 10;
          queueRounds--;
          return sendError(
            res,
            429,
            'QUEUED',
            { details: { queuePosition: position } },
            { 'retry-after': '2' },
          );
        }
        return sendJson(res, 200, {
          token: 'adm_ok',
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        });
      }
      if (req.path === '/api/seckill/cmp_live/reservations') {
        const body = req.body as { requestId: string; quantity: number; admissionToken?: string };
        posts.push({
          requestId: body.requestId,
          ...(body.admissionToken ? { admissionToken: body.admissionToken } : {}),
        });
        if (refuseWith) return sendError(res, 409, refuseWith);
        if (waitingRoom && body.admissionToken !== 'adm_ok') return sendError(res, 409, 'ADMISSION_REQUIRED');
        // Idempotent on requestId, as the gateway is: a resend gets the first reservation back.
        let reservation = reservations.get(body.requestId);
        if (!reservation) {
          reservation = { id: `rsv_${reservations.size + 1}`, polls: 0 };
          reservations.set(body.requestId, reservation);
        }
        if (dropNextAnswers > 0) {
          // The reservation is made but its answer never reaches the phone.
          dropNextAnswers--;
          return req.raw.socket.destroy();
        }
        return sendJson(res, 201, {
          reservation: {
            id: reservation.id,
            campaignId: 'cmp_live',
            quantity: 1,
            status: 'reserved',
            expiresAt: '2030-01-01T00:00:00Z',
          },
        });
      }
      if (req.path.startsWith('/api/reservations/')) {
        const id = req.path.split('/').pop();
        const reservation = [...reservations.values()].find((r) => r.id === id);
        if (!reservation) return sendError(res, 404, 'NOT_FOUND');
        reservation.polls++;
        const settled = reservation.polls >= 2;
        return sendJson(res, 200, {
          id: reservation.id,
          campaignId: 'cmp_live',
          quantity: 1,
          status: settled ? 'settled' : 'reserved',
          orderId: settled ? `ord_${reservation.id}` : null,
          expiresAt: '2030-01-01T00:00:00Z',
        });
      }
      return sendError(res, 404, 'NOT_FOUND');
    });
    setApiBaseUrl(server.baseUrl);
    api.setSession({ token: 'tok', user: { id: 'usr_me', createdAt: '2030-01-01T00:00:00.000Z' } });
  });
  after(async () => {
    setApiBaseUrl(null);
    shim.uninstall();
    await server.close();
  });
  beforeEach(() => {
    posts.length = 0;
    reservations.clear();
    dropNextAnswers = 0;
    refuseWith = null;
    waitingRoom = false;
    queueRounds = 0;
  });

  function purchase(states: PurchaseState[], waits: number[] = []) {
    return new SeckillPurchase({
      campaignId: 'cmp_live',
      onState: (s) => states.push(s),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
  }

  test('the shared clock syncs against GET /api/time through the request layer', async () => {
    serverTimeSkewMs = 2 * 3_600_000;
    const offset = await syncServerClock();
    // Two hours ahead, give or take the loopback round trip.
    assert.ok(Math.abs(offset - 2 * 3_600_000) < 5_000, `offset ${offset}`);
    assert.ok(Math.abs(serverClock.now() - (Date.now() + 2 * 3_600_000)) < 5_000);
    serverTimeSkewMs = 0;
  });

  test('a lost answer is resent with the same requestId: one reservation, one order', async () => {
    dropNextAnswers = 1;
    const states: PurchaseState[] = [];
    const orderId = await purchase(states).buy();
    assert.equal(posts.length, 2);
    assert.equal(posts[0]!.requestId, posts[1]!.requestId);
    assert.equal(reservations.size, 1);
    assert.equal(orderId, 'ord_rsv_1');
    assert.deepEqual(
      states.map((s) => s.kind),
      ['submitting', 'submitting', 'idle', 'settling', 'settling', 'ordered'],
    );
  });

  test('after the automatic retries give up, the shopper\'s "重试" still reuses the id', async () => {
    dropNextAnswers = 3; // the first try and both automatic resends lose their answers
    const states: PurchaseState[] = [];
    const flow = purchase(states);
    await assert.rejects(flow.buy(), { code: 'NETWORK_ERROR' });
    const kept = flow.requestId;
    assert.ok(kept && kept.length >= 8 && kept.length <= 64);
    const last = states.at(-1)!;
    assert.equal(last.kind, 'failed');
    assert.deepEqual(purchaseView(last), {
      buttonText: '重试',
      buttonDisabled: false,
      busy: false,
      notice: '网络不给力，请检查网络后重试',
      final: false,
    });

    const orderId = await flow.buy();
    assert.equal(posts.length, 4);
    assert.ok(posts.every((p) => p.requestId === kept));
    assert.equal(reservations.size, 1);
    assert.equal(orderId, 'ord_rsv_1');

    // A new tap after an answered one is a new purchase: a new id.
    await flow.buy();
    assert.notEqual(posts.at(-1)!.requestId, kept);
    assert.equal(reservations.size, 2);
  });

  test('SOLD_OUT is final: the button reads 已抢光 and stays off', async () => {
    refuseWith = 'SOLD_OUT';
    const states: PurchaseState[] = [];
    const flow = purchase(states);
    await assert.rejects(flow.buy(), { code: 'SOLD_OUT', message: '已抢光' });
    assert.equal(posts.length, 1);
    assert.equal(flow.requestId, null);
    const view = purchaseView(states.at(-1)!);
    assert.equal(view.buttonText, '已抢光');
    assert.equal(view.buttonDisabled, true);
    assert.equal(view.notice, '已抢光');
  });

  test('LIMIT_EXCEEDED reads as the limit message', async () => {
    refuseWith = 'LIMIT_EXCEEDED';
    const states: PurchaseState[] = [];
    await assert.rejects(purchase(states).buy(), { code: 'LIMIT_EXCEEDED' });
    const view = purchaseView(states.at(-1)!);
    assert.equal(view.buttonText, '已达限购');
    assert.equal(view.notice, '已达到每人限购数量');
  });

  test('the waiting room: queue with positions, then reserve with the admission token and the same id', async () => {
    waitingRoom = true;
    queueRounds = 2;
    const states: PurchaseState[] = [];
    const waits: number[] = [];
    const orderId = await purchase(states, waits).buy();
    assert.equal(orderId, 'ord_rsv_1');
    assert.equal(posts.length, 2);
    assert.equal(posts[0]!.admissionToken, undefined);
    assert.equal(posts[1]!.admissionToken, 'adm_ok');
    assert.equal(posts[0]!.requestId, posts[1]!.requestId);
    const queued = states.filter((s) => s.kind === 'queued');
    assert.deepEqual(
      queued.map((s) => (s.kind === 'queued' ? s.queuePosition : -1)),
      [20, 10],
    );
    assert.equal(purchaseView(queued[0]!).notice, '排队中，前面还有 20 人，请不要离开');
    // It waited as long as Retry-After asked, each time.
    assert.deepEqual(waits.slice(0, 2), [2000, 2000]);
  });
});

describe('points mall item: what the button says', async () => {
  const { mallItemView } = await import('../lib/points-view');
  const now = Date.parse('2026-11-30T12:00:00Z');
  const item = {
    id: 'pmi_1',
    title: '定制茶杯',
    description: '',
    pointsCost: 300,
    stockTotal: 100,
    stockLeft: 50,
    perUserLimit: 2,
    status: 'active' as const,
  };

  test('redeemable, then each reason it is not, in the order a shopper can act on', () => {
    assert.equal(mallItemView(item, 300, 0, now).action, '立即兑换');
    assert.equal(mallItemView(item, 300, 0, now).stockLabel, '');
    assert.equal(mallItemView({ ...item, stockLeft: 3 }, 300, 0, now).stockLabel, '仅剩 3 件');
    assert.equal(mallItemView(item, 299, 0, now).action, '积分不足');
    assert.equal(mallItemView(item, 900, 2, now).action, '已达兑换上限');
    assert.equal(mallItemView(item, 900, 1, now).limitLabel, '每人限兑 2 件 · 已兑 1 件');
    const later = { ...item, startsAt: '2026-11-30T13:00:00Z' };
    assert.equal(mallItemView(later, 900, 0, now).action, '即将开始');
    const over = { ...item, endsAt: '2026-11-30T12:00:00Z' };
    assert.equal(mallItemView(over, 900, 0, now).action, '已结束');
    // Sold out wins over everything else: nothing the shopper does can change it.
    assert.equal(mallItemView({ ...over, stockLeft: 0 }, 0, 5, now).action, '已兑完');
  });
});
