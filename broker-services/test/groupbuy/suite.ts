/**
 * Group buy end to end through the gateway: a race to join, success on all paid, an unpaid member's slot freed
 * at its payment expiry, failure at group expiry with refunds exactly once across a restart, robot fill only
 * where the campaign's policy is on, and the operator's live figures. Run by groupbuy-real.test.ts (a real
 * platform process on PostgreSQL, Redis and NATS, killed and started again) and groupbuy-in-process.test.ts
 * (every service in the test's process on the in-process hot-path store, time moved by a test clock).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { adminLogin, api, eventually, type GatewayTarget } from '../support/http.ts';
import {
  adminOrder,
  auditLog,
  createCampaign,
  getGroup,
  joinGroup,
  live,
  metric,
  openGroup,
  orderOf,
  payDev,
  pool,
  requestId,
  type Shopper,
  shoppers,
  sleep,
} from './helpers.ts';

/** Payment TTL of the platform under test; group TTLs below are chosen around it. */
export const PAYMENT_TTL_SECONDS = 20;
/** Settings every group-buy platform under test runs with. */
export const GROUPBUY_ENV: Record<string, string> = {
  ALLOW_SHORT_TTL: '1',
  PAYMENT_TTL_SECONDS: String(PAYMENT_TTL_SECONDS),
  SWEEP_INTERVAL_MS: '200',
  RATE_LIMIT_PER_IP_PER_SECOND: '100000',
  LOG_LEVEL: 'warn',
};

/** A running platform as the suite sees it. */
export interface SuitePlatform {
  target: GatewayTarget;
  adminUsername: string;
  adminPassword: string;
  /** Why the platform died under test, if it did (its last output). */
  failure?(): string | undefined;
}

export interface SuiteTarget<P extends SuitePlatform> {
  mode: 'real' | 'in-process';
  start(): Promise<P>;
  /** Ends the platform (SIGKILL on real services, a graceful stop in process) and starts it again on the same data. */
  restart(p: P): Promise<P>;
  /**
   * Lets `ms` of the platform's time pass before an expiry is awaited: a moved test clock in process; nothing
   * on a real process, whose expiries come in real time within the waits below.
   */
  passTime(p: P, ms: number): Promise<void>;
  /** Stored rows, on real services only. */
  sql?: pg.Pool;
  cleanup(p: P | undefined): Promise<void>;
}

const PAID = new Set(['paid', 'shipped', 'completed']);

