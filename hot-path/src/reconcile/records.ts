/**
 * What reconciliation reads of the owners of orders and groups: the settled truth it checks and rebuilds a seckill
 * or group-buy campaign's hot state from. The hot path defines it, broker-services' orders module implements it
 * (`modules/orders/settled-records.ts`, with the groups module's reads); the hot path's own SQL touches only
 * `hot_path_positions` and `settlement_parked`. Rows are as PostgreSQL returns them (snake_case; numbers may come
 * as strings, dates as Date or text).
 */
import type { LiveUnitsSource, SqlRunner } from './reconcile.ts';

/** A forming group, once per active member (member fields null for a group without any). */
export interface FormingGroupRow {
  id: string;
  leader_id: string;
  size: number;
  created_at: Date;
  expires_at: Date;
  user_id: string | null;
  slot: number | null;
  order_id: string | null;
}

/** An order whose units went back to stock. */
export interface ReleasedOrderRow {
  reservation_id: string;
  user_id: string;
  quantity: number;
  group_id: string | null;
}

export interface SettledRecords {
  /** A seckill or group-buy campaign's settled units: its orders (live units in one snapshot, the full list). */
  orders: LiveUnitsSource;
  /** The campaign's forming groups with their active members. */
  formingGroups(sql: SqlRunner, campaignId: string): Promise<FormingGroupRow[]>;
  /** Orders of the campaign whose units went back to stock at or after `since`. */
  releasedSince(sql: SqlRunner, campaignId: string, since: Date): Promise<ReleasedOrderRow[]>;
}
