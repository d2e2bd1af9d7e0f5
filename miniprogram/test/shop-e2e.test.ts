/**
 * The shopper's cart-to-receipt flow through the mini-program's own service layer and page logic, against the
 * real gateway (the embedded default started by the platform helper) through the wx shim: browse the categories,
 * search a Chinese substring, open a product and pick its SKUs, fill the cart, keep an address book (imported from
 * WeChat's address, edited with PUT), check out (idempotent by requestId), pay with the dev provider, the
 * operator ships in two packages, the carrier pushes tracking, the shopper follows it and confirms receipt; then
 * an after-sale request that the operator approves.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { pushTracking } from '../../broker-services/test/support/carrier.ts';
import { api as adminApi, adminLogin } from '../../broker-services/test/support/http.ts';
import { type StartedPlatform, startPlatform } from '../../broker-services/test/support/platform.ts';
import './support/ts-resolve.ts';
import { installWxShim, type WxShim } from './support/wx-shim.ts';

const { setApiBaseUrl } = await import('../config/env');
const { api, ApiError } = await import('../services/request');
const { dispatchDevLogin } = await import('../services/auth/dispatchDevLogin');
const { fetchCategories } = await import('../services/catalog/fetchCategories');
const { fetchProducts } = await import('../services/catalog/fetchProducts');
const { fetchProduct } = await import('../services/catalog/fetchProduct');
const { fetchCart } = await import('../services/cart/fetchCart');
const { dispatchCartQuantity } = await import('../services/cart/dispatchCartQuantity');
const { dispatchCartRemove } = await import('../services/cart/dispatchCartRemove');
const { fetchAddresses } = await import('../services/address/fetchAddresses');
const { dispatchAddAddress } = await import('../services/address/dispatchAddAddress');
const { dispatchEditAddress } = await import('../services/address/dispatchEditAddress');
const { dispatchDeleteAddress } = await import('../services/address/dispatchDeleteAddress');
const { dispatchCheckout } = await import('../services/order/dispatchCheckout');
const { dispatchPayment } = await import('../services/order/dispatchPayment');
const { fetchOrder } = await import('../services/order/fetchOrder');
const { fetchTracking } = await import('../services/order/fetchTracking');
const { dispatchReceipt } = await import('../services/order/dispatchReceipt');
const { dispatchRefundRequest } = await import('../services/order/dispatchRefundRequest');
const { fetchRefundRequests } = await import('../services/order/fetchRefundRequests');
const { productCard, skuChoice, firstBuyableSku } = await import('../lib/shop-view');
const { cartPageView, encodeCheckoutItems, decodeCheckoutItems } = await import('../lib/cart-view');
const { addressInputOf, formOfWechatAddress, addressLine } = await import('../lib/address-view');
const { orderActions, priceBreakdown, trackingView, afterSaleReason, afterSaleView } = await import(
  '../lib/fulfilment-view'
);
const { TapCommand } = await import('../lib/tap-command');
const { fetchPointsBalance } = await import('../services/points/fetchPointsBalance');
const { pointsToRequest } = await import('../lib/checkout-points');
type Order = import('../services/api-types').Order;

const CARRIER_SECRET = 'carrier-shop-e2e-secret';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function loginAs(openid: string) {
  const session = await dispatchDevLogin(openid);
  api.setLoginHandler(() => dispatchDevLogin(openid));
  return session;
}

async function waitForOrder(orderId: string, done: (order: Order) => boolean): Promise<Order> {
  let order = await fetchOrder(orderId);
  for (let i = 0; i < 150 && !done(order); i++) {
    await sleep(200);
    order = await fetchOrder(orderId);
  }
  return order;
}

function isApiError(code: string) {
  return (err: unknown) =>
    err instanceof ApiError && err.code === code && /[\u4e00-\u9fff]/.test(err.message);
}

describe('the shop through the mini-program against the real gateway', () => {
  let platform: StartedPlatform;
  let shim: WxShim;
  let owner: string;
  const run = randomUUID().slice(0, 8);
  /** Filled by the flow, read by the after-sale test. */
  const state = { teaBoxSku: '', riceSku: '', riceProduct: '', addressId: '' };

  before(async () => {
    platform = await startPlatform({ env: { CARRIER_PUSH_SECRET: CARRIER_SECRET } });
    shim = installWxShim();
    setApiBaseUrl(platform.baseUrl);
    owner = await adminLogin(platform.baseUrl, platform.adminUsername, platform.adminPassword);
  });
  after(async () => {
    setApiBaseUrl(null);
    shim?.uninstall();
    await platform?.stop();
  });

  test('browse → search → detail → cart → address → checkout → pay → shipped → tracking → receipt', async () => {
    const me = await loginAs(`shop-e2e-${run}`);

    // Browse: two levels of categories; a top-level one lists its subcategories' products.
    const categories = await fetchCategories();
    const food = categories.find((c) => c.name === '食品生鲜' && !c.parentId);
    const teaCat = categories.find((c) => c.name === '茶叶');
    assert.ok(food && teaCat, 'the demo categories are there');
    assert.equal(teaCat.parentId, food.id);
    const inFood = await fetchProducts({ categoryId: food.id, sort: 'price_asc' });
    assert.ok(inFood.items.length >= 3, 'the top level lists its subcategories’ products');
    const prices = inFood.items.map((p) => p.priceFen);
    assert.deepEqual(
      prices,
      [...prices].sort((a, b) => a - b),
      'sorted by price, ascending',
    );

    // Search: a Chinese substring of the title.
    const found = await fetchProducts({ q: '龙井' });
    const tea = found.items.find((p) => p.title === '西湖龙井 明前特级');
    assert.ok(tea, `龙井 finds 西湖龙井 (got ${found.items.map((p) => p.title).join(', ')})`);
    assert.deepEqual(productCard(tea), {
      id: tea.id,
      title: '西湖龙井 明前特级',
      image: '',
      priceFen: 29900,
      sales: tea.sales,
      soldOut: false,
    });

    // Detail: the SKU picker shows the campaign price on the campaign SKU and stock words on each.
    const detail = await fetchProduct(tea.id);
    const choices = detail.skus.map(skuChoice);
    const can = choices.find((c) => c.title === '100g 罐装');
    const box = choices.find((c) => c.title === '250g 礼盒');
    assert.ok(can && box);
    assert.equal(can.campaignType, 'seckill');
    assert.equal(can.priceFen, 100, 'the live campaign price');
    assert.equal(can.originalPriceFen, 29900, 'the regular price, struck through');
    assert.equal(box.stockStatus, 'few_left');
    assert.equal(box.stockLabel, `仅剩 ${box.stockLeft} 件`);
    assert.equal(box.disabled, false);
    assert.equal(firstBuyableSku(detail), detail.skus[0]?.id);
    const crab = (await fetchProducts({ q: '大闸蟹' })).items[0];
    assert.ok(crab);
    const crabChoice = skuChoice((await fetchProduct(crab.id)).skus[0]!);
    assert.deepEqual([crabChoice.stockLabel, crabChoice.disabled], ['已售罄', true]);
    state.teaBoxSku = box.id;

    const rice = (await fetchProducts({ q: '五常' })).items[0];
    assert.ok(rice);
    state.riceProduct = rice.id;
    state.riceSku = rice.skus[0]!.id;

    // Cart: set quantities (a resend of the same quantity lands in the same state), tick and untick, totals in fen.
    await dispatchCartQuantity(state.teaBoxSku, 1);
    await dispatchCartQuantity(state.riceSku, 3);
    let cart = await dispatchCartQuantity(state.riceSku, 2);
    cart = await dispatchCartQuantity(state.riceSku, 2);
    assert.deepEqual(
      cart.items.map((l) => [l.skuId, l.quantity]).sort(),
      [
        [state.riceSku, 2],
        [state.teaBoxSku, 1],
      ].sort(),
    );
    const all = cartPageView(cart, new Set());
    assert.equal(all.selectedTotalFen, 69900 + 2 * 8990);
    assert.equal(all.selectedTotalFen, cart.totalFen);
    assert.equal(all.allSelected, true);
    const teaOnly = cartPageView(cart, new Set([state.riceSku]));
    assert.equal(teaOnly.selectedTotalFen, 69900);
    assert.deepEqual(teaOnly.checkoutItems, [{ skuId: state.teaBoxSku, quantity: 1 }]);
    // A sold-out SKU can sit in the cart, but not available: out of the total and of checkout.
    const crabCart = await dispatchCartQuantity(crab.skus[0]!.id, 1);
    const withCrab = cartPageView(crabCart, new Set());
    const crabRow = withCrab.rows.find((r) => r.skuId === crab.skus[0]!.id);
    assert.deepEqual(
      [crabRow?.available, crabRow?.selected, crabRow?.unavailableLabel],
      [false, false, '已售罄或已下架'],
    );
    assert.equal(withCrab.selectedTotalFen, all.selectedTotalFen);
    assert.deepEqual(withCrab.checkoutItems, all.checkoutItems);
    await dispatchCartRemove(crab.skus[0]!.id);
    const items = decodeCheckoutItems(encodeCheckoutItems(all.checkoutItems));
    assert.deepEqual(items, all.checkoutItems);

    // Address: imported from WeChat's address book (codes from the district's national code), edited with PUT.
    const imported = addressInputOf(
      formOfWechatAddress({
        userName: '张三',
        telNumber: '138 1234 8000',
        provinceName: '浙江省',
        cityName: '杭州市',
        countyName: '西湖区',
        detailInfo: '龙井路 1 号',
        nationalCode: '330106',
      }),
    );
    assert.ok('input' in imported);
    const home = await dispatchAddAddress(imported.input);
    assert.deepEqual(home.region, ['330000', '330100', '330106']);
    assert.equal(home.isDefault, true, 'the first address is the default');
    const edited = await dispatchEditAddress(home.id, { detail: '龙井路 2 号' });
    assert.equal(edited.detail, '龙井路 2 号');
    assert.equal(addressLine(edited), '浙江省 杭州市 西湖区 龙井路 2 号');
    const office = await dispatchAddAddress({
      name: '李四',
      phone: '13900001111',
      region: ['110000', '110100', '110105'],
      detail: '建国路 88 号',
    });
    await dispatchEditAddress(office.id, { isDefault: true });
    assert.deepEqual(
      (await fetchAddresses()).map((a) => [a.id, a.isDefault]),
      [
        [office.id, true],
        [home.id, false],
      ],
    );
    await dispatchDeleteAddress(office.id);
    const book = await fetchAddresses();
    assert.deepEqual(
      book.map((a) => [a.id, a.isDefault]),
      [[home.id, true]],
    );
    state.addressId = home.id;

    // Checkout: one requestId per tap; a resend gets the same order, never a second one.
    const tap = new TapCommand({ campaignId: '', requestIdPrefix: 'co' });
    const order = await tap.run(({ requestId }) =>
      dispatchCheckout({ items, addressId: home.id, requestId }).then(async (first) => {
        const again = await dispatchCheckout({ items, addressId: home.id, requestId });
        assert.equal(again.id, first.id, 'the same requestId answers with the same order');
        return first;
      }),
    );
    assert.equal(order.status, 'pending_payment');
    assert.equal(order.kind, 'regular');
    assert.equal(order.address?.detail, '龙井路 2 号');
    const breakdown = priceBreakdown(order);
    assert.deepEqual(
      breakdown.lines.map((l) => l.fen),
      [69900 + 2 * 8990, 0, 0],
    );
    assert.equal(breakdown.payableFen, 69900 + 2 * 8990);
    assert.deepEqual(orderActions(order), {
      pay: true,
      cancel: true,
      needsAddress: false,
      tracking: false,
      confirmReceipt: false,
      afterSale: false,
    });
    assert.deepEqual((await fetchCart()).items, [], 'the bought lines left the cart');

    // Pay with the dev provider (the address is on the order already).
    assert.equal(await dispatchPayment(order.id), 'dev');
    const paid = await waitForOrder(order.id, (o) => o.status === 'paid');
    assert.equal(paid.status, 'paid');
    assert.equal(orderActions(paid).afterSale, true);
    await assert.rejects(fetchTracking(order.id), isApiError('NOT_FOUND'), 'no tracking before shipping');

    // The operator ships in two packages.
    const shipped = await adminApi(platform.baseUrl, 'POST', `/api/admin/orders/${order.id}/ship`, {
      token: owner,
      body: {
        carrier: 'SF',
        trackingNo: `SF${run}01`,
        morePackages: [{ carrier: 'YTO', trackingNo: `YT${run}02` }],
      },
    });
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body));

    // The carrier pushes events; the shopper follows them, newest first.
    const push = await pushTracking(platform.baseUrl, {
      carrier: 'SF',
      secret: CARRIER_SECRET,
      trackingNo: `SF${run}01`,
      events: [
        { id: 'e1', at: new Date(Date.now() - 3_600_000).toISOString(), description: '已揽收' },
        { id: 'e2', at: new Date().toISOString(), description: '派送中' },
      ],
    });
    assert.equal(push.status, 200, JSON.stringify(push.body));
    const tracking = await fetchTracking(order.id);
    const packages = trackingView(tracking);
    assert.deepEqual(
      packages.map((p) => [p.carrier, p.trackingNo]),
      [
        ['顺丰速运', `SF${run}01`],
        ['圆通速递', `YT${run}02`],
      ],
    );
    assert.deepEqual(
      packages[0]?.events.map((e) => [e.description, e.latest]),
      [
        ['派送中', true],
        ['已揽收', false],
      ],
    );

    // Another shopper sees none of it.
    await loginAs(`shop-e2e-other-${run}`);
    await assert.rejects(fetchTracking(order.id), isApiError('NOT_FOUND'));
    await assert.rejects(dispatchReceipt(order.id), isApiError('NOT_FOUND'));
    await loginAs(`shop-e2e-${run}`);

    // Confirm receipt: shipped → completed.
    const shippedOrder = await fetchOrder(order.id);
    assert.equal(shippedOrder.status, 'shipped');
    assert.equal(orderActions(shippedOrder).confirmReceipt, true);
    const completed = await dispatchReceipt(order.id);
    assert.equal(completed.status, 'completed');
    assert.equal(orderActions(completed).tracking, true);
    // A resent confirmation (a lost answer) finds the order completed and answers the same.
    assert.equal((await dispatchReceipt(order.id)).status, 'completed');
    assert.equal(orderActions(completed).confirmReceipt, false);
    assert.ok(me.user.id);
  });

  test('after-sale: an order paid partly with points; 仅退款 with a reason; approved, refunded, points back', async () => {
    assert.ok(state.riceSku, 'the flow above ran');
    await loginAs(`shop-e2e-${run}`);
    // The completed order above earned points (on the cash it paid); this order spends them.
    let balance = await fetchPointsBalance();
    for (let i = 0; i < 50 && balance === 0; i++) {
      await sleep(200);
      balance = await fetchPointsBalance();
    }
    assert.ok(balance > 0, 'the completed order earned points');
    const pointsToUse = pointsToRequest(balance, true, null);
    const items = [{ skuId: state.riceSku, quantity: 1 }];
    const order = await dispatchCheckout({
      items,
      addressId: state.addressId,
      pointsToUse,
      requestId: `as-${run}-0001`,
    });
    assert.equal(order.pointsUsed, pointsToUse);
    const { lines, payableFen } = priceBreakdown(order);
    assert.equal(lines[0]?.fen, 8990);
    assert.ok((lines[2]?.fen ?? 0) < 0, 'the points took something off');
    assert.equal(
      lines.reduce((sum, l) => sum + l.fen, 0),
      payableFen,
      'items − discount − points = payable',
    );
    assert.equal(await fetchPointsBalance(), balance - pointsToUse, 'the points are held by the order');
    await dispatchPayment(order.id);
    const paid = await waitForOrder(order.id, (o) => o.status === 'paid');
    assert.equal(paid.status, 'paid');

    assert.deepEqual(afterSaleReason('', ' '), { error: '请选择或填写退款原因' });
    const reason = afterSaleReason('不想要了', '买多了');
    assert.ok('reason' in reason);
    const request = await dispatchRefundRequest(order.id, { kind: 'refund_only', reason: reason.reason });
    assert.equal(request.status, 'pending');
    assert.equal(request.kind, 'refund_only');
    assert.equal(request.reason, '不想要了：买多了');
    await assert.rejects(
      dispatchRefundRequest(order.id, { kind: 'refund_only', reason: '再来一次' }),
      (e: unknown) => e instanceof ApiError && e.status === 409,
      'one open request per order',
    );
    assert.deepEqual(afterSaleView(await fetchRefundRequests(order.id)), {
      state: '售后处理中，商家会尽快处理',
      kind: '仅退款',
      reason: '不想要了：买多了',
      note: '',
      pending: true,
    });

    const approved = await adminApi<{ status: string }>(
      platform.baseUrl,
      'POST',
      `/api/admin/refund-requests/${request.id}/approve`,
      { token: owner, body: {} },
    );
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.status, 'approved');
    const refunded = await waitForOrder(order.id, (o) => o.status === 'refunded');
    assert.equal(refunded.status, 'refunded');
    assert.equal(orderActions(refunded).afterSale, false);
    assert.equal(afterSaleView(await fetchRefundRequests(order.id))?.state, '售后已同意，款项原路退回');
    let after = await fetchPointsBalance();
    for (let i = 0; i < 50 && after !== balance; i++) {
      await sleep(200);
      after = await fetchPointsBalance();
    }
    assert.equal(after, balance, 'the refund gave the points back');
  });
});
