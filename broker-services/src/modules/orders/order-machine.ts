/**
 * The order state machine of shared/API.md, and the one place an order's status is written: `transitionOrders`.
 * It creates orders (`null → pending_payment`: settlement's reservations, checkout) and moves them with one
 * guarded, set-wise UPDATE (only from the states allowed to reach the target), writing each change's transition
 * row in the same statement and vacating the group slot of an order cancelled or refunded (../groups/members.ts),
 * all inside the caller's transaction. Whoever wins the guarded UPDATE owns the side effects (releasing stock,
 * refunding), so two racing callers (a sweeper and a shopper, two processes) can never both apply them.
 *
 * Runs on a `pg`-style connection (`OrderSql`): the settlement worker threads call it through the settlement sink
 * with their own connection, the services through `ormSql(tx)`. Logging and counting happen where the
 * transaction commits (./transitions.ts for the services, the settlement observer for batches). This file loads
 * nothing at run time beyond ../groups/members.ts and ../coupons/coupon-machine.ts, so that a settlement worker
 * thread stays light. The coupon on an order follows each move in the same statement's transaction (used when
 * paid, returned when cancelled, returned after a refund only where its template says so).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { type CouponChange, couponsFollowOrders, type OrderCouponEvent } from '../coupons/coupon-machine.ts';
import { type GroupSql, vacateSlots } from '../groups/members.ts';

/** Every status an order can have (shared/API.md). */
export type OrderStatus =
  | 'pending_payment'
  | 'paid'
  | 'cancelled'
  | 'refunding'
  | 'refunded'
  | 'shipped'
  | 'completed';

export const ORDER_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending_payment: ['paid', 'cancelled'],
  paid: ['refunding', 'shipped'],
  refunding: ['refunded'],
  shipped: ['completed', 'refunding'],
  cancelled: [],
  refunded: [],
  // An after-sale refund within AFTER_SALE_DAYS of completion (../fulfilment checks the period, an operator approves).
  completed: ['refunding'],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

export interface OrderRow {
  id: string;
  /** Null on a regular order. */
  reservation_id: string | null;
  request_id: string;
  user_id: string;
  /** Null on a regular order. */
  campaign_id: string | null;
  campaign_type: 'seckill' | 'groupbuy' | 'regular';
  group_id: string | null;
  sku_id: string;
  title: string;
  status: OrderStatus;
  quantity: number;
  unit_price_fen: number;
  total_fen: number;
  discount_fen: number;
  points_used: number;
  points_fen: number;
  payable_fen: number;
  address_pii: string | null;
  address_key_id: string | null;
  dry_run: boolean;
  prepay_id: string | null;
  tracking_no: string | null;
  cancel_reason: string | null;
  created_at: Date;
  expires_at: Date;
  paid_at: Date | null;
  cancelled_at: Date | null;
  stock_released_at: Date | null;
  shipped_at: Date | null;
  refunded_at: Date | null;
  completed_at: Date | null;
  /** When paying it started at the channel: its price is fixed from then on. */
  payment_started_at: Date | null;
}

/** A connection inside an open transaction: `$n` placeholders, arrays bound as PostgreSQL arrays. */
export type OrderSql = GroupSql;

/** An array as a PostgreSQL array literal (`{"a","b",NULL}`), for a driver that inlines its parameters. */
function arrayLiteral(items: readonly unknown[]): string {
  const element = (v: unknown) => {
    if (v === null || v === undefined) return 'NULL';
    const text = v instanceof Date ? v.toISOString() : String(v);
    return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  };
  return `{${items.map(element).join(',')}}`;
}

/**
 * The machine's statements on a MikroORM transaction. MikroORM inlines parameters and expands an array into a
 * list, so each `$n` becomes a `?` bound to its value, and an array is bound as its array literal.
 */
export function ormSql(tx: EntityManager): OrderSql {
  return {
    async query<R extends object>(text: string, values: unknown[] = []) {
      const bound: unknown[] = [];
      const sql = text.replace(/\$(\d+)/g, (_m, n: string) => {
        const v = values[Number(n) - 1];
        bound.push(Array.isArray(v) ? arrayLiteral(v) : v);
        return '?';
      });
      const rows = await tx.execute<R[]>(sql, bound);
      return { rows: Array.isArray(rows) ? rows : [] };
    },
  };
}

/** The columns a new order is written with (the rest take their defaults). */
export interface NewOrder {
  id: string;
  reservationId: string | null;
  requestId: string;
  userId: string;
  campaignId: string | null;
  campaignType: OrderRow['campaign_type'];
  groupId: string | null;
  skuId: string;
  title: string;
  quantity: number;
  unitPriceFen: number;
  totalFen: number;
  dryRun: boolean;
  createdAt: Date;
  expiresAt: Date;
  addressPii?: string | null;
  addressKeyId?: string | null;
  /** Written already cancelled (a release that overtook its reservation): when. */
  releasedAt?: Date;
}

