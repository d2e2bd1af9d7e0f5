/**
 * The price component, a campaign card and the home page rendered by miniprogram-simulate from the very
 * wxml/ts the mini-program ships.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { prepareSimulate, type SimulateTree, textOf } from './support/simulate.ts';
import './support/ts-resolve.ts';

const HOUR = 3_600_000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

function campaign(overrides: Record<string, unknown>) {
  return {
    id: 'cmp_1',
    type: 'seckill',
    title: '阳澄湖大闸蟹 4 只装',
    productId: 'prd_1',
    skuId: 'sku_1',
    priceFen: 990,
    originalPriceFen: 1990,
    startsAt: iso(-HOUR),
    endsAt: iso(2 * HOUR),
    stockTotal: 100,
    stockLeft: 40,
    perUserLimit: 1,
    status: 'live',
    waitingRoom: { enabled: false, admissionRatePerSecond: 100 },
    levelBenefits: [],
    stockBuckets: 1,
    ...overrides,
  };
}

let tree: SimulateTree;
before(async () => {
  tree = await prepareSimulate([
    'components/price',
    'components/countdown',
    'components/campaign-card',
    'pages/home/feed',
    'components/product-card',
    'pages/shop/product',
    'pages/order/detail',
    'pages/home/cart',
    'pages/order/checkout',
    'pages/points/index',
    'pages/points/mall',
    'pages/seckill/detail',
  ]);
});
after(() => tree.cleanup());

describe('price component', () => {
  test('shows fen as ¥ yuan with two decimals', async () => {
    const comp = tree.render('components/price', { fen: 1234 });
    assert.equal(textOf(comp), '¥12.34');
    comp.setData({ fen: 5 });
    await tree.simulate.sleep(0);
    assert.equal(textOf(comp), '¥0.05');
    comp.setData({ fen: 1990000 });
    await tree.simulate.sleep(0);
    assert.equal(textOf(comp), '¥19900.00');
  });

  test('the original price is struck through', () => {
    const comp = tree.render('components/price', { fen: 1990, original: true });
    assert.equal(textOf(comp), '¥19.90');
    const outer = comp.dom.querySelector('wx-text');
    assert.ok(outer?.getAttribute('class')?.includes('price--original'));
  });
});

describe('campaign card', () => {
  test('a live seckill: prices, discount, sold share, countdown to its end', () => {
    const comp = tree.render('components/campaign-card', { campaign: campaign({}) });
    const text = textOf(comp);
    assert.match(text, /秒杀/);
    assert.match(text, /阳澄湖大闸蟹 4 只装/);
    assert.match(text, /¥9\.90/);
    assert.match(text, /¥19\.90/);
    assert.match(text, /4\.9折/);
    assert.match(text, /已抢60%/);
    assert.match(text, /距结束\s?0[12]:\d{2}:\d{2}/);
  });

  test('an upcoming group buy counts down to its start', () => {
    const comp = tree.render('components/campaign-card', {
      campaign: campaign({
        id: 'cmp_2',
        type: 'groupbuy',
        groupSize: 3,
        startsAt: iso(26 * HOUR),
        endsAt: iso(30 * HOUR),
        status: 'scheduled',
      }),
    });
    const text = textOf(comp);
    assert.match(text, /3人团/);
    assert.match(text, /即将开始/);
    assert.match(text, /距开始\s?1天 0[12]:\d{2}:\d{2}/);
  });

  test('sold out and ended campaigns say so, without a countdown', () => {
    const soldOut = tree.render('components/campaign-card', { campaign: campaign({ stockLeft: 0 }) });
    assert.match(textOf(soldOut), /已抢光/);
    assert.doesNotMatch(textOf(soldOut), /距结束/);
    const ended = tree.render('components/campaign-card', { campaign: campaign({ status: 'ended' }) });
    assert.match(textOf(ended), /已结束/);
  });

  test('a tap opens the campaign page of its type', async () => {
    const opened: string[] = [];
    const wxGlobal = (globalThis as unknown as { wx: { navigateTo: (o: { url: string }) => void } }).wx;
    const original = wxGlobal.navigateTo;
    wxGlobal.navigateTo = (o) => {
      opened.push(o.url);
    };
    try {
      const comp = tree.render('components/campaign-card', { campaign: campaign({ id: 'cmp_tap' }) });
      comp.querySelector('.card')?.dispatchEvent('tap');
      await tree.simulate.sleep(10);
      assert.deepEqual(opened, ['/pages/seckill/detail/index?id=cmp_tap']);
    } finally {
      wxGlobal.navigateTo = original;
    }
  });
});

describe('home page', () => {
  test('renders live and upcoming lists from its data', async () => {
    const page = tree.render('pages/home/feed');
    assert.match(textOf(page), /加载中/);
    page.setData({
      loading: false,
      live: [campaign({ id: 'cmp_a', title: '秒杀一号' })],
      upcoming: [
        campaign({
          id: 'cmp_b',
          title: '拼团二号',
          type: 'groupbuy',
          groupSize: 2,
          startsAt: iso(HOUR),
          endsAt: iso(3 * HOUR),
          status: 'scheduled',
        }),
      ],
    });
    await tree.simulate.sleep(0);
    const text = textOf(page);
    assert.match(text, /正在疯抢.*秒杀一号.*即将开抢.*拼团二号/);
    assert.equal(page.dom.querySelectorAll('tm-campaign-card').length, 2);
    assert.doesNotMatch(text, /加载中/);
  });

  test('shows the shopper message when loading failed', async () => {
    const page = tree.render('pages/home/feed');
    page.setData({ loading: false, error: '网络不给力，请检查网络后重试' });
    await tree.simulate.sleep(0);
    assert.equal(textOf(page), '搜索商品，如 龙井领券中心：限量好券，准点开抢 ›网络不给力，请检查网络后重试');
  });
});

/** The text without any whitespace (elements render side by side, without spaces between them). */
const flat = (comp: { dom: HTMLElement }) => textOf(comp).replace(/\s+/g, '');
/** Elements whose class list has `name` (simulate prefixes each class with the component's tag). */
const withClass = (comp: { dom: HTMLElement }, name: string) =>
  [...comp.dom.querySelectorAll('wx-view')].filter((el) =>
    (el.getAttribute('class') ?? '').split(/\s+/).some((c) => c.endsWith(name)),
  );

