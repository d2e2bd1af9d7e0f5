/**
 * The price component, a campaign card and the home page rendered by miniprogram-simulate from the very
 * wxml/ts the mini-program ships.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { prepareSimulate, type SimulateTree, textOf } from './support/simulate.ts';

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
    assert.equal(textOf(page), '网络不给力，请检查网络后重试');
  });
});
