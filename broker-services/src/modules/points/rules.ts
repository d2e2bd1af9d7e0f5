/** The operator's points rules: one row, read inside the transaction that applies them. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PointsRules } from './schemas.ts';

interface RulesRow {
  earn_points_per_yuan: number;
  point_value_fen: number;
  max_redeem_percent: number;
  max_redeem_points: number | null;
  expiry_days: number | null;
  updated_at: Date;
}

function toRules(r: RulesRow): PointsRules {
  return {
    earnPointsPerYuan: r.earn_points_per_yuan,
    pointValueFen: r.point_value_fen,
    maxRedeemPercent: r.max_redeem_percent,
    maxRedeemPoints: r.max_redeem_points,
    expiryDays: r.expiry_days,
  };
}

/** The rules in force (the migration writes the one row). */
export async function readPointsRules(em: EntityManager): Promise<PointsRules> {
  const rows = await em.execute<RulesRow[]>('select * from points_rules where id = 1');
  return toRules(rows[0]!);
}

/** Replaces the rules; returns the new ones. */
export async function writePointsRules(em: EntityManager, rules: PointsRules): Promise<PointsRules> {
  const rows = await em.execute<RulesRow[]>(
    `update points_rules set earn_points_per_yuan = ?, point_value_fen = ?, max_redeem_percent = ?,
       max_redeem_points = ?, expiry_days = ?, updated_at = now() where id = 1 returning *`,
    [
      rules.earnPointsPerYuan,
      rules.pointValueFen,
      rules.maxRedeemPercent,
      rules.maxRedeemPoints,
      rules.expiryDays,
    ],
  );
  return toRules(rows[0]!);
}

/** Points an order of `payableFen` earns: whole points per whole yuan paid in cash (floor). */
export function pointsEarnedFor(rules: PointsRules, payableFen: number): number {
  return Math.floor((payableFen * rules.earnPointsPerYuan) / 100);
}

/**
 * The most points an order of `baseFen` (items less discounts) may spend: the operator's share and cap, and never
 * the whole order (a payment channel charges at least 1 fen).
 */
export function maxPointsFor(rules: PointsRules, baseFen: number): number {
  const byShare = Math.floor((baseFen * rules.maxRedeemPercent) / 100);
  const fenCap = Math.min(byShare, baseFen - 1);
  const byFen = Math.floor(Math.max(0, fenCap) / rules.pointValueFen);
  return rules.maxRedeemPoints === null ? byFen : Math.min(byFen, rules.maxRedeemPoints);
}