describe('shop pages', () => {
  test('product card: title, price in yuan, sales; sold out is marked', async () => {
    const card = tree.render('components/product-card', {
      product: { id: 'prd_1', title: '西湖龙井', image: '', priceFen: 29900, sales: 3, soldOut: false },
    });
    assert.equal(flat(card), '团秒西湖龙井¥299.00已售3');
    card.setData({
      product: { id: 'prd_1', title: '大闸蟹', image: '', priceFen: 100, sales: 0, soldOut: true },
    });
    await tree.simulate.sleep(0);
    assert.match(flat(card), /大闸蟹已售罄¥1\.00/);
  });

  test('product detail: each SKU with its stock words; the campaign SKU shows both prices', async () => {
    const page = tree.render('pages/shop/product');
    const { skuChoice } = await import('../lib/shop-view');
    const choices = [
      { id: 'sku_a', title: '100g', priceFen: 29900, stockLeft: 0, stockStatus: 'sold_out' as const },
      {
        id: 'sku_b',
        title: '250g',
        priceFen: 69900,
        stockLeft: 3,
        stockStatus: 'few_left' as const,
        campaign: { id: 'cmp_1', type: 'seckill' as const, priceFen: 100 },
      },
    ].map(skuChoice);
    page.setData({
      product: {
        id: 'prd_1',
        title: '西湖龙井',
        images: [],
        description: '明前',
        priceFen: 29900,
        sales: 5,
        skus: [],
      },
      choices,
      skuId: 'sku_b',
      chosen: choices[1],
    });
    await tree.simulate.sleep(0);
    const text = flat(page);
    assert.match(text, /¥1\.00¥699\.00秒杀价西湖龙井/);
    assert.match(text, /100g已售罄250g仅剩3件/);
    assert.match(text, /去抢购/, 'a campaign SKU is bought on its campaign page');
    assert.doesNotMatch(text, /加入购物车/);
    assert.deepEqual(
      withClass(page, 'pd__sku--off').map((el) => el.textContent?.replace(/\s+/g, '')),
      ['100g已售罄'],
      'the sold-out SKU is greyed',
    );
  });

  test('seckill detail: the level benefits, the shopper’s own limit and a countdown to their own opening', async () => {
    const page = tree.render('pages/seckill/detail');
    const { myCampaignTerms } = await import('../lib/level-benefit-view');
    const c = campaign({
      startsAt: iso(HOUR),
      status: 'scheduled',
      perUserLimit: 2,
      levelBenefits: [
        { levelCode: 'gold', perUserLimit: 4, earlyAccessMinutes: 10 },
        { levelCode: 'silver', earlyAccessMinutes: 5 },
      ],
    });
    const levels = [
      { code: 'silver', name: '白银会员', threshold: 1000, discountPercent: 2, benefits: [] },
      { code: 'gold', name: '黄金会员', threshold: 5000, discountPercent: 5, benefits: [] },
    ];
    const terms = myCampaignTerms(c, {
      level: { code: 'gold', name: '黄金会员', discountPercent: 5 },
      levels,
    });
    page.setData({ error: '', campaign: c, terms, phase: 'upcoming' });
    await tree.simulate.sleep(0);
    const text = flat(page);
    assert.match(text, /每人限购4件/);
    assert.match(text, /黄金会员提前10分钟·限购4件白银会员提前5分钟/);
    assert.match(text, /你是黄金会员：提前10分钟开抢，限购4件/);
    assert.deepEqual(
      withClass(page, 'seckill__level--mine').map((el) => el.textContent?.replace(/\s+/g, '')),
      ['黄金会员提前10分钟·限购4件'],
    );
    // The countdown runs to 50 minutes from now (the start less 10 minutes), not to the start.
    assert.match(text, /距开始00:(49|50):\d\d/);
  });

  test('order detail: address, packages with their timelines, the breakdown', async () => {
    const page = tree.render('pages/order/detail');
    page.setData({
      order: {
        id: 'ord_1',
        status: 'shipped',
        items: [{ skuId: 'sku_b', title: '西湖龙井', skuTitle: '250g', quantity: 1, unitPriceFen: 69900 }],
        payableFen: 69900,
        address: {
          name: '张三',
          phone: '13812348000',
          region: ['330000', '330100', '330106'],
          detail: '龙井路',
        },
      },
      statusLabel: '已发货',
      addressText: '浙江省 杭州市 西湖区 龙井路',
      packages: [
        {
          carrier: '顺丰速运',
          trackingNo: 'SF1',
          events: [
            { at: '2026-11-30 11:00', description: '派送中', latest: true },
            { at: '2026-11-30 09:00', description: '已揽收', latest: false },
          ],
        },
      ],
      breakdown: [
        { label: '商品金额', fen: 69900 },
        { label: '优惠', fen: 0 },
        { label: '积分抵扣', fen: 0 },
      ],
      actions: {
        pay: false,
        cancel: false,
        needsAddress: false,
        tracking: true,
        confirmReceipt: true,
        afterSale: true,
      },
    });
    await tree.simulate.sleep(0);
    const text = flat(page);
    assert.match(text, /已发货张三13812348000浙江省杭州市西湖区龙井路/);
    assert.match(text, /包裹1·顺丰速运SF1复制派送中2026-11-3011:00已揽收2026-11-3009:00/);
    assert.match(text, /商品金额¥699\.00优惠-¥0\.00积分抵扣-¥0\.00实付¥699\.00/);
    assert.match(text, /申请售后确认收货$/);
    assert.doesNotMatch(text, /立即支付/);
    assert.deepEqual(
      withClass(page, 'od__event--latest').map((el) => el.textContent?.replace(/\s+/g, '')),
      ['派送中2026-11-3011:00'],
    );
  });

  test('an unpaid seckill order: the coupon choice and the price with the chosen coupon', async () => {
    const page = tree.render('pages/order/detail');
    page.setData({
      order: {
        id: 'ord_2',
        kind: 'seckill',
        status: 'pending_payment',
        items: [{ skuId: 'sku_b', title: '西湖龙井', quantity: 2, unitPriceFen: 5000 }],
        itemsFen: 10000,
        discountFen: 0,
        payableFen: 10000,
        pointsUsed: 0,
        expiresAt: iso(HOUR),
      },
      statusLabel: '待付款',
      couponChoosable: true,
      coupons: [
        { couponId: '', label: '不使用优惠券', discountFen: 0 },
        { couponId: 'cpn_a', label: '秒杀可用（满50减10，减¥10.00）', discountFen: 1000 },
      ],
      couponLabels: ['不使用优惠券', '秒杀可用（满50减10，减¥10.00）'],
      couponIndex: 1,
      breakdown: [
        { label: '商品金额', fen: 10000 },
        { label: '优惠', fen: -1000 },
        { label: '积分抵扣', fen: 0 },
      ],
      payableFen: 9000,
      actions: {
        pay: true,
        cancel: true,
        needsAddress: false,
        tracking: false,
        confirmReceipt: false,
        afterSale: false,
      },
    });
    await tree.simulate.sleep(0);
    const text = flat(page);
    assert.match(text, /优惠券秒杀可用（满50减10，减¥10\.00）›/);
    assert.match(text, /商品金额¥100\.00优惠-¥10\.00积分抵扣-¥0\.00实付¥90\.00/);
    assert.match(text, /取消订单立即支付$/);
    page.setData({
      coupons: [{ couponId: '', label: '不使用优惠券', discountFen: 0 }],
      couponLabels: ['不使用优惠券'],
    });
    await tree.simulate.sleep(0);
    assert.match(flat(page), /优惠券暂无可用/);
  });

  test('cart: lines with their ticks, an unavailable line says why, the ticked total in yuan', async () => {
    const page = tree.render('pages/home/cart');
    const { cartPageView } = await import('../lib/cart-view');
    const view = cartPageView(
      {
        items: [
          {
            skuId: 'sku_a',
            quantity: 2,
            priceFen: 8990,
            available: true,
            title: '五常大米',
            skuTitle: '5kg',
            stockLeft: 9,
          },
          {
            skuId: 'sku_b',
            quantity: 1,
            priceFen: 59800,
            available: false,
            title: '大闸蟹',
            skuTitle: '8 只装',
            stockLeft: 0,
          },
        ],
        totalFen: 17980,
      },
      new Set(),
    );
    page.setData({ loggedIn: true, loaded: true, view });
    await tree.simulate.sleep(0);
    const text = flat(page);
    assert.match(text, /✓五常大米5kg¥89\.90－2＋删除/);
    assert.match(text, /大闸蟹8只装已售罄或已下架¥598\.00/);
    assert.match(text, /全选合计¥179\.80结算\(2\)$/);
  });

  test('checkout: the address, the lines and the breakdown down to what is paid', async () => {
    const page = tree.render('pages/order/checkout');
    page.setData({
      address: { id: 'adr_1', name: '张三', phone: '13812348000', region: [], detail: '', isDefault: true },
      addressText: '浙江省 杭州市 西湖区 龙井路 1 号',
      lines: [{ skuId: 'sku_a', title: '五常大米', skuTitle: '5kg', quantity: 2, priceFen: 8990 }],
      breakdown: [
        { label: '商品金额', fen: 17980 },
        { label: '优惠', fen: -1000 },
        { label: '积分抵扣', fen: 0 },
      ],
      payableFen: 16980,
    });
    await tree.simulate.sleep(0);
    const text = flat(page);
    assert.match(text, /^张三13812348000浙江省杭州市西湖区龙井路1号/);
    assert.match(text, /五常大米5kg×2¥89\.90/);
    assert.match(text, /商品金额¥179\.80优惠-¥10\.00积分抵扣-¥0\.00/);
    assert.match(text, /实付¥169\.80提交订单$/);
  });

  test('points: the balance and the ledger in the shopper’s words, earnings red with their expiry', async () => {
    const page = tree.render('pages/points/index');
    await tree.simulate.sleep(50);
    const { ledgerRowView } = await import('../lib/points-view');
    page.setData({
      balance: 500,
      error: '',
      loading: false,
      finished: true,
      rows: [
        ledgerRowView({ delta: -300, reason: 'mall_redeem', at: '2026-11-30T12:00:00.000Z' }, 0),
        ledgerRowView(
          {
            delta: 800,
            reason: 'order_earn',
            orderId: 'ord_1',
            at: '2026-11-29T12:00:00.000Z',
            expiresAt: '2027-05-28T12:00:00.000Z',
          },
          1,
        ),
      ],
    });
    await tree.simulate.sleep(0);
    const text = flat(page);
    assert.match(text, /^我的积分500去积分商城兑换积分明细/);
    assert.match(text, /积分商城兑换2026-11-30\d\d:00-300/);
    assert.match(text, /购物赠送2026-11-29\d\d:00·2027-05-2\d到期\+800没有更多了$/);
    const earned = [...page.dom.querySelectorAll('wx-text')].filter((el) =>
      el.getAttribute('class')?.includes('points__delta--earned'),
    );
    assert.deepEqual(
      earned.map((el) => el.textContent),
      ['+800'],
    );
  });

  test('points mall: cost, limit and stock, and a button that says why it cannot be tapped', async () => {
    const page = tree.render('pages/points/mall');
    await tree.simulate.sleep(50);
    const { mallItemView } = await import('../lib/points-view');
    const item = {
      id: 'pmi_1',
      title: '定制茶杯',
      description: '骨瓷',
      pointsCost: 300,
      stockTotal: 10,
      stockLeft: 2,
      perUserLimit: 1,
      status: 'active' as const,
    };
    const now = Date.parse('2026-11-30T00:00:00Z');
    page.setData({
      balance: 500,
      loaded: true,
      error: '',
      rows: [
        mallItemView(item, 500, 0, now),
        mallItemView({ ...item, id: 'pmi_2', title: '茶叶罐', pointsCost: 900 }, 500, 0, now),
        mallItemView({ ...item, id: 'pmi_3', title: '帆布袋', stockLeft: 0 }, 500, 0, now),
      ],
    });
    await tree.simulate.sleep(0);
    const text = flat(page);
    assert.match(text, /^我的积分500积分明细›/);
    assert.match(text, /定制茶杯骨瓷每人限兑1件·仅剩2件300积分立即兑换/);
    assert.match(text, /茶叶罐骨瓷每人限兑1件·仅剩2件900积分积分不足/);
    assert.match(text, /帆布袋骨瓷每人限兑1件·已兑完300积分已兑完$/);
  });
});