export function groupBuySuite<P extends SuitePlatform>(target: SuiteTarget<P>): void {
  describe(`group buy through the gateway (${target.mode})`, () => {
    let p: P | undefined;
    let url: GatewayTarget = '';
    let admin = '';
    const tag = `${target.mode}_${requestId()}`;

    const reconnect = async (next: P) => {
      p = next;
      url = next.target;
      admin = await adminLogin(url, next.adminUsername, next.adminPassword);
    };

    before(async () => {
      await reconnect(await target.start());
    });
    after(async () => {
      // A process that died under test says why.
      const failure = p?.failure?.();
      if (failure) console.error(failure);
      await target.cleanup(p);
    });

    /** Opens a group for `leader` with `joiners`, returning each member's shopper and order id. */
    async function formGroup(campaignId: string, leader: Shopper, joiners: Shopper[]) {
      const opened = await openGroup(url, leader, campaignId);
      const groupId = opened.group.id;
      const members = [{ shopper: leader, reservationId: opened.reservation.id }];
      for (const j of joiners) {
        members.push({ shopper: j, reservationId: (await joinGroup(url, j, groupId)).reservation.id });
      }
      const orders = await Promise.all(members.map((m) => orderOf(url, m.shopper, m.reservationId)));
      return { groupId, members: members.map((m, i) => ({ shopper: m.shopper, orderId: orders[i]! })) };
    }

    /** Stock left + reserved + sold = total once settlement is idle; returns the live figures then. */
    async function settledLive(campaignId: string) {
      return eventually(
        async () => {
          const l = await live(url, admin, campaignId);
          return l.unsettled === 0 && l.stockLeft + l.reserved + l.sold === l.stockTotal ? l : undefined;
        },
        20_000,
        'stock left + reserved + sold = total',
      );
    }

    test('600 shoppers race to join 50 groups of 3: no group over 3, nobody twice, stock never negative', async () => {
      const campaignId = await createCampaign(url, admin, { stockTotal: 150, perUserLimit: 3, groupSize: 3 });
      // Everyone logs in first: the race must end within the payment TTL, or expired orders free slots
      // that others legitimately take again.
      const leaders = await shoppers(url, `${tag}_leader`, 50);
      const racers = await shoppers(url, `${tag}_racer`, 600);
      const started = Date.now();
      const groups = await pool(leaders, 10, (l) => openGroup(url, l, campaignId));
      const groupIds = groups.map((g) => g.group.id);
      // Each racer sends two joins at once to the same group (one must be ALREADY_MEMBER or fail otherwise)
      // and one to another group.
      const attempts = racers.flatMap((s, i) => {
        const a = groupIds[(i * 7) % 50]!;
        const b = groupIds[(i * 13 + 1) % 50]!;
        return [
          { s, groupId: a },
          { s, groupId: a },
          { s, groupId: b },
        ];
      });
      const results = await pool(attempts, 40, async ({ s, groupId }) => {
        const res = await api<{ group?: { id: string }; error?: { code: string; message: string } }>(
          url,
          'POST',
          `/api/groupbuy/groups/${groupId}/members`,
          { token: s.token, body: { requestId: requestId() } },
        );
        return { s, groupId, res };
      });
      const raceMs = Date.now() - started;
      console.log(`${target.mode}: 50 groups opened and 1800 joins answered in ${raceMs} ms`);
      assert.ok(
        raceMs < PAYMENT_TTL_SECONDS * 1000,
        'the race outlasted the payment TTL; its counts are moot',
      );
      const joined = new Map<string, string[]>(groupIds.map((id) => [id, []]));
      const refusals = new Map<string, number>();
      for (const { s, groupId, res } of results) {
        if (res.status === 201) {
          joined.get(groupId)!.push(s.userId);
          continue;
        }
        assert.equal(res.status, 409, JSON.stringify(res.body));
        assert.deepEqual(Object.keys(res.body), ['error']);
        assert.ok(
          ['GROUP_FULL', 'ALREADY_MEMBER', 'SOLD_OUT'].includes(res.body.error!.code),
          res.body.error!.code,
        );
        assert.equal(typeof res.body.error!.message, 'string');
        refusals.set(res.body.error!.code, (refusals.get(res.body.error!.code) ?? 0) + 1);
      }
      let total = 0;
      for (const [groupId, users] of joined) {
        assert.ok(
          users.length <= 2,
          `group ${groupId} took ${users.length} joiners (size 3 with its leader)`,
        );
        assert.equal(new Set(users).size, users.length, `someone joined group ${groupId} twice`);
        total += users.length;
      }
      // 100 joinable slots and 1800 attempts: every slot is taken, never more.
      assert.equal(total, 100);
      assert.ok((refusals.get('GROUP_FULL') ?? 0) > 0);
      const l = await settledLive(campaignId);
      assert.ok(l.stockLeft >= 0);
      assert.equal(l.stockLeft, 0);
      assert.equal(l.ordersPending + l.ordersCancelled, 150);
      for (const groupId of groupIds) {
        const g = await getGroup(url, leaders[0]!, groupId);
        assert.ok(g.slotsTaken <= 3 && g.members.length <= 3, `group ${groupId}: ${g.members.length}`);
        assert.equal(new Set(g.members.map((m) => m.userId)).size, g.members.length);
      }
      if (target.sql) {
        const over = await target.sql.query(
          `select g.id from groups g join group_members m on m.group_id = g.id
           where g.campaign_id = $1 group by g.id, g.size having count(*) filter (where m.left_at is null) > g.size`,
          [campaignId],
        );
        assert.equal(over.rowCount, 0);
        const twice = await target.sql.query(
          `select m.group_id, m.user_id from group_members m join groups g on g.id = m.group_id
           where g.campaign_id = $1 group by m.group_id, m.user_id having count(*) > 1`,
          [campaignId],
        );
        assert.equal(twice.rowCount, 0);
      }
    });

    test('3 members pay: the group succeeds once, its orders stay paid, /live counts it', async () => {
      const campaignId = await createCampaign(url, admin, { stockTotal: 30, groupSize: 3 });
      const [leader, a, b] = await shoppers(url, `${tag}_ok`, 3);
      const before = await metric(url, 'tm_group_transitions_total', { to: 'succeeded' });
      const { groupId, members } = await formGroup(campaignId, leader!, [a!, b!]);
      for (const m of members) await payDev(url, m.shopper, m.orderId);
      const g = await eventually(
        async () => {
          const v = await getGroup(url, leader!, groupId);
          return v.status === 'succeeded' ? v : undefined;
        },
        15_000,
        'group succeeded',
      );
      assert.equal(g.slotsTaken, 3);
      assert.ok(g.members.every((m) => m.paid));
      // Let a few more sweeps run: none may succeed it again.
      await sleep(1000);
      assert.equal(await metric(url, 'tm_group_transitions_total', { to: 'succeeded' }), before + 1);
      for (const m of members) assert.equal((await adminOrder(url, admin, m.orderId)).status, 'paid');
      const l = await live(url, admin, campaignId);
      assert.equal(l.groupsSucceeded, 1);
      assert.equal(l.groupsForming, 0);
      assert.equal(l.groupsFailed, 0);
      assert.equal(l.ordersPaid, 3);
      if (target.sql) {
        const t = await target.sql.query(
          `select from_status, to_status, reason from group_transitions where group_id = $1 and to_status = 'succeeded'`,
          [groupId],
        );
        assert.deepEqual(t.rows, [{ from_status: 'forming', to_status: 'succeeded', reason: 'all_paid' }]);
      }
    });

    test("an unpaid member's slot is freed when the order expires and someone else takes it", async () => {
      const campaignId = await createCampaign(url, admin, {
        stockTotal: 30,
        groupSize: 3,
        groupTtlSeconds: 600,
      });
      const [leader, a, b, c] = await shoppers(url, `${tag}_slot`, 4);
      const { groupId, members } = await formGroup(campaignId, leader!, [a!, b!]);
      const full = await api(url, 'POST', `/api/groupbuy/groups/${groupId}/members`, {
        token: c!.token,
        body: { requestId: requestId() },
      });
      assert.equal(full.status, 409);
      assert.deepEqual(full.body, {
        error: {
          code: 'GROUP_FULL',
          message: (full.body as { error: { message: string } }).error.message,
          retryable: false,
        },
      });
      await payDev(url, leader!, members[0]!.orderId);
      await payDev(url, b!, members[2]!.orderId);
      // a never pays: its order is cancelled at its payment expiry and its slot is free again.
      await target.passTime(p!, PAYMENT_TTL_SECONDS * 1000);
      const cancelled = await eventually(
        async () => {
          const o = await adminOrder(url, admin, members[1]!.orderId);
          return o.status === 'cancelled' ? o : undefined;
        },
        PAYMENT_TTL_SECONDS * 1000 + 15_000,
        'unpaid order cancelled',
      );
      assert.equal(cancelled.transitions?.at(-1)?.reason, 'payment_timeout');
      await eventually(
        async () => ((await getGroup(url, leader!, groupId)).slotsTaken === 2 ? true : undefined),
        10_000,
        'slot freed',
      );
      const joinedC = await joinGroup(url, c!, groupId);
      assert.equal(joinedC.group.slotsTaken, 3);
      const orderC = await orderOf(url, c!, joinedC.reservation.id);
      await payDev(url, c!, orderC);
      const g = await eventually(
        async () => {
          const v = await getGroup(url, leader!, groupId);
          return v.status === 'succeeded' ? v : undefined;
        },
        15_000,
        'group succeeded with the new member',
      );
      assert.deepEqual(g.members.map((m) => m.userId).sort(), [leader!.userId, b!.userId, c!.userId].sort());
      const l = await settledLive(campaignId);
      assert.equal(l.ordersPaid, 3);
      assert.equal(l.ordersCancelled, 1);
      assert.equal(l.stockLeft, 27);
    });

    test('a group that does not fill fails at expiry: paid members refunded exactly once across a restart, stock back', async () => {
      const ttl = 8;
      const campaignId = await createCampaign(url, admin, {
        stockTotal: 3,
        groupSize: 3,
        groupTtlSeconds: ttl,
      });
      const [leader, a, b] = await shoppers(url, `${tag}_fail`, 3);
      const refundsBefore = await metric(url, 'tm_refunds_total', { result: 'succeeded' });
      const { groupId, members } = await formGroup(campaignId, leader!, [a!, b!]);
      await payDev(url, leader!, members[0]!.orderId);
      await payDev(url, a!, members[1]!.orderId);
      await target.passTime(p!, ttl * 1000);
      await eventually(
        async () => ((await getGroup(url, leader!, groupId)).status === 'failed' ? true : undefined),
        ttl * 1000 + 15_000,
        'group failed',
      );
      // The process ends while it may still be resolving the members; the next one finishes the job.
      const refundsSeen = (await metric(url, 'tm_refunds_total', { result: 'succeeded' })) - refundsBefore;
      assert.ok(refundsSeen <= 2);
      await reconnect(await target.restart(p!));
      const paid = [members[0]!, members[1]!];
      for (const m of paid) {
        const o = await eventually(
          async () => {
            const v = await adminOrder(url, admin, m.orderId);
            return v.status === 'refunded' ? v : undefined;
          },
          // Generous: after a restart the process first reconnects, reconciles and resumes its sweepers.
          45_000,
          'paid member refunded',
        );
        assert.deepEqual(
          o.transitions?.map((t) => t.to),
          ['pending_payment', 'paid', 'refunding', 'refunded'].slice(
            o.transitions![0]!.from === null ? 0 : 1,
          ),
        );
      }
      const unpaid = await adminOrder(url, admin, members[2]!.orderId);
      assert.equal(unpaid.status, 'cancelled');
      assert.equal(unpaid.transitions?.at(-1)?.reason, 'group_failed');
      // Further sweeps (expiry runs every 200 ms) change nothing.
      await sleep(1500);
      for (const m of paid) {
        const o = await adminOrder(url, admin, m.orderId);
        assert.equal(o.status, 'refunded');
        assert.equal(o.transitions!.filter((t) => t.to === 'refunding').length, 1);
        assert.equal(o.transitions!.filter((t) => t.to === 'refunded').length, 1);
      }
      if (target.sql) {
        const r = await target.sql.query(
          `select order_id, out_refund_no, status, amount_fen from refunds where order_id = any($1) order by order_id`,
          [paid.map((m) => m.orderId)],
        );
        assert.deepEqual(
          r.rows,
          paid
            .map((m) => m.orderId)
            .sort()
            .map((id) => ({
              order_id: id,
              out_refund_no: `rf_${id}`,
              status: 'succeeded',
              amount_fen: 4900,
            })),
        );
        const t = await target.sql.query(
          `select count(*)::int as n from group_transitions where group_id = $1 and to_status = 'failed'`,
          [groupId],
        );
        assert.equal(t.rows[0].n, 1);
      }
      const l = await settledLive(campaignId);
      assert.equal(l.stockLeft, 3);
      assert.equal(l.reserved, 0);
      assert.equal(l.sold, 0);
      assert.equal(l.ordersRefunded, 2);
      assert.equal(l.ordersCancelled, 1);
      assert.equal(l.groupsFailed, 1);
      assert.equal(l.groupsForming, 0);
      const g = await getGroup(url, leader!, groupId);
      assert.ok(g.members.every((m) => !m.paid));
      assert.ok(!PAID.has((await adminOrder(url, admin, members[0]!.orderId)).status));
    });

    test('robot fill: a group missing one member succeeds at expiry only where the policy is on; audited and counted', async () => {
      const ttl = 8;
      const [onId, offId] = await Promise.all([
        createCampaign(url, admin, {
          stockTotal: 6,
          groupSize: 3,
          groupTtlSeconds: ttl,
          robotFill: { enabled: true, maxMissing: 1 },
        }),
        createCampaign(url, admin, { stockTotal: 6, groupSize: 3, groupTtlSeconds: ttl }),
      ]);
      const [l1, a1, l2, a2] = await shoppers(url, `${tag}_robot`, 4);
      const [on, off] = await Promise.all([formGroup(onId, l1!, [a1!]), formGroup(offId, l2!, [a2!])]);
      for (const m of [...on.members, ...off.members]) await payDev(url, m.shopper, m.orderId);
      await target.passTime(p!, ttl * 1000);
      const [gOn, gOff] = await Promise.all(
        [
          { g: on, s: l1! },
          { g: off, s: l2! },
        ].map(({ g, s }) =>
          eventually(
            async () => {
              const v = await getGroup(url, s, g.groupId);
              return v.status === 'forming' ? undefined : v;
            },
            ttl * 1000 + 15_000,
            'group ended',
          ),
        ),
      );
      assert.equal(gOn!.status, 'succeeded');
      assert.equal(gOn!.slotsTaken, 3);
      assert.equal(gOff!.status, 'failed');
      for (const m of on.members) assert.equal((await adminOrder(url, admin, m.orderId)).status, 'paid');
      for (const m of off.members) {
        await eventually(
          async () => ((await adminOrder(url, admin, m.orderId)).status === 'refunded' ? true : undefined),
          20_000,
          'refunded without robot fill',
        );
      }
      const audit = (await auditLog(url, admin)).filter((e) => e.action === 'group.robot_fill');
      assert.deepEqual(
        audit.map((e) => ({
          objectType: e.objectType,
          objectId: e.objectId,
          by: e.adminUsername,
          d: e.detail,
        })),
        [
          {
            objectType: 'group',
            objectId: on.groupId,
            by: 'system',
            d: { campaignId: onId, missing: 1, paidMembers: 2 },
          },
        ],
      );
      assert.equal(await metric(url, 'tm_robot_fill_total', { campaign_id: onId }), 1);
      assert.equal(await metric(url, 'tm_robot_fill_total', { campaign_id: offId }), 0);
      assert.equal(
        await metric(url, 'tm_group_transitions_total', { to: 'succeeded', reason: 'robot_fill' }),
        1,
      );
      const [liveOn, liveOff] = await Promise.all([live(url, admin, onId), live(url, admin, offId)]);
      assert.deepEqual(
        [liveOn.groupsSucceeded, liveOn.groupsFailed, liveOff.groupsSucceeded, liveOff.groupsFailed],
        [1, 0, 0, 1],
      );
    });
  });
}
