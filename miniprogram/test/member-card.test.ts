/**
 * The member card: the view built from `GET /api/me/membership` (level and discount in the shopper's words, the way
 * to the next level, every level with what it gives) and the page rendered by miniprogram-simulate from the very
 * wxml/ts the mini-program ships.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { discountLabel, memberCardView } from '../lib/member-view.ts';
import type { MemberCard } from '../services/api-types.ts';
import { prepareSimulate, type SimulateTree, textOf } from './support/simulate.ts';
import './support/ts-resolve.ts';

const LEVELS = [
  { code: 'regular', name: '普通会员', threshold: 0, discountPercent: 0, benefits: [] },
  { code: 'silver', name: '白银会员', threshold: 1000, discountPercent: 2, benefits: ['会员价 98 折'] },
  { code: 'gold', name: '黄金会员', threshold: 5000, discountPercent: 10, benefits: ['生日礼'] },
];
const silver: MemberCard = {
  level: { code: 'silver', name: '白银会员', discountPercent: 2 },
  growth: 2000,
  benefits: ['会员价 98 折'],
  nextLevel: { code: 'gold', name: '黄金会员', threshold: 5000 },
  growthToNext: 3000,
  progressPercent: 25,
  levels: LEVELS,
};

describe('member card view', () => {
  test('discounts read as 折', () => {
    assert.deepEqual([0, 2, 5, 10, 15].map(discountLabel), ['', '98 折', '95 折', '9 折', '85 折']);
  });

  test('my level, the way to the next one, and every level with what it gives', () => {
    const view = memberCardView(silver);
    assert.equal(view.levelName, '白银会员');
    assert.equal(view.discount, '会员价 98 折');
    assert.equal(view.next, '再获得 3000 成长值升级为黄金会员');
    assert.equal(view.progressPercent, 25);
    assert.deepEqual(
      view.levels.map((l) => [l.name, l.requirement, l.gives, l.current]),
      [
        ['普通会员', '入会即享', '基础会员权益', false],
        ['白银会员', '成长值 1000', '会员价 98 折', true],
        ['黄金会员', '成长值 5000', '会员价 9 折 · 生日礼', false],
      ],
    );
  });

  test('at the top level there is no next one', () => {
    const { nextLevel: _n, growthToNext: _g, ...rest } = silver;
    const view = memberCardView({
      ...rest,
      level: { code: 'gold', name: '黄金会员', discountPercent: 10 },
      progressPercent: 100,
    });
    assert.equal(view.next, '已是最高等级');
    assert.equal(view.discount, '会员价 9 折');
  });
});

let tree: SimulateTree;
before(async () => {
  tree = await prepareSimulate(['pages/points/member']);
});
after(() => tree.cleanup());

describe('member card page', () => {
  test('shows the level, growth, the next level and the levels', async () => {
    const page = tree.render('pages/points/member');
    await tree.simulate.sleep(50);
    page.setData({ card: memberCardView(silver), loading: false, error: '' });
    await tree.simulate.sleep(0);
    const text = textOf(page).replace(/\s+/g, '');
    assert.match(text, /^白银会员会员价98折成长值2000/);
    assert.match(text, /再获得3000成长值升级为黄金会员/);
    assert.match(text, /我的权益会员价98折/);
    assert.match(
      text,
      /会员等级普通会员基础会员权益入会即享白银会员当前会员价98折成长值1000黄金会员会员价9折·生日礼成长值5000/,
    );
  });
});
