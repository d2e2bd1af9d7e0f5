import { Migration } from '@mikro-orm/migrations';

/**
 * The points mall (积分商城). `points_mall_items` are what shoppers redeem points for, with their stock
 * (`stock_left` only moves in one guarded UPDATE) and per-user limit; `points_mall_user_counts` counts each
 * shopper's redemptions of an item under the same kind of guard; `points_mall_redemptions` is one row per
 * redemption, unique per shopper and `request_id` so a retried request redeems once. A redemption's stock, count,
 * points and row commit in one transaction.
 */
export class Migration20261230110000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table points_mall_items (
  id text primary key,
  title text not null,
  description text not null default '',
  image_url text,
  points_cost integer not null check (points_cost > 0),
  stock_total integer not null check (stock_total >= 0),
  stock_left integer not null check (stock_left >= 0 and stock_left <= stock_total),
  per_user_limit integer not null check (per_user_limit >= 1),
  status text not null check (status in ('active', 'stopped')),
  starts_at timestamptz,
  ends_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_at is null or starts_at is null or ends_at > starts_at)
);

create table points_mall_user_counts (
  item_id text not null references points_mall_items (id),
  user_id text not null,
  redeemed integer not null check (redeemed >= 1),
  primary key (item_id, user_id)
);

create table points_mall_redemptions (
  id text primary key,
  item_id text not null references points_mall_items (id),
  user_id text not null,
  request_id text not null,
  title text not null,
  points integer not null check (points > 0),
  status text not null check (status in ('redeemed')),
  created_at timestamptz not null,
  unique (user_id, request_id)
);
create index points_mall_redemptions_user_idx on points_mall_redemptions (user_id, id desc);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop table points_mall_redemptions;
drop table points_mall_user_counts;
drop table points_mall_items;
`);
  }
}
