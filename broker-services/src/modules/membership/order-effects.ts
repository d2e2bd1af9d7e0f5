/**
 * What an order's life does to membership, called by the orders module inside the transaction that changes the
 * order (exported in ./README.md): completion earns growth (1 per whole yuan paid) and may raise the level at once;
 * a refund takes that growth back (the level follows at the next scheduled review). Growth rows are unique per
 * (user, reason, order), so each happens once. Checkout reads the member discount through `memberDiscountFen`.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { evaluateMember, type LevelChange } from './levels.ts';

export { type LevelChange, reportLevelChanges } from './levels.ts';

/** Growth an order paying `payableFen` in cash earns. */
export const growthFor = (payableFen: number): number => Math.floor(payableFen / 100);

/** The membership side of one order transition, in its transaction; returns the level changes to report. */
export async function membershipOnOrderTransition(
  tx: EntityManager,
  order: { id: string; user_id: string; payable_fen: number },
  to: string,
  at: Date,
): Promise<LevelChange[]> {
  if (to === 'completed') {
    const growth = growthFor(order.payable_fen);
    if (growth <= 0) return [];
    const added = await tx.execute<{ id: string }[]>(
      `insert into member_growth (user_id, delta, reason, order_id, at) values (?, ?, 'order_complete', ?, ?)
       on conflict (user_id, reason, order_id) do nothing returning id`,
      [order.user_id, growth, order.id, at],
    );
    if (!added[0]) return [];
    const change = await evaluateMember(tx, order.user_id, at, { upOnly: true, reason: 'growth' });
    return change ? [change] : [];
  }
  if (to === 'refunded') {
    const earned = await tx.execute<{ delta: number; at: Date }[]>(
      `select delta, at from member_growth where user_id = ? and reason = 'order_complete' and order_id = ?`,
      [order.user_id, order.id],
    );
    if (!earned[0]) return [];
    // The reversal carries the earning's instant, so it leaves the window together with the growth it cancels.
    await tx.execute(
      `insert into member_growth (user_id, delta, reason, order_id, at) values (?, ?, 'order_refund', ?, ?)
       on conflict (user_id, reason, order_id) do nothing`,
      [order.user_id, -earned[0].delta, order.id, earned[0].at],
    );
  }
  return [];
}

/**
 * The member discount on a regular order of `itemsFen`: the shopper's level's percent off, rounded down to the fen.
 * A shopper without a member row is at the lowest level.
 */
export async function memberDiscountFen(
  tx: EntityManager,
  userId: string,
  itemsFen: number,
): Promise<number> {
  const rows = await tx.execute<{ discount_percent: number }[]>(
    `select coalesce(
       (select l.discount_percent from members m join member_levels l on l.code = m.level_code where m.user_id = ?),
       (select discount_percent from member_levels order by threshold limit 1)
     ) as discount_percent`,
    [userId],
  );
  const percent = rows[0]?.discount_percent ?? 0;
  return Math.floor((itemsFen * percent) / 100);
}
