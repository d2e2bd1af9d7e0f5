/**
 * Membership level benefits on a campaign, end to end on real PostgreSQL and Redis (every service in this process,
 * a test clock): the operator sets them on the admin API (validated against the membership module's levels,
 * refusals change nothing, the change and its audit entry together); shoppers reserve through the gateway, which
 * passes their level to the hot path: a gold member reserves before the start and up to the higher limit and not
 * one more under a burst, a regular shopper hears NOT_STARTED with their own opening time and is held to the
 * base limit, on seckill reservations and on group open and join; stock left + reserved + sold = total; the
 * gateway's per-process level cache asks the membership module once per shopper and 30 s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LEVEL_CACHE_MS, shopperLevels } from '../../src/gateway/member-levels.ts';
import { assertError, type ErrorBodyShape } from '../gateway/support.ts';
import { adminLogin, api, devLogin, eventually } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';

const MINUTE = 60_000;

interface AdminCampaign {
  id: string;
  title: string;
  status: string;
  perUserLimit: number;
  startsAt: string;
  levelBenefits: { levelCode: string; perUserLimit?: number; earlyAccessMinutes?: number }[];
}
interface AuditItem {
  action: string;
  objectId: string;
  detail: Record<string, unknown>;
}

describe('campaign level benefits: admin API, gateway and hot path', () => {
  let p: InProcessPlatform;
  let admin: string;
  let skuId: string;
  let seq = 0;

  const call = <T>(method: string, path: string, token: string, body?: unknown) =>
    api<T>(p.gateway, method, path, { token, ...(body !== undefined ? { body } : {}) });

  /** A shopper at `level` (the default levels: regular, silver, gold, diamond), set where the membership module keeps it. */
  async function shopper(name: string, level: string): Promise<{ token: string; userId: string }> {
    const s = await devLogin(p.gateway, `lvl-${name}-${Date.now()}`);
    await p.rt.orm.em.fork().execute(
      `insert into members (user_id, level_code, growth, evaluated_at) values (?, ?, 0, ?)
         on conflict (user_id) do update set level_code = excluded.level_code`,
      [s.userId, level, new Date(p.clock.now())],
    );
    return s;
  }

  const reserve = (token: string, campaignId: string) =>
    call<{ reservation: { id: string } } | ErrorBodyShape>(
      'POST',
      `/api/seckill/${campaignId}/reservations`,
      token,
      { quantity: 1, requestId: `lvl-req-${seq++}-${Date.now()}` },
    );

  function body(over: Record<string, unknown> = {}) {
    const now = p.clock.now();
    return {
      type: 'seckill',
      title: `等级权益 ${seq++}`,
      skuId,
      priceFen: 990,
      startsAt: new Date(now + 8 * MINUTE).toISOString(),
      endsAt: new Date(now + 60 * MINUTE).toISOString(),
      stockTotal: 50,
      perUserLimit: 2,
      levelBenefits: [
        { levelCode: 'gold', perUserLimit: 4, earlyAccessMinutes: 10 },
        { levelCode: 'silver', earlyAccessMinutes: 5 },
      ],
      ...over,
    };
  }

  async function audit(): Promise<AuditItem[]> {
    return (await call<{ items: AuditItem[] }>('GET', '/api/admin/audit-log?limit=100', admin)).body.items;
  }

  before(async () => {
    p = await startInProcess();
    admin = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
    const made = await call<{ skus: { id: string }[] }>('POST', '/api/admin/products', admin, {
      title: '等级权益测试商品',
      skus: [{ name: 'S', priceFen: 2000, stock: 10 }],
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    skuId = made.body.skus[0]!.id;
  });
  after(async () => {
    await p?.stop();
  });

  test('create refuses bad level benefits with a stable code and changes nothing', async () => {
    const campaignsBefore = (await call<{ items: unknown[] }>('GET', '/api/admin/campaigns', admin)).body
      .items.length;
    const auditBefore = (await audit()).length;
    const refused = async (levelBenefits: unknown, what: string) => {
      const res = await call<ErrorBodyShape>('POST', '/api/admin/campaigns', admin, body({ levelBenefits }));
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED', what);
      return res.body.error;
    };
    const unknown = await refused([{ levelCode: 'platinum', perUserLimit: 4 }], 'unknown level code');
    assert.equal(unknown.message, 'No membership level platinum');
    assert.deepEqual(unknown.details, { field: 'levelBenefits/0/levelCode' });
    const below = await refused([{ levelCode: 'gold', perUserLimit: 1 }], 'limit below the base');
    assert.equal(below.message, "A level's perUserLimit (1) cannot be below the campaign's (2)");
    assert.deepEqual(below.details, { field: 'levelBenefits/0/perUserLimit' });
    const twice = await refused(
      [
        { levelCode: 'gold', perUserLimit: 3 },
        { levelCode: 'gold', earlyAccessMinutes: 3 },
      ],
      'a level listed twice',
    );
    assert.equal(twice.message, 'Level gold is listed twice');
    await refused([{ levelCode: 'gold', earlyAccessMinutes: 1441 }], 'early access over 24 h');
    await refused([{ levelCode: 'gold', perUserLimit: 101 }], 'limit over the maximum');
    await refused([{ levelCode: 'gold', earlyAccessMinutes: 0 }], 'zero early access');
    await refused([{ levelCode: 'gold' }], 'a level with no benefit');
    await refused([{ levelCode: 'Gold!', perUserLimit: 3 }], 'a malformed level code');
    await refused(
      Array.from({ length: 11 }, (_, i) => ({ levelCode: `l${i}`, perUserLimit: 3 })),
      'more than 10 levels',
    );
    await refused([{ levelCode: 'gold', perUserLimit: 3, extra: 1 }], 'an unknown field');
    assert.equal(
      (await call<{ items: unknown[] }>('GET', '/api/admin/campaigns', admin)).body.items.length,
      campaignsBefore,
    );
    assert.equal((await audit()).length, auditBefore, 'no audit entry for a refused change');
  });

  test('a gold member reserves early and up to 4 under a burst; regular shoppers wait and get 2', async () => {
    const created = await call<AdminCampaign>('POST', '/api/admin/campaigns', admin, body());
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const c = created.body;
    assert.deepEqual(c.levelBenefits, [
      { levelCode: 'gold', perUserLimit: 4, earlyAccessMinutes: 10 },
      { levelCode: 'silver', earlyAccessMinutes: 5 },
    ]);
    const entry = (await audit()).find((e) => e.action === 'campaign.create' && e.objectId === c.id);
    assert.deepEqual(entry?.detail.levelBenefits, c.levelBenefits, 'the audit entry carries the benefits');
    const shown = await api<AdminCampaign>(p.gateway, 'GET', `/api/campaigns/${c.id}`);
    assert.deepEqual(shown.body.levelBenefits, c.levelBenefits, 'shoppers see the benefits');

    const gold = await shopper('gold', 'gold');
    const silver = await shopper('silver', 'silver');
    const regular = await shopper('regular', 'regular');
    const startsAt = Date.parse(c.startsAt);

    // Before the start: the gold member is in (10 minutes early), the others hear their own opening time.
    const early = await reserve(gold.token, c.id);
    assert.equal(early.status, 201, JSON.stringify(early.body));
    for (const [s, opensAt] of [
      [regular, startsAt],
      [silver, startsAt - 5 * MINUTE],
    ] as const) {
      const res = await reserve(s.token, c.id);
      assert.deepEqual(
        { status: res.status, body: res.body },
        {
          status: 409,
          body: {
            error: {
              code: 'NOT_STARTED',
              message: 'The campaign has not started yet',
              retryable: false,
              details: { opensAt: new Date(opensAt).toISOString() },
            },
          },
        },
      );
    }
    const admission = await call<{ opensAt: string }>('POST', `/api/campaigns/${c.id}/admission`, gold.token);
    assert.equal(admission.body.opensAt, new Date(startsAt - 10 * MINUTE).toISOString());
    const plainAdmission = await call<{ opensAt: string }>(
      'POST',
      `/api/campaigns/${c.id}/admission`,
      regular.token,
    );
    assert.equal(plainAdmission.body.opensAt, c.startsAt);

    // A burst of 8 more: exactly 3 (to 4 in all), the rest over the limit.
    const burst = await Promise.all(Array.from({ length: 8 }, () => reserve(gold.token, c.id)));
    assert.equal(burst.filter((r) => r.status === 201).length, 3);
    for (const r of burst.filter((x) => x.status !== 201))
      assertError(r, 409, 'LIMIT_EXCEEDED', 'Over the per-user limit of this campaign');

    // After the start, a regular shopper's burst: exactly the base limit.
    p.clock.advance(8 * MINUTE + 1000);
    const plain = await Promise.all(Array.from({ length: 6 }, () => reserve(regular.token, c.id)));
    assert.equal(plain.filter((r) => r.status === 201).length, 2);
    assert.ok(plain.filter((r) => r.status !== 201).every((r) => r.status === 409));

    // left + reserved + sold = total, whatever settlement has reached.
    const live = await call<{ stockTotal: number; stockLeft: number; reserved: number; sold: number }>(
      'GET',
      `/api/admin/campaigns/${c.id}/live`,
      admin,
    );
    assert.equal(live.body.stockLeft, 50 - 6);
    assert.equal(live.body.stockLeft + live.body.reserved + live.body.sold, live.body.stockTotal);
  });

  test('group buy: a gold member opens and joins early and up to the higher limit, others wait', async () => {
    const created = await call<AdminCampaign>(
      'POST',
      '/api/admin/campaigns',
      admin,
      body({
        type: 'groupbuy',
        groupSize: 2,
        groupTtlSeconds: 3600,
        perUserLimit: 1,
        levelBenefits: [{ levelCode: 'gold', perUserLimit: 2, earlyAccessMinutes: 10 }],
      }),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const c = created.body;
    const gold = await shopper('gb-gold', 'gold');
    const gold2 = await shopper('gb-gold2', 'gold');
    const regular = await shopper('gb-regular', 'regular');
    const open = (token: string) =>
      call<{ group: { id: string; slotsTaken: number } } | ErrorBodyShape>(
        'POST',
        `/api/groupbuy/${c.id}/groups`,
        token,
        { requestId: `lvl-gb-${seq++}-${Date.now()}` },
      );
    const join = (token: string, groupId: string) =>
      call<{ group: { id: string; slotsTaken: number } } | ErrorBodyShape>(
        'POST',
        `/api/groupbuy/groups/${groupId}/members`,
        token,
        { requestId: `lvl-gj-${seq++}-${Date.now()}` },
      );
    const first = await open(gold.token);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const groupId = (first.body as { group: { id: string } }).group.id;
    const notYet = await join(regular.token, groupId);
    assert.equal(notYet.status, 409);
    assert.deepEqual((notYet.body as ErrorBodyShape).error.details, { opensAt: c.startsAt });
    assert.equal((await open(regular.token)).status, 409);
    const joined = await join(gold2.token, groupId);
    assert.equal(joined.status, 201, JSON.stringify(joined.body));
    assert.equal((await open(gold.token)).status, 201, 'a second unit for gold');
    assertError(await open(gold.token), 409, 'LIMIT_EXCEEDED', 'Over the per-user limit of this campaign');
  });

  test('the gateway asks a shopper’s level once per 30 s; a change shows after that, a newcomer is at the lowest', async () => {
    let now = 1_000_000;
    const levels = shopperLevels(p.broker, () => now);
    const s = await shopper('cache', 'gold');
    const first = levels.of(s.userId);
    assert.ok(first instanceof Promise, 'the first time is asked of the membership module');
    assert.equal(await first, 'gold');
    await p.rt.orm.em
      .fork()
      .execute(`update members set level_code = 'regular' where user_id = ?`, [s.userId]);
    assert.equal(levels.of(s.userId), 'gold', 'answered from the cache, synchronously');
    now += LEVEL_CACHE_MS;
    // Stale: the old answer once more while one refresh runs, then the new level.
    assert.equal(levels.of(s.userId), 'gold');
    assert.equal(
      await eventually(async () => (levels.of(s.userId) === 'regular' ? 'regular' : undefined), 10_000),
      'regular',
    );
    const newcomer = await devLogin(p.gateway, `lvl-new-${Date.now()}`);
    assert.equal(await levels.of(newcomer.userId), 'regular');
  });

  test('patch checks the merged terms, refuses on a live campaign, and audits the change', async () => {
    const created = await call<AdminCampaign>('POST', '/api/admin/campaigns', admin, body());
    const id = created.body.id;
    const raised = await call<ErrorBodyShape>('PATCH', `/api/admin/campaigns/${id}`, admin, {
      perUserLimit: 5,
    });
    assert.equal(raised.status, 400);
    assert.equal(raised.body.error.message, "A level's perUserLimit (4) cannot be below the campaign's (5)");
    const unknown = await call<ErrorBodyShape>('PATCH', `/api/admin/campaigns/${id}`, admin, {
      levelBenefits: [{ levelCode: 'vip9', earlyAccessMinutes: 5 }],
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.message, 'No membership level vip9');
    const unchanged = await call<AdminCampaign>('GET', `/api/admin/campaigns/${id}`, admin);
    assert.deepEqual(
      [unchanged.body.perUserLimit, unchanged.body.levelBenefits],
      [2, created.body.levelBenefits],
    );

    const patched = await call<AdminCampaign>('PATCH', `/api/admin/campaigns/${id}`, admin, {
      levelBenefits: [{ levelCode: 'silver', perUserLimit: 3 }],
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.levelBenefits, [{ levelCode: 'silver', perUserLimit: 3 }]);
    const entry = (await audit()).find((e) => e.action === 'campaign.update' && e.objectId === id);
    assert.deepEqual(entry?.detail, { levelBenefits: [{ levelCode: 'silver', perUserLimit: 3 }] });
    // The hot path has the new table: gold lost its early access.
    const gold = await shopper('gold2', 'gold');
    assert.equal((await reserve(gold.token, id)).status, 409);

    p.clock.advance(8 * MINUTE + 1000);
    assertError(
      await call('PATCH', `/api/admin/campaigns/${id}`, admin, { levelBenefits: [] }),
      409,
      'INVALID_TRANSITION',
      'Live campaigns cannot change levelBenefits',
    );
  });
});