/** Columns set to the moved order's instant along with its status. */
export type StampColumn =
  | 'paid_at'
  | 'cancelled_at'
  | 'stock_released_at'
  | 'shipped_at'
  | 'refunded_at'
  | 'completed_at';

/** Creates orders `null → pending_payment` (and, for those given `releasedAt`, on to cancelled at once). */
export interface CreateOrders {
  kind: 'create';
  orders: readonly NewOrder[];
  reason: string;
  actor: string;
}

/** Moves orders to `to` from any state allowed to reach it (or only from `from`), guarded. */
export interface MoveOrders {
  kind: 'move';
  ids: readonly string[];
  to: OrderStatus;
  /** Narrower than the machine allows (a payment applies only to an unpaid order). */
  from?: readonly OrderStatus[];
  reason: string;
  actor: string;
  /** Each order's instant (same order as `ids`): its stamps and its transition row; the database's now() if absent. */
  at?: readonly Date[];
  /** Extra guard: only orders of this user (shopper actions). */
  userId?: string;
  /** Extra guard for time-based transitions: only orders whose expires_at is at or before this instant. */
  expiredBefore?: Date;
  /** Leave orders another transaction holds (a sweeper in another process) to it instead of waiting. */
  skipLocked?: boolean;
  /** Set to the order's instant. `stock_released_at` keeps an earlier value: units go back once. */
  stamp?: readonly StampColumn[];
  /** Set unless the order has one already. */
  cancelReason?: string;
  trackingNo?: string;
}

/** One status change: the order (its id), where it came from (null: created) and where it went. */
export interface OrderChange {
  row: Pick<OrderRow, 'id'>;
  from: OrderStatus | null;
  to: OrderStatus;
  /** The change of the order's coupon that came with the move, if it has one (../coupons). */
  coupon?: CouponChange;
}

/** One order moved: its row after the change. */
export interface OrderTransitioned extends OrderChange {
  row: OrderRow;
}

/** What an order reaching a status means for the coupon on it. */
const COUPON_EVENTS: Partial<Record<OrderStatus, OrderCouponEvent>> = {
  paid: 'paid',
  cancelled: 'cancelled',
  refunded: 'refunded',
};

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

async function createOrders(sql: OrderSql, req: CreateOrders): Promise<OrderChange[]> {
  if (req.orders.length === 0) return [];
  const os = req.orders;
  const res = await sql.query<{ id: string }>(
    `insert into orders (id, reservation_id, request_id, user_id, campaign_id, campaign_type, group_id, sku_id, title,
       status, quantity, unit_price_fen, total_fen, dry_run, created_at, expires_at, address_pii, address_key_id,
       cancel_reason, cancelled_at, stock_released_at)
     select id, reservation_id, request_id, user_id, campaign_id, campaign_type, group_id, sku_id, title,
       case when released_at is null then 'pending_payment' else 'cancelled' end,
       quantity, unit_price_fen, total_fen, dry_run, created_at, expires_at, address_pii, address_key_id,
       case when released_at is null then null else 'released' end, released_at, released_at
     from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[], $10::int[], $11::int[], $12::int[], $13::boolean[], $14::timestamptz[], $15::timestamptz[],
       $16::text[], $17::text[], $18::timestamptz[], $19::int[])
       as t(id, reservation_id, request_id, user_id, campaign_id, campaign_type, group_id, sku_id, title,
         quantity, unit_price_fen, total_fen, dry_run, created_at, expires_at, address_pii, address_key_id,
         released_at, ord)
     order by ord
     on conflict do nothing
     returning id`,
    [
      os.map((o) => o.id),
      os.map((o) => o.reservationId),
      os.map((o) => o.requestId),
      os.map((o) => o.userId),
      os.map((o) => o.campaignId),
      os.map((o) => o.campaignType),
      os.map((o) => o.groupId),
      os.map((o) => o.skuId),
      os.map((o) => o.title),
      os.map((o) => o.quantity),
      os.map((o) => o.unitPriceFen),
      os.map((o) => o.totalFen),
      os.map((o) => o.dryRun),
      os.map((o) => iso(o.createdAt)),
      os.map((o) => iso(o.expiresAt)),
      os.map((o) => o.addressPii ?? null),
      os.map((o) => o.addressKeyId ?? null),
      os.map((o) => iso(o.releasedAt)),
      os.map((_o, i) => i),
    ],
  );
  if (res.rows.length === 0) return [];
  const byId = new Map(os.map((o) => [o.id, o]));
  const created = res.rows.map((row) => ({ row, order: byId.get(row.id) as NewOrder }));
  await sql.query(
    `insert into order_transitions (order_id, from_status, to_status, reason, actor, at)
     select order_id, null, 'pending_payment', $3, $4, at from unnest($1::text[], $2::timestamptz[]) as t(order_id, at)`,
    [created.map((c) => c.row.id), created.map((c) => iso(c.order.createdAt)), req.reason, req.actor],
  );
  const cancelled = created.filter((c) => c.order.releasedAt);
  if (cancelled.length > 0) {
    await sql.query(
      `insert into order_transitions (order_id, from_status, to_status, reason, actor, at)
       select order_id, 'pending_payment', 'cancelled', 'released', $3, at
       from unnest($1::text[], $2::timestamptz[]) as t(order_id, at)`,
      [cancelled.map((c) => c.row.id), cancelled.map((c) => iso(c.order.releasedAt)), req.actor],
    );
  }
  // Only the ids come back: returning every column of a 2,000-order batch made a settlement batch 23% slower.
  const out: OrderChange[] = [];
  for (const { row, order } of created) {
    out.push({ row, from: null, to: 'pending_payment' });
    if (order.releasedAt) out.push({ row, from: 'pending_payment', to: 'cancelled' });
  }
  return out;
}

