/**
 * Delivery addresses on real PostgreSQL and on the embedded default: the address book (one default, region codes,
 * phone checks, at most 20), another shopper's address is 404, names, phones and street addresses are sealed at
 * rest and survive a key rotation, operators see them masked and the fulfilment roles in full with an audit entry.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertError } from '../gateway/support.ts';
import { adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import { createTestDeployment, type TestDeployment } from '../support/real-services.ts';

interface Address {
  id: string;
  name: string;
  phone: string;
  region: string[];
  regionNames?: string[];
  detail: string;
  isDefault: boolean;
}

const HOME = {
  name: '张三丰',
  phone: '13812348000',
  region: ['330000', '330100', '330106'],
  regionNames: ['浙江省', '杭州市', '西湖区'],
  detail: '龙井路 1 号 茶园 3 栋',
};
const OFFICE = {
  name: '李四',
  phone: '13900001111',
  region: ['110000', '110100', '110105'],
  detail: '建国路 88 号',
};

async function addressBook(base: string, token: string): Promise<Address[]> {
  const res = await api<{ items: Address[] }>(base, 'GET', '/api/addresses', { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items;
}

function addressBookSuite(
  start: () => Promise<{ platform: StartedPlatform; adminPassword: string; dispose(): Promise<void> }>,
) {
  let platform: StartedPlatform;
  let dispose: () => Promise<void>;
  let base: string;
  let alice: string;
  let bob: string;
  let owner: string;
  const run = randomBytes(4).toString('hex');

  before(async () => {
    const started = await start();
    platform = started.platform;
    dispose = started.dispose;
    base = platform.baseUrl;
    owner = await adminLogin(base, 'admin', started.adminPassword);
    alice = (await devLogin(base, `alice-${run}`)).token;
    bob = (await devLogin(base, `bob-${run}`)).token;
  });
  after(async () => {
    await platform?.stop();
    await dispose?.();
  });

  test('the first address is the default; choosing another moves it; deleting the default passes it on', async () => {
    const home = await api<Address>(base, 'POST', '/api/addresses', { token: alice, body: HOME });
    assert.equal(home.status, 201, JSON.stringify(home.body));
    assert.deepEqual({ ...home.body, id: undefined }, { ...HOME, id: undefined, isDefault: true });
    const office = await api<Address>(base, 'POST', '/api/addresses', { token: alice, body: OFFICE });
    assert.equal(office.body.isDefault, false);
    const moved = await api<Address>(base, 'PATCH', `/api/addresses/${office.body.id}`, {
      token: alice,
      body: { isDefault: true, detail: '建国路 99 号' },
    });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.detail, '建国路 99 号');
    let book = await addressBook(base, alice);
    assert.deepEqual(
      book.map((a) => [a.id, a.isDefault]),
      [
        [office.body.id, true],
        [home.body.id, false],
      ],
    );
    const del = await api(base, 'DELETE', `/api/addresses/${office.body.id}`, { token: alice });
    assert.equal(del.status, 204);
    book = await addressBook(base, alice);
    assert.deepEqual(
      book.map((a) => [a.id, a.isDefault]),
      [[home.body.id, true]],
    );
  });

  test('PUT edits as PATCH does (wx.request has no PATCH): only the fields given change', async () => {
    const added = await api<Address>(base, 'POST', '/api/addresses', {
      token: alice,
      body: { ...OFFICE, detail: '望京街 9 号' },
    });
    assert.equal(added.status, 201);
    const put = await api<Address>(base, 'PUT', `/api/addresses/${added.body.id}`, {
      token: alice,
      body: { phone: '13900002222', isDefault: true },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body, { ...added.body, phone: '13900002222', isDefault: true });
    assertError(
      await api(base, 'PUT', `/api/addresses/${added.body.id}`, { token: bob, body: { name: '王五' } }),
      404,
      'NOT_FOUND',
      'No such address',
    );
    const del = await api(base, 'DELETE', `/api/addresses/${added.body.id}`, { token: alice });
    assert.equal(del.status, 204);
    const book = await addressBook(base, alice);
    assert.equal(book.filter((a) => a.isDefault).length, 1);
  });

  test("another shopper's address is 404 and changes nothing", async () => {
    const [mine] = await addressBook(base, alice);
    assert.ok(mine);
    assert.deepEqual(await addressBook(base, bob), []);
    for (const [method, body] of [
      ['PATCH', { name: '王五' }],
      ['DELETE', undefined],
    ] as const) {
      assertError(
        await api(base, method, `/api/addresses/${mine.id}`, { token: bob, ...(body ? { body } : {}) }),
        404,
        'NOT_FOUND',
        'No such address',
        method,
      );
    }
    assert.deepEqual(await addressBook(base, alice), [mine]);
  });

  test('a phone that is not a mainland mobile, or regions that do not nest, are refused', async () => {
    for (const phone of ['1381234800', '23812348000', '138-1234-8000', '+8613812348000']) {
      const res = await api<{ error: { code: string } }>(base, 'POST', '/api/addresses', {
        token: bob,
        body: { ...HOME, phone },
      });
      assert.equal(res.status, 400, phone);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    }
    assertError(
      await api(base, 'POST', '/api/addresses', {
        token: bob,
        body: { ...HOME, region: ['330000', '310100', '310101'] },
      }),
      400,
      'VALIDATION_FAILED',
      'The region codes are not a province, a city in it and a district in that',
    );
    assert.deepEqual(await addressBook(base, bob), []);
  });

  test('at most 20 addresses', async () => {
    const carol = (await devLogin(base, `carol-${run}`)).token;
    for (let i = 0; i < 20; i++) {
      const res = await api(base, 'POST', '/api/addresses', {
        token: carol,
        body: { ...OFFICE, detail: `建国路 ${i} 号` },
      });
      assert.equal(res.status, 201);
    }
    assertError(
      await api(base, 'POST', '/api/addresses', { token: carol, body: OFFICE }),
      409,
      'ADDRESS_LIMIT',
      'The address book is full',
    );
    assert.equal((await addressBook(base, carol)).length, 20);
  });

  test('operators see addresses masked; fulfilment roles read one in full and the read is audited', async () => {
    const [mine] = await addressBook(base, alice);
    const me = await devLogin(base, `alice-${run}`);
    const masked = await api<{ items: Address[] }>(base, 'GET', `/api/admin/users/${me.userId}/addresses`, {
      token: owner,
    });
    assert.equal(masked.status, 200);
    assert.deepEqual(masked.body.items[0], {
      ...mine,
      name: '张**',
      phone: '138****8000',
      detail: '龙井路 1 ****',
    });
    await api(base, 'POST', '/api/admin/admins', {
      token: owner,
      body: { username: `viewer-${run}`, password: `viewer-password-${run}`, role: 'viewer' },
    });
    const viewer = await adminLogin(base, `viewer-${run}`, `viewer-password-${run}`);
    assertError(
      await api(base, 'GET', `/api/admin/addresses/${mine!.id}`, { token: viewer }),
      403,
      'FORBIDDEN',
      'The viewer role may not do this',
    );
    const full = await api<Address>(base, 'GET', `/api/admin/addresses/${mine!.id}`, { token: owner });
    assert.deepEqual(full.body, mine);
    const audit = await api<{ items: { action: string; objectId: string; adminUsername: string }[] }>(
      base,
      'GET',
      '/api/admin/audit-log?limit=5',
      { token: owner },
    );
    const reveals = audit.body.items.filter((e) => e.action === 'address.reveal' && e.objectId === mine!.id);
    assert.equal(reveals.length, 1);
    assert.equal(reveals[0]!.adminUsername, 'admin');
  });
}

describe('addresses on PostgreSQL', () => {
  let dep: TestDeployment;
  addressBookSuite(async () => {
    dep = await createTestDeployment();
    const platform = await startPlatform({ env: dep.env, timeoutMs: 180_000 });
    return { platform, adminPassword: dep.adminPassword, dispose: async () => {} };
  });

  test('sealed at rest; a rotated key seals them again and the old key can then go', async () => {
    const rows = await dep.sql.query<{ pii: string; key_id: string; region_codes: string[] }>(
      'select * from addresses',
    );
    assert.ok(rows.rows.length > 0);
    for (const row of rows.rows) {
      assert.equal(row.key_id, 'k1');
      const raw = Buffer.from(row.pii, 'base64').toString('latin1');
      for (const clear of ['13812348000', '13900001111', '张三丰', '龙井路']) {
        assert.ok(!raw.includes(clear) && !row.pii.includes(clear), 'no personal information in clear');
      }
    }
    const before = await dep.sql.query<{ id: string; user_id: string }>('select id, user_id from addresses');
    const k1 = dep.env.ADDRESS_ENCRYPTION_KEYS!;
    const k2 = `k2:${randomBytes(32).toString('base64')}`;
    const admin = async (p: StartedPlatform) => adminLogin(p.baseUrl, 'admin', dep.adminPassword);
    const reveal = async (p: StartedPlatform, token: string, id: string) =>
      api<Address>(p.baseUrl, 'GET', `/api/admin/addresses/${id}`, { token });

    const rotated = await startPlatform({
      env: { ...dep.env, ADDRESS_ENCRYPTION_KEYS: `${k2},${k1}`, SWEEP_INTERVAL_MS: '100' },
      timeoutMs: 180_000,
    });
    try {
      const token = await admin(rotated);
      const first = await reveal(rotated, token, before.rows[0]!.id);
      assert.equal(first.status, 200, 'old rows open with the old key');
      await eventually(
        async () => {
          const left = await dep.sql.query(`select 1 from addresses where key_id <> 'k2'`);
          return left.rows.length === 0 ? true : undefined;
        },
        60_000,
        'every address sealed with k2',
      );
    } finally {
      await rotated.stop();
    }
    const onlyNew = await startPlatform({
      env: { ...dep.env, ADDRESS_ENCRYPTION_KEYS: k2 },
      timeoutMs: 180_000,
    });
    try {
      const token = await admin(onlyNew);
      for (const row of before.rows) assert.equal((await reveal(onlyNew, token, row.id)).status, 200);
    } finally {
      await onlyNew.stop();
      await dep.dispose();
    }
  });
});

describe('addresses on the embedded default', () => {
  let dataDir = '';
  addressBookSuite(async () => {
    const platform = await startPlatform({ env: { SEED_DEMO: '0' }, timeoutMs: 180_000 });
    dataDir = platform.dataDir;
    return { platform, adminPassword: platform.adminPassword, dispose: async () => {} };
  });
  test('the embedded default keeps its generated key under DATA_DIR', () => {
    assert.ok(existsSync(path.join(dataDir, 'address-keys')));
  });
});
