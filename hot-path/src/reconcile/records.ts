/**
 * What reconciliation reads of the owners of orders and groups: the settled truth it rebuilds the hot state from.
 * The hot path defines it, broker-services' orders module implements it (`modules/orders/settled-records.ts`, with
 * the groups module's reads); the hot path itself reads only its own `hot_path_positions`. Rows are as PostgreSQL
 * returns them (snake_case; numbers may come as strings, dates as Date or text).
 */

/** An order of the campaign, as a rebuild needs it. */
export interface SettledOrderRow {
  reservation_id: string;
  request_id: string;
  user_id: string;
  quantity: number;
  unit_price_fen: number;
  group_id: string | null;
  status: string;
  created_at: Date;
  expires_at: Date;
  stock_released_at: Date | null;
  /** The leader of the order's group (null outside a group, or when the group is unknown). */
  group_leader_id: string | null;
}

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
  /**
   * In one snapshot (one statement): the campaign's live units (orders whose units did not go back to stock), and
   * for each of `reservationIds` that is an order already, its quantity and whether it is still live.
   */
  liveUnits(
    campaignId: string,
    reservationIds: string[],
  ): Promise<{ units: number; found: Array<[reservationId: string, quantity: number, live: boolean]> }>;
  /** Every order of the campaign. */
  campaignOrders(campaignId: string): Promise<SettledOrderRow[]>;
  /** The campaign's forming groups with their active members. */
  formingGroups(campaignId: string): Promise<FormingGroupRow[]>;
  /** Orders of the campaign whose units went back to stock at or after `since`. */
  releasedSince(campaignId: string, since: Date): Promise<ReleasedOrderRow[]>;
}
