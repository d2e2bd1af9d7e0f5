/**
 * The shop's catalogue as shoppers and operators use it, on the embedded default and on real PostgreSQL:
 * two-level categories, products filtered by category, the four sorts with cursors that visit every product
 * once, substring search of Chinese titles (two-character words included), on/off sale, stock status, and
 * the live campaign price on the product page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError } from '../gateway/support.ts';
import { adminLogin, api } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import { createTestDeployment, type TestDeployment } from '../support/real-services.ts';

interface ShopProduct {
  id: string;
  title: string;
  categoryId?: string;
  priceFen: number;
  onSale: boolean;
  skus: {
    id: string;
    title: string;
    priceFen: number;
    stockLeft: number;
    stockStatus: string;
    campaign?: { id: string; type: string; priceFen: number };
  }[];
}
interface Page {
  items: ShopProduct[];
  nextCursor?: string;
}

function catalogueSuite(start: () => Promise<{ platform: StartedPlatform; dispose(): Promise<void> }>) {
  let platform: StartedPlatform;
  let dispose: () => Promise<void>;
  let base: string;
  let admin: string;
  const ids: Record<string, string> = {};
  let teaCat = '';
  let foodCat = '';

  const post = async <T>(path: string, body: unknown, status = 201): Promise<T> => {
    const res = await api<T>(base, 'POST', path, { token: admin, body });
    assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const browse = async (query: string): Promise<Page> => {
    const res = await api<Page>(base, 'GET', `/api/products${query}`);
    assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const titles = async (query: string) => (await browse(query)).items.map((p) => p.title).sort();

  before(async () => {
    ({ platform, dispose } = await start());
    base = platform.baseUrl;
    admin = await adminLogin(base, platform.adminUsername, platform.adminPassword);
    foodCat = (await post<{ id: string }>('/api/admin/categories', { name: '食品' })).id;
    teaCat = (await post<{ id: string }>('/api/admin/categories', { name: '茶叶', parentId: foodCat })).id;
    const fruitCat = (
      await post<{ id: string }>('/api/admin/categories', { name: '水果', parentId: foodCat })
    ).id;
    const products: [string, string, number, number][] = [
      ['西湖龙井 明前特级', teaCat, 29900, 200],
      ['安溪铁观音 浓香型', teaCat, 15800, 5],
      ['云南普洱 熟茶饼', teaCat, 8800, 0],
      ['赣南脐橙 5斤装', fruitCat, 3990, 1000],
      ['烟台红富士苹果', fruitCat, 4990, 50],
      ['Apple Juice 果汁', fruitCat, 1290, 30],
    ];
    for (const [title, categoryId, priceFen, stock] of products) {
      const made = await post<{ id: string }>('/api/admin/products', {
        title,
        categoryId,
        images: ['https://img.example.com/a.jpg'],
        skus: [
          { name: '标准', priceFen, stock },
          { name: '礼盒', priceFen: priceFen + 10000, stock: 0 },
        ],
      });
      ids[title] = made.id;
    }
  });
  after(async () => {
    await platform?.stop();
    await dispose?.();
  });

  test('categories have two levels; a third level and a duplicate name are refused', async () => {
    const list = await api<{ items: { id: string; name: string; parentId?: string }[] }>(
      base,
      'GET',
      '/api/categories',
    );
    const mine = list.body.items.filter((c) => c.id === foodCat || c.parentId === foodCat);
    assert.deepEqual(mine.map((c) => c.name).sort(), ['水果', '茶叶', '食品'].sort());
    assertError(
      await api(base, 'POST', '/api/admin/categories', {
        token: admin,
        body: { name: '绿茶', parentId: teaCat },
      }),
      409,
      'CATEGORY_TOO_DEEP',
      'Categories have two levels at most',
    );
    assertError(
      await api(base, 'POST', '/api/admin/categories', {
        token: admin,
        body: { name: '茶叶', parentId: foodCat },
      }),
      409,
      'CONFLICT',
      'A category of that name is already there',
    );
    assertError(
      await api(base, 'POST', '/api/admin/products', {
        token: admin,
        body: {
          title: 'x',
          categoryId: 'cat_00000000000000000000000000',
          skus: [{ name: 'a', priceFen: 1 }],
        },
      }),
      404,
      'NOT_FOUND',
      'No such category',
    );
  });

  test('a category is renamed or reordered; one with subcategories or products cannot be deleted', async () => {
    const patch = (id: string, body: unknown) =>
      api<{ id: string; name: string; sortOrder: number }>(base, 'PATCH', `/api/admin/categories/${id}`, {
        token: admin,
        body,
      });
    const renamed = await patch(teaCat, { name: '茗茶', sortOrder: 5 });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.deepEqual([renamed.body.name, renamed.body.sortOrder], ['茗茶', 5]);
    assertError(
      await patch(teaCat, { name: '水果' }),
      409,
      'CONFLICT',
      'A category of that name is already there',
    );
    assert.equal((await patch(teaCat, { name: '茶叶', sortOrder: 0 })).status, 200);
    assertError(
      await api(base, 'DELETE', `/api/admin/categories/${foodCat}`, { token: admin }),
      409,
      'CONFLICT',
      'The category has subcategories',
    );
    assertError(
      await api(base, 'DELETE', `/api/admin/categories/${teaCat}`, { token: admin }),
      409,
      'CONFLICT',
      'The category has products',
    );
    const empty = await post<{ id: string }>('/api/admin/categories', { name: '临时', parentId: foodCat });
    const del = await api(base, 'DELETE', `/api/admin/categories/${empty.id}`, { token: admin });
    assert.equal(del.status, 204);
    assertError(
      await api(base, 'DELETE', `/api/admin/categories/${empty.id}`, { token: admin }),
      404,
      'NOT_FOUND',
      'No such category',
    );
    const names = (await api<{ items: { name: string }[] }>(base, 'GET', '/api/categories')).body.items.map(
      (c) => c.name,
    );
    assert.ok(names.includes('茶叶') && !names.includes('临时') && !names.includes('茗茶'));
    const audit = await api<{ items: { action: string; objectId: string }[] }>(
      base,
      'GET',
      '/api/admin/audit-log',
      {
        token: admin,
      },
    );
    const actions = audit.body.items.filter((e) => e.objectId === empty.id || e.objectId === teaCat);
    assert.ok(actions.some((e) => e.action === 'category.delete' && e.objectId === empty.id));
    assert.ok(actions.some((e) => e.action === 'category.update' && e.objectId === teaCat));
  });

  test('stock moves by +N / −N, never below zero, each move audited; concurrent moves all count', async () => {
    const appleId = ids.烟台红富士苹果 ?? '';
    const product = await api<{ skus: { id: string; stock: number }[] }>(
      base,
      'GET',
      `/api/admin/products/${appleId}`,
      { token: admin },
    );
    const sku = product.body.skus.find((s) => s.stock === 50);
    assert.ok(sku, 'the 50-unit SKU');
    const adjust = (delta: number, reason = '盘点') =>
      api<{ stock: number; delta: number }>(base, 'POST', `/api/admin/skus/${sku.id}/stock-adjustments`, {
        token: admin,
        body: { delta, reason },
      });
    const added = await adjust(20, '到货 20 件');
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual([added.body.delta, added.body.stock], [20, 70]);
    const refused = await adjust(-71);
    assert.deepEqual(
      { status: refused.status, body: refused.body },
      {
        status: 409,
        body: {
          error: {
            code: 'CONFLICT',
            message: 'Only 70 in stock: cannot take 71',
            retryable: false,
            details: { stock: 70 },
          },
        },
      },
    );
    // Ten moves at once, five up and five down: the sum counts, as one guarded UPDATE each.
    const moves = await Promise.all([3, -2, 3, -2, 3, -2, 3, -2, 3, -2].map((d) => adjust(d)));
    assert.ok(moves.every((m) => m.status === 200));
    const after = await api<{ skus: { id: string; stock: number }[] }>(
      base,
      'GET',
      `/api/admin/products/${appleId}`,
      { token: admin },
    );
    assert.equal(after.body.skus.find((s) => s.id === sku.id)?.stock, 75);
    const taken = await adjust(-75, '报损');
    assert.equal(taken.body.stock, 0);
    const shopper = await api<ShopProduct>(base, 'GET', `/api/products/${appleId}`);
    assert.equal(shopper.body.skus.find((s) => s.id === sku.id)?.stockStatus, 'sold_out');
    assert.equal((await adjust(50, '补回')).body.stock, 50);
    const audit = await api<{
      items: { action: string; objectId: string; detail: Record<string, unknown> }[];
    }>(base, 'GET', '/api/admin/audit-log', { token: admin });
    const entries = audit.body.items.filter((e) => e.action === 'sku.stock_adjust' && e.objectId === sku.id);
    assert.equal(entries.length, 13, 'every applied move, and no refused one, is in the audit log');
    assert.ok(
      entries.some((e) => e.detail.delta === 20 && e.detail.reason === '到货 20 件' && e.detail.stock === 70),
    );
  });

  test('search finds Chinese titles by substring, two-character words included', async () => {
    assert.deepEqual(await titles('?q=龙井'), ['西湖龙井 明前特级']);
    assert.deepEqual(await titles('?q=明前'), ['西湖龙井 明前特级']);
    assert.deepEqual(await titles('?q=井'), ['西湖龙井 明前特级']);
    assert.deepEqual(await titles(`?q=${encodeURIComponent('龙井 特级')}`), ['西湖龙井 明前特级']);
    assert.deepEqual(await titles('?q=茶'), ['云南普洱 熟茶饼']);
    assert.deepEqual(await titles('?q=apple'), ['Apple Juice 果汁']);
    assert.deepEqual(await titles('?q=APPLE%20juice'), ['Apple Juice 果汁']);
    // Each bigram is in some title, but not this sequence: the substring check decides.
    assert.deepEqual(await titles('?q=井明'), []);
    assert.deepEqual(await titles('?q=龙井绿茶'), []);
    assert.deepEqual(await titles(`?q=${encodeURIComponent('%')}`), []);
    assert.deepEqual(await titles(`?q=${encodeURIComponent('"{,}\\')}`), []);
  });

  test('a top-level category lists its children; sorts and cursors visit each product once', async () => {
    assert.deepEqual(await titles(`?categoryId=${teaCat}`), [
      '云南普洱 熟茶饼',
      '安溪铁观音 浓香型',
      '西湖龙井 明前特级',
    ]);
    assert.equal((await browse(`?categoryId=${foodCat}`)).items.length, 6);
    const expected: Record<string, string[]> = {
      price_asc: [
        'Apple Juice 果汁',
        '赣南脐橙 5斤装',
        '烟台红富士苹果',
        '云南普洱 熟茶饼',
        '安溪铁观音 浓香型',
        '西湖龙井 明前特级',
      ],
      newest: Object.keys(ids).reverse(),
    };
    expected.price_desc = [...expected.price_asc!].reverse();
    for (const [sort, want] of Object.entries(expected)) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await browse(
          `?categoryId=${foodCat}&sort=${sort}&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...page.items.map((p) => p.title));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, want, sort);
    }
    const sales = await browse(`?categoryId=${foodCat}&sort=sales&limit=3`);
    assert.equal(sales.items.length, 3);
    const rest = await browse(`?categoryId=${foodCat}&sort=sales&limit=3&cursor=${sales.nextCursor}`);
    assert.equal(new Set([...sales.items, ...rest.items].map((p) => p.id)).size, 6);
    assertError(
      await api(base, 'GET', `/api/products?sort=price_asc&cursor=${sales.nextCursor}`),
      400,
      'VALIDATION_FAILED',
      'The cursor is not valid for this sort',
    );
  });

  test('stock shows as available, few left or sold out; the page lists SKUs with their prices', async () => {
    const status = async (title: string) => {
      const res = await api<ShopProduct>(base, 'GET', `/api/products/${ids[title]}`);
      assert.equal(res.status, 200);
      return res.body.skus.map((s) => [s.title, s.priceFen, s.stockLeft, s.stockStatus]);
    };
    assert.deepEqual(await status('西湖龙井 明前特级'), [
      ['标准', 29900, 200, 'available'],
      ['礼盒', 39900, 0, 'sold_out'],
    ]);
    assert.deepEqual((await status('安溪铁观音 浓香型'))[0], ['标准', 15800, 5, 'few_left']);
    assert.deepEqual((await status('云南普洱 熟茶饼'))[0], ['标准', 8800, 0, 'sold_out']);
  });

  test('a product taken off sale is 404 to shoppers and gone from lists; back on sale it returns', async () => {
    const id = ids.烟台红富士苹果!;
    const off = await api<{ onSale: boolean }>(base, 'PATCH', `/api/admin/products/${id}`, {
      token: admin,
      body: { onSale: false },
    });
    assert.equal(off.status, 200);
    assert.equal(off.body.onSale, false);
    assertError(await api(base, 'GET', `/api/products/${id}`), 404, 'NOT_FOUND', 'No such product');
    assert.deepEqual(await titles('?q=苹果'), []);
    const admins = await api<{ onSale: boolean }>(base, 'GET', `/api/admin/products/${id}`, { token: admin });
    assert.equal(admins.body.onSale, false, 'operators still see it');
    await api(base, 'PATCH', `/api/admin/products/${id}`, { token: admin, body: { onSale: true } });
    assert.deepEqual(await titles('?q=苹果'), ['烟台红富士苹果']);
  });

  test('a live campaign on a SKU shows its price on the product page', async () => {
    const product = await api<ShopProduct>(base, 'GET', `/api/products/${ids['赣南脐橙 5斤装']}`);
    const sku = product.body.skus[0]!;
    assert.equal(sku.campaign, undefined);
    const now = Date.now();
    const campaign = await post<{ id: string }>('/api/admin/campaigns', {
      type: 'seckill',
      title: '脐橙秒杀',
      skuId: sku.id,
      priceFen: 990,
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 3600_000).toISOString(),
      stockTotal: 10,
      perUserLimit: 1,
    });
    const again = await api<ShopProduct>(base, 'GET', `/api/products/${ids['赣南脐橙 5斤装']}`);
    assert.deepEqual(again.body.skus[0]!.campaign, { id: campaign.id, type: 'seckill', priceFen: 990 });
    assert.equal(again.body.skus[0]!.priceFen, 3990, 'the regular price stays beside it');
  });
}

describe('catalogue on the embedded default', () => {
  catalogueSuite(async () => ({
    platform: await startPlatform({ env: { SEED_DEMO: '0' }, timeoutMs: 180_000 }),
    dispose: async () => {},
  }));
});

describe('catalogue on PostgreSQL', () => {
  catalogueSuite(async () => {
    const dep: TestDeployment = await createTestDeployment();
    const platform = await startPlatform({ env: dep.env, timeoutMs: 180_000 });
    return {
      platform: { ...platform, adminUsername: 'admin', adminPassword: dep.adminPassword },
      dispose: () => dep.dispose(),
    };
  });
});