async function moveOrders(sql: OrderSql, req: MoveOrders): Promise<OrderTransitioned[]> {
  if (req.ids.length === 0) return [];
  const allowed = (Object.keys(ORDER_TRANSITIONS) as OrderStatus[]).filter((s) => canTransition(s, req.to));
  const from = req.from ? req.from.filter((s) => allowed.includes(s)) : allowed;
  if (from.length === 0) throw new Error(`no order may become ${req.to} from ${req.from?.join(', ')}`);
  const values: unknown[] = [
    req.ids,
    req.ids.map((_id, i) => iso(req.at?.[i])),
    from,
    req.to,
    req.reason,
    req.actor,
  ];
  const param = (v: unknown) => `$${values.push(v)}`;
  const guards = ['o.status = any($3::text[])'];
  if (req.userId !== undefined) guards.push(`o.user_id = ${param(req.userId)}`);
  if (req.expiredBefore)
    guards.push(`o.expires_at <= ${param(req.expiredBefore.toISOString())}::timestamptz`);
  const sets = ['status = $4', 'updated_at = now()'];
  for (const column of req.stamp ?? []) {
    sets.push(
      column === 'stock_released_at'
        ? 'stock_released_at = coalesce(o.stock_released_at, prev.at)'
        : `${column} = prev.at`,
    );
  }
  if (req.cancelReason !== undefined) {
    sets.push(`cancel_reason = coalesce(o.cancel_reason, ${param(req.cancelReason)})`);
  }
  if (req.trackingNo !== undefined) sets.push(`tracking_no = ${param(req.trackingNo)}`);
  const res = await sql.query<OrderRow & { prev_status: OrderStatus; moved_at: Date }>(
    `with prev as (
       select o.id, o.status, coalesce(t.at, now()) as at
       from unnest($1::text[], $2::timestamptz[]) as t(id, at) join orders o on o.id = t.id
       where ${guards.join(' and ')}
       order by o.id
       for update of o${req.skipLocked ? ' skip locked' : ''}
     ), moved as (
       update orders o set ${sets.join(', ')}
       from prev where o.id = prev.id
       returning o.*, prev.status as prev_status, prev.at as moved_at
     ), logged as (
       insert into order_transitions (order_id, from_status, to_status, reason, actor, at)
       select id, prev_status, $4, $5, $6, moved_at from moved
     )
     select * from moved`,
    values,
  );
  const moved = res.rows.map(({ prev_status, moved_at, ...row }) => ({
    row: row as OrderRow,
    from: prev_status,
    to: req.to,
    at: moved_at,
  }));
  if (req.to === 'cancelled' || req.to === 'refunded') {
    // A group member's slot ends with its order, in the same transaction, so that the slot the hot path
    // frees afterwards can be settled for the next member without colliding with this one.
    await vacateSlots(
      sql,
      moved.map((m) => m.row.id),
      moved.map((m) => new Date(m.at)),
    );
  }
  const event = COUPON_EVENTS[req.to];
  const coupons = new Map<string, CouponChange>();
  if (event && moved.length > 0) {
    for (const c of await couponsFollowOrders(
      sql,
      moved.map((m) => m.row.id),
      event,
      req.actor,
    )) {
      if (c.orderId) coupons.set(c.orderId, c);
    }
  }
  return moved.map(({ row, from: f, to }) => {
    const coupon = coupons.get(row.id);
    return coupon ? { row, from: f, to, coupon } : { row, from: f, to };
  });
}

/**
 * The one function that writes an order's status: creates orders or moves them, guarded, with their transition
 * rows, inside the caller's transaction. Returns what changed (an order not in an allowed state is left out:
 * someone else moved it first, and the caller decides whether that is an error): a moved order with its row, a
 * created one with its id (its row is what the caller wrote). Log and count after commit.
 */
export function transitionOrders(sql: OrderSql, req: CreateOrders): Promise<OrderChange[]>;
export function transitionOrders(sql: OrderSql, req: MoveOrders): Promise<OrderTransitioned[]>;
export function transitionOrders(sql: OrderSql, req: CreateOrders | MoveOrders): Promise<OrderChange[]> {
  return req.kind === 'create' ? createOrders(sql, req) : moveOrders(sql, req);
}
