/**
 * Membership levels and each shopper's level. Growth (成长值) is earned by completed orders (1 per whole yuan paid)
 * into the append-only `member_growth`, and counted over the operator's window (`windowDays`). A shopper's level is
 * the highest whose threshold that growth reaches: raised at once when an order's growth reaches the next one, and
 * set up or down by the scheduled review (`membership.review`). Every change of level is a row of
 * `member_level_changes`, logged and counted after its transaction commits.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { memberLevelChangesTotal, memberLevelGiftTransitionsTotal } from '@tuanmiao/observability';
import type { Logger } from 'pino';
import type { MemberLevel } from './schemas.ts';

interface LevelRow {
  code: string;
  name: string;
  threshold: number;
  discount_percent: number;
  benefits: string[];
  monthly_coupon_template_id: string | null;
  level_up_coupon_template_id: string | null;
}

export function levelView(r: LevelRow): MemberLevel {
  return {
    code: r.code,
    name: r.name,
    threshold: r.threshold,
    discountPercent: r.discount_percent,
    benefits: [...r.benefits],
    monthlyCouponTemplateId: r.monthly_coupon_template_id,
    levelUpCouponTemplateId: r.level_up_coupon_template_id,
  };
}

/** The levels, lowest threshold first (the first one's threshold is 0). */
export async function readLevels(em: EntityManager): Promise<MemberLevel[]> {
  const rows = await em.execute<LevelRow[]>('select * from member_levels order by threshold');
  return rows.map(levelView);
}

export async function readWindowDays(em: EntityManager): Promise<number> {
  const rows = await em.execute<{ window_days: number }[]>(
    'select window_days from member_settings where id = 1',
  );
  return rows[0]!.window_days;
}

/** The highest level `growth` reaches. */
export function levelFor(levels: readonly MemberLevel[], growth: number): MemberLevel {
  let found = levels[0]!;
  for (const l of levels) if (l.threshold <= growth) found = l;
  return found;
}

/** Growth counted at `at`: what the shopper earned in the window before it. */
export async function windowGrowth(
  em: EntityManager,
  userId: string,
  at: Date,
  windowDays: number,
): Promise<number> {
  const rows = await em.execute<{ growth: string | number }[]>(
    'select coalesce(sum(delta), 0) as growth from member_growth where user_id = ? and at > ? and at <= ?',
    [userId, new Date(at.getTime() - windowDays * 86400_000), at],
  );
  return Math.max(0, Number(rows[0]!.growth));
}

export interface LevelChange {
  userId: string;
  from: string | null;
  to: string;
  growth: number;
  direction: 'up' | 'down';
  reason: 'growth' | 'schedule' | 'refund';
  /** Levels whose level-up gift this change queued (member_level_gifts), lowest first. */
  gifts: string[];
}

/**
 * Decides the shopper's level at `at` inside `tx`, with the shopper's member row locked. `upOnly`: growth just
 * earned may raise the level but never lowers it (lowering is the scheduled review's). Returns the change, if any.
 */
export async function evaluateMember(
  tx: EntityManager,
  userId: string,
  at: Date,
  opts: { upOnly: boolean; reason: LevelChange['reason'] },
): Promise<LevelChange | null> {
  const levels = await readLevels(tx);
  const base = levels[0]!;
  // The row is created at the lowest level (an insert that takes its lock), so the decision below is serialised.
  // The growth is read after the lock: two completions of one shopper at once each see the other's growth once it
  // has committed, so together they reach the level that neither reaches alone.
  const rows = await tx.execute<{ level_code: string }[]>(
    `insert into members (user_id, level_code, growth, evaluated_at) values (?, ?, 0, ?)
     on conflict (user_id) do update set user_id = excluded.user_id returning level_code`,
    [userId, base.code, at],
  );
  const growth = await windowGrowth(tx, userId, at, await readWindowDays(tx));
  const currentCode = rows[0]!.level_code;
  const current = levels.find((l) => l.code === currentCode);
  const target = levelFor(levels, growth);
  // A level the operator removed counts as below every level: the shopper is placed again.
  const currentThreshold = current ? current.threshold : -1;
  const next = opts.upOnly && current && target.threshold < currentThreshold ? current : target;
  await tx.execute(
    'update members set level_code = ?, growth = ?, evaluated_at = ?, updated_at = now() where user_id = ?',
    [next.code, growth, at, userId],
  );
  if (next.code === currentCode) return null;
  await tx.execute(
    `insert into member_level_changes (user_id, from_level, to_level, growth, reason, at) values (?, ?, ?, ?, ?, ?)`,
    [userId, currentCode, next.code, growth, opts.reason, at],
  );
  const up = next.threshold > currentThreshold;
  return {
    userId,
    from: currentCode,
    to: next.code,
    growth,
    direction: up ? 'up' : 'down',
    reason: opts.reason,
    gifts: up ? await queueLevelGifts(tx, userId, levels, currentThreshold, next, at) : [],
  };
}

/**
 * Queues the level-up gifts of a move up, in the move's transaction: every level above the one left, up to and
 * including the one reached (a jump past a level still reached it), that names a gift. One row per shopper and level
 * (the key), so a retry, a concurrent review or a later climb back to a level queues nothing: a level's gift is
 * given once per shopper, ever. The lowest level (threshold 0) is where everyone starts and has no gift to give.
 */
async function queueLevelGifts(
  tx: EntityManager,
  userId: string,
  levels: readonly MemberLevel[],
  fromThreshold: number,
  reached: MemberLevel,
  at: Date,
): Promise<string[]> {
  const gifts = levels.filter(
    (l) =>
      l.threshold > 0 &&
      l.threshold > fromThreshold &&
      l.threshold <= reached.threshold &&
      l.levelUpCouponTemplateId,
  );
  const queued: string[] = [];
  for (const l of gifts) {
    const rows = await tx.execute<{ level_code: string }[]>(
      `insert into member_level_gifts (user_id, level_code, template_id, status, reached_at)
       values (?, ?, ?, 'pending', ?) on conflict (user_id, level_code) do nothing returning level_code`,
      [userId, l.code, l.levelUpCouponTemplateId, at],
    );
    if (rows[0]) queued.push(l.code);
  }
  return queued;
}

/** Counts and logs committed level changes. */
export function reportLevelChanges(log: Logger, changes: readonly LevelChange[]): void {
  for (const c of changes) {
    memberLevelChangesTotal.inc({ direction: c.direction, reason: c.reason });
    log.info(
      { userId: c.userId, from: c.from, to: c.to, growth: c.growth, reason: c.reason },
      'member level change',
    );
    for (const level of c.gifts) {
      memberLevelGiftTransitionsTotal.inc({ from: 'none', to: 'pending' });
      log.info({ userId: c.userId, level, from: null, to: 'pending' }, 'member level gift');
    }
  }
}
