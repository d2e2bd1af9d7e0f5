/**
 * The shop pages' logic without `wx`: SKU choices and their stock words, the cart's ticks and totals in fen,
 * checkout items in a page URL, the address form's checks and the import from `wx.chooseAddress`, the price
 * breakdown, what an order allows, the tracking timeline and the after-sale reason.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import './support/ts-resolve.ts';

const { skuChoice, firstBuyableSku, clampQuantity, productCard } = await import('../lib/shop-view');
const { cartPageView, encodeCheckoutItems, decodeCheckoutItems } = await import('../lib/cart-view');
const { addressInputOf, formOfWechatAddress, addressLine, EMPTY_ADDRESS_FORM } = await import(
  '../lib/address-view'
);
const { priceBreakdown, orderActions, trackingView, afterSaleReason } = await import(
  '../lib/fulfilment-view'
);
const { orderRowView } = await import('../lib/order-view');
const { pointsToRequest, maxPointsOf } = await import('../lib/checkout-points');
type ShopProduct = import('../services/api-types').ShopProduct;
type Order = import('../services/api-types').Order;

const product: ShopProduct = {
  id: 'prd_1',
  title: '西湖龙井 明前特级',
  images: ['https://img.example.com/1.jpg'],
  description: '',
  priceFen: 29900,
  sales: 12,
  onSale: true,
  skus: [
    { id: 'sku_a', title: '100g', priceFen: 29900, stockLeft: 0, stockStatus: 'sold_out' },
    {
      id: 'sku_b',
      title: '250g',
      priceFen: 69900,
      stockLeft: 3,
      stockStatus: 'few_left',
      campaign: { id: 'cmp_1', type: 'seckill', priceFen: 100 },
    },
    { id: 'sku_c', title: '500g', priceFen: 99900, stockLeft: 200, stockStatus: 'available' },
  ],
};

function order(overrides: Partial<Order>): Order {
  return {
    id: 'ord_1',
    status: 'pending_payment',
    kind: 'regular',
    items: [],
    totalFen: 10000,
    itemsFen: 10000,
    discountFen: 0,
    pointsUsed: 0,
    payableFen: 10000,
    createdAt: '2026-11-30T01:00:00.000Z',
    expiresAt: '2026-11-30T01:15:00.000Z',
    ...overrides,
  };
}

describe('SKU picker', () => {
  test('stock words, campaign price beside the regular one, sold out cannot be picked', () => {
    const [a, b, c] = product.skus.map(skuChoice);
    assert.deepEqual([a?.stockLabel, a?.disabled], ['已售罄', true]);
    assert.deepEqual(
      [b?.stockLabel, b?.priceFen, b?.originalPriceFen, b?.campaignType],
      ['仅剩 3 件', 100, 69900, 'seckill'],
    );
    assert.deepEqual(
      [c?.stockLabel, c?.priceFen, c?.originalPriceFen, c?.campaignId],
      ['有货', 99900, 0, ''],
    );
    assert.equal(firstBuyableSku(product), 'sku_b');
    assert.equal(firstBuyableSku({ ...product, skus: [product.skus[0]!] }), '');
  });
  test('quantity stays within 1, the stock and 99', () => {
    assert.equal(clampQuantity(0, 5), 1);
    assert.equal(clampQuantity(6, 5), 5);
    assert.equal(clampQuantity(150, 1000), 99);
    assert.equal(clampQuantity(3, 0), 1);
    assert.equal(clampQuantity(Number.NaN, 5), 1);
  });
  test('product card: first image, lowest price, sold out only when every SKU is', () => {
    assert.deepEqual(productCard(product), {
      id: 'prd_1',
      title: '西湖龙井 明前特级',
      image: 'https://img.example.com/1.jpg',
      priceFen: 29900,
      sales: 12,
      soldOut: false,
    });
    assert.equal(productCard({ ...product, skus: [product.skus[0]!] }).soldOut, true);
  });
});

describe('cart', () => {
  const cart = {
    items: [
      { skuId: 'sku_a', quantity: 2, priceFen: 1990, available: true, title: '茶', stockLeft: 10 },
      { skuId: 'sku_b', quantity: 1, priceFen: 500, available: true, title: '米', stockLeft: 10 },
      { skuId: 'sku_c', quantity: 3, priceFen: 100, available: false, title: '蟹', stockLeft: 1 },
    ],
    totalFen: 4480,
  };
  test('every available line starts ticked; unavailable lines are never in the total', () => {
    const view = cartPageView(cart, new Set());
    assert.equal(view.selectedTotalFen, 4480);
    assert.equal(view.selectedCount, 3);
    assert.equal(view.allSelected, true);
    assert.deepEqual(
      view.rows.map((r) => [r.skuId, r.selected, r.lineFen, r.unavailableLabel]),
      [
        ['sku_a', true, 3980, ''],
        ['sku_b', true, 500, ''],
        ['sku_c', false, 300, '仅剩 1 件'],
      ],
    );
    assert.deepEqual(view.checkoutItems, [
      { skuId: 'sku_a', quantity: 2 },
      { skuId: 'sku_b', quantity: 1 },
    ]);
  });
  test('an unticked line leaves the total and the checkout', () => {
    const view = cartPageView(cart, new Set(['sku_a']));
    assert.equal(view.selectedTotalFen, 500);
    assert.equal(view.allSelected, false);
    assert.deepEqual(view.checkoutItems, [{ skuId: 'sku_b', quantity: 1 }]);
  });
  test('checkout items survive the page URL; anything malformed is dropped', () => {
    const items = [
      { skuId: 'sku_01ABC', quantity: 2 },
      { skuId: 'sku_x', quantity: 99 },
    ];
    assert.equal(encodeCheckoutItems(items), 'sku_01ABC*2,sku_x*99');
    assert.deepEqual(decodeCheckoutItems(encodeCheckoutItems(items)), items);
    assert.deepEqual(decodeCheckoutItems('sku_a*0,sku_b*100,sku%3Cc*1,sku_d*3'), [
      { skuId: 'sku_d', quantity: 3 },
    ]);
  });
});

describe('address form', () => {
  const good = {
    ...EMPTY_ADDRESS_FORM,
    name: ' 张三 ',
    phone: '138 1234 8000',
    region: ['330000', '330100', '330106'],
    regionNames: ['浙江省', '杭州市', '西湖区'],
    detail: '龙井路 1 号',
  };
  test('a good form is what the gateway takes, trimmed', () => {
    assert.deepEqual(addressInputOf(good), {
      input: {
        name: '张三',
        phone: '13812348000',
        region: ['330000', '330100', '330106'],
        regionNames: ['浙江省', '杭州市', '西湖区'],
        detail: '龙井路 1 号',
        isDefault: false,
      },
    });
  });
  test('each mistake gets its own sentence', () => {
    assert.deepEqual(addressInputOf({ ...good, name: '' }), { error: '请填写收货人姓名（20 字以内）' });
    assert.deepEqual(addressInputOf({ ...good, phone: '23812348000' }), { error: '请填写 11 位手机号码' });
    assert.deepEqual(addressInputOf({ ...good, region: ['330000', '330100'] }), {
      error: '请选择所在地区（省、市、区）',
    });
    assert.deepEqual(addressInputOf({ ...good, detail: '1' }), { error: '请填写详细地址（街道、门牌号）' });
  });
  test('a WeChat address: province and city codes come from the district’s national code', () => {
    const form = formOfWechatAddress({
      userName: '李四',
      telNumber: '139-0000-1111',
      provinceName: '北京市',
      cityName: '北京市',
      countyName: '朝阳区',
      detailInfo: '建国路 88 号',
      nationalCode: '110105',
    });
    assert.deepEqual(form.region, ['110000', '110100', '110105']);
    assert.equal(form.phone, '13900001111');
    assert.ok('input' in addressInputOf(form));
    const noCode = formOfWechatAddress({
      ...form,
      userName: 'x',
      telNumber: '',
      provinceName: '',
      cityName: '',
      countyName: '',
      detailInfo: '',
      nationalCode: '',
    });
    assert.deepEqual(noCode.region, []);
  });
  test('one line: names where kept, codes otherwise', () => {
    assert.equal(addressLine(good), '浙江省 杭州市 西湖区 龙井路 1 号');
    assert.equal(
      addressLine({ region: ['330000', '330100', '330106'], detail: '龙井路 1 号' }),
      '330000 330100 330106 龙井路 1 号',
    );
  });
});

describe('orders after checkout', () => {
  test('the breakdown adds up: items − discount − points = payable', () => {
    const { lines, payableFen } = priceBreakdown(
      order({ itemsFen: 10000, discountFen: 1500, pointsUsed: 300, payableFen: 8200 }),
    );
    assert.deepEqual(lines, [
      { label: '商品金额', fen: 10000 },
      { label: '优惠', fen: -1500 },
      { label: '积分抵扣（300 积分）', fen: -300 },
    ]);
    assert.equal(
      lines.reduce((s, l) => s + l.fen, 0),
      payableFen,
    );
    assert.ok(priceBreakdown(order({})).lines.every((l) => !Object.is(l.fen, -0)));
  });
  test('a list row shows what is paid and the first product', () => {
    const item = (title: string, quantity: number) => ({
      skuId: 'sku_1',
      title,
      quantity,
      unitPriceFen: 100,
    });
    const row = orderRowView(
      order({
        items: [item('西湖龙井', 2), item('五常大米', 1)],
        itemsFen: 300,
        discountFen: 50,
        payableFen: 250,
      }),
    );
    assert.deepEqual(
      [row.title, row.quantity, row.payableFen, row.payable],
      ['西湖龙井 等 2 种', 3, 250, true],
    );
    assert.equal(orderRowView(order({ items: [item('五常大米', 1)] })).title, '五常大米');
  });
  test('points at checkout: the balance, then at most what the gateway said the order allows', () => {
    assert.equal(pointsToRequest(500, false, null), 0);
    assert.equal(pointsToRequest(500, true, null), 500);
    assert.equal(pointsToRequest(500, true, 120), 120);
    assert.equal(pointsToRequest(80, true, 120), 80);
    assert.equal(pointsToRequest(0, true, null), 0);
    assert.equal(maxPointsOf({ maxPoints: 120 }), 120);
    assert.equal(maxPointsOf({ maxPoints: -1 }), null);
    assert.equal(maxPointsOf(undefined), null);
  });
  test('what each status allows', () => {
    const pick = (o: Order) =>
      Object.entries(orderActions(o))
        .filter(([, v]) => v)
        .map(([k]) => k);
    assert.deepEqual(pick(order({})), ['pay', 'cancel', 'needsAddress']);
    const address = {
      name: '张三',
      phone: '13812348000',
      region: ['330000', '330100', '330106'],
      detail: '龙井路',
    };
    assert.deepEqual(pick(order({ address })), ['pay', 'cancel']);
    assert.deepEqual(pick(order({ address, status: 'paid' })), ['afterSale']);
    assert.deepEqual(pick(order({ address, status: 'shipped', shippedAt: '2026-11-30T02:00:00.000Z' })), [
      'tracking',
      'confirmReceipt',
      'afterSale',
    ]);
    assert.deepEqual(pick(order({ address, status: 'completed', shippedAt: '2026-11-30T02:00:00.000Z' })), [
      'tracking',
    ]);
    // Received: an after-sale request until the period ends, on the server's clock.
    const received = order({
      address,
      status: 'completed',
      shippedAt: '2026-11-30T02:00:00.000Z',
      completedAt: '2026-12-01T02:00:00.000Z',
      afterSaleUntil: '2026-12-08T02:00:00.000Z',
    });
    assert.deepEqual(
      Object.entries(orderActions(received, Date.parse('2026-12-08T01:59:59.000Z')))
        .filter(([, v]) => v)
        .map(([k]) => k),
      ['tracking', 'afterSale'],
    );
    assert.equal(orderActions(received, Date.parse('2026-12-08T02:00:00.000Z')).afterSale, false);
    assert.deepEqual(pick(order({ status: 'cancelled' })), []);
  });
  test('tracking: carriers by name, events newest first, the newest marked', () => {
    const view = trackingView({
      carrier: 'SF',
      trackingNo: 'SF1',
      events: [],
      packages: [
        {
          carrier: 'SF',
          trackingNo: 'SF1',
          events: [
            { at: '2026-11-30T01:00:00.000Z', description: '已揽收' },
            { at: '2026-11-30T03:00:00.000Z', description: '派送中' },
          ],
        },
        { carrier: 'ACME', trackingNo: 'AC2', events: [] },
      ],
    });
    assert.deepEqual(
      view.map((p) => [p.carrier, p.events.map((e) => [e.description, e.latest])]),
      [
        [
          '顺丰速运',
          [
            ['派送中', true],
            ['已揽收', false],
          ],
        ],
        ['ACME', []],
      ],
    );
  });
  test('after-sale reason: chosen, with a note, 2–200 characters', () => {
    assert.deepEqual(afterSaleReason('商品质量问题', ''), { reason: '商品质量问题' });
    assert.deepEqual(afterSaleReason('其他', ' 包装破损 '), { reason: '其他：包装破损' });
    assert.deepEqual(afterSaleReason('', ''), { error: '请选择或填写退款原因' });
    assert.deepEqual(afterSaleReason('其他', 'x'.repeat(200)), { error: '退款原因请控制在 200 字以内' });
  });
});
