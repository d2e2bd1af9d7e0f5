/**
 * Membership levels through the gateway, on real PostgreSQL and on the embedded default (every service in this
 * process, a test clock): the operator's levels (validated, audited); growth earned once by a completed order and a
 * level reached at once; the member discount on regular prices at checkout, before points; the member card with
 * progress to the next level; the scheduled review moving a shopper down when their growth leaves the window; the
 * monthly coupon; the level-up gift, once per level per shopper whatever the retries, recomputes and climbs back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertError } from '../gateway/support.ts';
import { addAddress, adminLogin, api, devLogin } from '../support/http.ts';
import { type InProcessOptions, type InProcessPlatform, startInProcess } from '../support/in-process.ts';

interface Order {
  id: string;
  status: string;
  itemsFen: number;
  discountFen: number;
  pointsUsed: number;
  payableFen: number;
}
interface Card {
  level: { code: string; name: string; discountPercent: number };
  growth: number;
  benefits: string[];
  nextLevel?: { code: string; name: string; threshold: number };
  growthToNext?: number;
  progressPercent: number;
}

const DAY = 86400_000;
interface Level {
  code: string;
  name: string;
  threshold: number;
  discountPercent: number;
  benefits: string[];
  monthlyCouponTemplateId: string | null;
  levelUpCouponTemplateId: string | null;
}
const LEVELS: { windowDays: number; levels: Level[] } = {
  windowDays: 30,
  levels: [
    {
      code: 'regular',
      name: '普通会员',
      threshold: 0,
      discountPercent: 0,
      benefits: [],
      monthlyCouponTemplateId: null,
      levelUpCouponTemplateId: null,
    },
    {
      code: 'silver',
      name: '白银会员',
      threshold: 100,
      discountPercent: 5,
      benefits: ['会员价 95 折'],
      monthlyCouponTemplateId: null,
      levelUpCouponTemplateId: null,
    },
    {
      code: 'gold',
      name: '黄金会员',
      threshold: 300,
      discountPercent: 10,
      benefits: ['会员价 9 折', '生日礼'],
      monthlyCouponTemplateId: null,
      levelUpCouponTemplateId: null,
    },
  ],
};

function membershipSuite(opts: InProcessOptions) {
  let p: InProcessPlatform;
  let admin: string;
  let skuId: string;
  const run = randomBytes(4).toString('hex');
  let seq = 0;

  const call = <T>(method: string, path: string, token: string, body?: unknown) =>
    api<T>(p.gateway, method, path, { token, ...(body !== undefined ? { body } : {}) });
  const card = async (token: string) => (await call<Card>('GET', '/api/me/membership', token)).body;
  const checkout = (s: { token: string; addressId: string }, quantity: number, pointsToUse?: number) =>
    call<{ order: Order }>('POST', '/api/orders', s.token, {
      items: [{ skuId, quantity }],
      addressId: s.addressId,
      requestId: `co-${run}-${seq++}`,
      ...(pointsToUse ? { pointsToUse } : {}),
    });
  const complete = async (token: string, order: Order) => {
    await call('POST', `/api/payments/dev/${order.id}/confirm`, token);
    await call('POST', `/api/admin/orders/${order.id}/ship`, admin, { trackingNo: `SF${run}${seq++}` });
    const done = await call<Order>('POST', `/api/orders/${order.id}/receipt`, token);
    assert.equal(done.body.status, 'completed', JSON.stringify(done.body));
  };

  before(async () => {
    p = await startInProcess(opts);
    admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
    const made = await call<{ skus: { id: string }[] }>('POST', '/api/admin/products', admin, {
      title: '会员测试商品',
      skus: [{ name: 'S', priceFen: 10000, stock: 100 }],
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    skuId = made.body.skus[0]!.id;
  });
  after(async () => {
    await p?.stop();
  });

  test('levels: the defaults, refusals that change nothing, and a replacement that is audited', async () => {
    const defaults = await call<{ windowDays: number; levels: { code: string; threshold: number }[] }>(
      'GET',
      '/api/admin/member-levels',
      admin,
    );
    assert.equal(defaults.body.windowDays, 365);
    assert.deepEqual(
      defaults.body.levels.map((l) => [l.code, l.threshold]),
      [
        ['regular', 0],
        ['silver', 1000],
        ['gold', 5000],
        ['diamond', 20000],
      ],
    );
    const put = (body: unknown) => call('PUT', '/api/admin/member-levels', admin, body);
    assertError(
      await put({ ...LEVELS, levels: LEVELS.levels.slice(1) }),
      400,
      'VALIDATION_FAILED',
      'The lowest level must have threshold 0',
    );
    assertError(
      await put({ ...LEVELS, levels: [...LEVELS.levels, { ...LEVELS.levels[2]!, threshold: 900 }] }),
      400,
      'VALIDATION_FAILED',
      'Level codes must differ',
    );
    assertError(
      await put({ ...LEVELS, levels: [...LEVELS.levels, { ...LEVELS.levels[2]!, code: 'platinum' }] }),
      400,
      'VALIDATION_FAILED',
      'Level thresholds must differ',
    );
    assert.deepEqual((await call('GET', '/api/admin/member-levels', admin)).body, defaults.body);
    const done = await put(LEVELS);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(done.body, LEVELS);
    const audit = await call<{ items: { action: string }[] }>('GET', '/api/admin/audit-log?limit=5', admin);
    assert.ok(audit.body.items.some((e) => e.action === 'member_levels.update'));
  });

  test('a completed order earns growth once and reaches the next level at once; the member discount applies before points', async () => {
    const s = await devLogin(p.gateway, `member-${run}`);
    const shopper = { ...s, addressId: await addAddress(p.gateway, s.token) };
    const me = await call<Record<string, unknown>>('GET', '/api/me', s.token);
    assert.deepEqual(me.body, {
      id: s.userId,
      level: { code: 'regular', name: '普通会员', discountPercent: 0 },
      growth: 0,
      points: 0,
    });
    const first = (await checkout(shopper, 1)).body.order;
    assert.deepEqual([first.itemsFen, first.discountFen, first.payableFen], [10000, 0, 10000]);
    await complete(s.token, first);
    const silver = await card(s.token);
    assert.deepEqual(silver, {
      level: { code: 'silver', name: '白银会员', discountPercent: 5 },
      growth: 100,
      benefits: ['会员价 95 折'],
      nextLevel: { code: 'gold', name: '黄金会员', threshold: 300 },
      growthToNext: 200,
      progressPercent: 0,
      reviewedAt: new Date(p.clock.now()).toISOString(),
      levels: LEVELS.levels,
    });
    await call('POST', `/api/orders/${first.id}/receipt`, s.token);
    assert.equal((await card(s.token)).growth, 100, 'a second receipt earns nothing');
    const me2 = await call<{ level: { code: string }; growth: number; points: number }>(
      'GET',
      '/api/me',
      s.token,
    );
    assert.deepEqual([me2.body.level.code, me2.body.growth, me2.body.points], ['silver', 100, 100]);

    // 5% off the items, then points on what is left (at most half of it).
    const over = await checkout(shopper, 2, 9501);
    assert.equal((over.body as unknown as { error: { code: string } }).error.code, 'POINTS_OVER_LIMIT');
    const second = (await checkout(shopper, 2, 100)).body.order;
    assert.deepEqual(
      [second.itemsFen, second.discountFen, second.pointsUsed, second.payableFen],
      [20000, 1000, 100, 18900],
    );
    await complete(s.token, second);
    const gold = await card(s.token);
    assert.equal(gold.level.code, 'silver', '100 + 189 is short of gold');
    assert.equal(gold.growth, 289);
    assert.deepEqual([gold.growthToNext, gold.progressPercent], [11, 94]);
  });

  test('a level’s monthly coupon: once a month to each of its members, through the coupons module', async () => {
    const made = await call<{ id: string }>('POST', '/api/admin/coupon-templates', admin, {
      name: '白银会员月度券',
      kind: 'amount_off',
      amountOffFen: 500,
      minSpendFen: 5000,
      total: 1000,
      perUserLimit: 1,
      claimStartsAt: new Date(p.clock.now() - DAY).toISOString(),
      claimEndsAt: new Date(p.clock.now() + 400 * DAY).toISOString(),
      validDays: 90,
      claimable: false,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const withCoupon = {
      windowDays: 365,
      levels: LEVELS.levels.map((l) =>
        l.code === 'silver' ? { ...l, monthlyCouponTemplateId: made.body.id } : l,
      ),
    };
    assertError(
      await call('PUT', '/api/admin/member-levels', admin, {
        ...withCoupon,
        levels: withCoupon.levels.map((l) =>
          l.code === 'gold' ? { ...l, monthlyCouponTemplateId: 'cpt_00000000000000000000000000' } : l,
        ),
      }),
      404,
      'NOT_FOUND',
      'No such coupon template',
    );
    const saved = await call('PUT', '/api/admin/member-levels', admin, withCoupon);
    assert.equal(saved.status, 200, JSON.stringify(saved.body));

    const s = await devLogin(p.gateway, `monthly-${run}`);
    const shopper = { ...s, addressId: await addAddress(p.gateway, s.token) };
    await complete(s.token, (await checkout(shopper, 1)).body.order);
    assert.equal((await card(s.token)).level.code, 'silver');
    const coupons = async () =>
      (
        await call<{ items: { templateId: string }[] }>('GET', '/api/me/coupons?status=unused', s.token)
      ).body.items.filter((c) => c.templateId === made.body.id).length;
    await p.broker.call('membership.monthlyCoupons', {});
    assert.equal(await coupons(), 1, 'this month’s coupon');
    await p.broker.call('membership.monthlyCoupons', {});
    assert.equal(await coupons(), 1, 'once a month');
    p.clock.advance(32 * DAY);
    await p.broker.call('membership.monthlyCoupons', {});
    assert.equal(await coupons(), 2, 'and again the next month');
    await call('PUT', '/api/admin/member-levels', admin, LEVELS);
  });

  test('a level-up gift: one coupon on reaching the level, none on recomputes or on climbing back; an unknown template is refused', async () => {
    const template = async (name: string) => {
      const made = await call<{ id: string }>('POST', '/api/admin/coupon-templates', admin, {
        name,
        kind: 'no_threshold',
        amountOffFen: 300,
        total: 1000,
        perUserLimit: 1,
        claimStartsAt: new Date(p.clock.now() - DAY).toISOString(),
        claimEndsAt: new Date(p.clock.now() + 400 * DAY).toISOString(),
        validDays: 30,
        claimable: false,
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      return made.body.id;
    };
    const silverGift = await template('白银升级礼');
    const goldGift = await template('黄金升级礼');
    const withGifts = (gifts: Record<string, string>) => ({
      windowDays: 30,
      levels: LEVELS.levels.map((l) => ({ ...l, levelUpCouponTemplateId: gifts[l.code] ?? null })),
    });
    assertError(
      await call(
        'PUT',
        '/api/admin/member-levels',
        admin,
        withGifts({ gold: 'cpt_00000000000000000000000000' }),
      ),
      404,
      'NOT_FOUND',
      'No such coupon template',
    );
    const unchanged = await call<{ levels: Level[] }>('GET', '/api/admin/member-levels', admin);
    assert.deepEqual(
      unchanged.body.levels.map((l) => l.levelUpCouponTemplateId),
      [null, null, null],
      'the refusal changed nothing',
    );
    const saved = await call<{ levels: Level[] }>(
      'PUT',
      '/api/admin/member-levels',
      admin,
      withGifts({ silver: silverGift, gold: goldGift }),
    );
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.deepEqual(
      saved.body.levels.map((l) => [l.code, l.levelUpCouponTemplateId]),
      [
        ['regular', null],
        ['silver', silverGift],
        ['gold', goldGift],
      ],
    );

    const s = await devLogin(p.gateway, `gift-${run}`);
    const shopper = { ...s, addressId: await addAddress(p.gateway, s.token) };
    const gifts = async (token: string, templateId: string) =>
      (
        await call<{ items: { templateId: string; source: string }[] }>('GET', '/api/me/coupons', token)
      ).body.items.filter((c) => c.templateId === templateId && c.source === 'level_up').length;
    await complete(s.token, (await checkout(shopper, 1)).body.order);
    assert.equal((await card(s.token)).level.code, 'silver');
    // Two gift passes at once (two processes, or the sweeper beside this call): one coupon.
    await Promise.all([
      p.broker.call('membership.levelGifts', {}),
      p.broker.call('membership.levelGifts', {}),
    ]);
    assert.equal(await gifts(s.token, silverGift), 1, 'the gift of the level reached');
    assert.equal(await gifts(s.token, goldGift), 0);
    await p.broker.call('membership.levelGifts', {});
    assert.equal(await gifts(s.token, silverGift), 1, 'a second pass issues none');

    // Recomputes at once (the review beside another review) leave the level where it is and queue nothing.
    p.clock.advance(DAY + 1000);
    await Promise.all([p.broker.call('membership.review', {}), p.broker.call('membership.review', {})]);
    await p.broker.call('membership.levelGifts', {});
    assert.equal((await card(s.token)).level.code, 'silver');
    assert.equal(await gifts(s.token, silverGift), 1, 'a recompute issues none');

    // Down when the growth leaves the window, then up again: the level's gift was given once, and stays given.
    p.clock.advance(30 * DAY);
    await p.broker.call('membership.review', {});
    assert.equal((await card(s.token)).level.code, 'regular');
    await complete(s.token, (await checkout(shopper, 1)).body.order);
    assert.equal((await card(s.token)).level.code, 'silver');
    await p.broker.call('membership.levelGifts', {});
    assert.equal(await gifts(s.token, silverGift), 1, 'climbing back gives no second gift');

    // A jump past a level reaches it too: regular → gold gives silver's gift and gold's.
    const j = await devLogin(p.gateway, `jump-${run}`);
    const jumper = { ...j, addressId: await addAddress(p.gateway, j.token) };
    await complete(j.token, (await checkout(jumper, 3)).body.order);
    assert.equal((await card(j.token)).level.code, 'gold');
    await p.broker.call('membership.levelGifts', {});
    assert.deepEqual([await gifts(j.token, silverGift), await gifts(j.token, goldGift)], [1, 1]);

    // Two completions at once, neither reaching silver alone (60 + 60 growth): together they raise the level, once.
    // With no points earned, nothing else (the points balance's row) queues the two transactions.
    const noEarn = {
      earnPointsPerYuan: 0,
      pointValueFen: 1,
      maxRedeemPercent: 50,
      maxRedeemPoints: null,
      expiryDays: null,
    };
    assert.equal((await call('PUT', '/api/admin/points-rules', admin, noEarn)).status, 200);
    const cheap = await call<{ skus: { id: string }[] }>('POST', '/api/admin/products', admin, {
      title: '会员测试小样',
      skus: [{ name: 'XS', priceFen: 6000, stock: 10 }],
    });
    assert.equal(cheap.status, 201, JSON.stringify(cheap.body));
    const t = await devLogin(p.gateway, `together-${run}`);
    const addressId = await addAddress(p.gateway, t.token);
    const shippedOrders: string[] = [];
    for (let i = 0; i < 2; i++) {
      const placed = await call<{ order: Order }>('POST', '/api/orders', t.token, {
        items: [{ skuId: cheap.body.skus[0]!.id, quantity: 1 }],
        addressId,
        requestId: `together-${run}-${i}`,
      });
      await call('POST', `/api/payments/dev/${placed.body.order.id}/confirm`, t.token);
      await call('POST', `/api/admin/orders/${placed.body.order.id}/ship`, admin, {
        trackingNo: `SF${run}t${i}`,
      });
      shippedOrders.push(placed.body.order.id);
    }
    const receipts = await Promise.all(
      shippedOrders.map((id) => call<Order>('POST', `/api/orders/${id}/receipt`, t.token)),
    );
    assert.deepEqual(
      receipts.map((r) => r.body.status),
      ['completed', 'completed'],
    );
    const together = await card(t.token);
    assert.deepEqual(
      [together.level.code, together.growth],
      ['silver', 120],
      'raised at once, not at the review',
    );
    await p.broker.call('membership.levelGifts', {});
    assert.equal(await gifts(t.token, silverGift), 1);
    assert.equal(
      (await call('PUT', '/api/admin/points-rules', admin, { ...noEarn, earnPointsPerYuan: 1 })).status,
      200,
    );

    // Issued as the system's coupon issues are: audited with the level.
    const audit = await call<{
      items: { action: string; objectId: string; actor?: string; detail?: unknown }[];
    }>('GET', '/api/admin/audit-log?limit=100', admin);
    const issues = audit.body.items.filter((e) => e.action === 'coupon.issue' && e.objectId === goldGift);
    assert.ok(issues.length >= 1, JSON.stringify(audit.body.items.slice(0, 5)));
    assert.match(JSON.stringify(issues[0]!.detail), /"source":"level_up"/);
    assert.match(JSON.stringify(issues[0]!.detail), /"levelCode":"gold"/);
    await call('PUT', '/api/admin/member-levels', admin, LEVELS);
  });

  test('the scheduled review moves a shopper down once their growth leaves the window, and up again', async () => {
    const s = await devLogin(p.gateway, `review-${run}`);
    const shopper = { ...s, addressId: await addAddress(p.gateway, s.token) };
    await complete(s.token, (await checkout(shopper, 3)).body.order);
    assert.equal((await card(s.token)).level.code, 'gold', '300 growth');
    p.clock.advance(2 * DAY);
    await p.broker.call('membership.review', {});
    assert.equal((await card(s.token)).level.code, 'gold', 'still in the window');
    p.clock.advance(29 * DAY);
    await p.broker.call('membership.review', {});
    const down = await card(s.token);
    assert.deepEqual([down.level.code, down.growth, down.level.discountPercent], ['regular', 0, 0]);
    const placed = (await checkout(shopper, 1)).body.order;
    assert.equal(placed.discountFen, 0, 'no member discount at the lowest level');
    await complete(s.token, placed);
    assert.equal((await card(s.token)).level.code, 'silver');
  });
}

describe('membership on PostgreSQL', () => {
  membershipSuite({});
});

describe('membership on the embedded default', () => {
  membershipSuite({ store: 'memory', database: 'embedded' });
});
