import { Migration } from '@mikro-orm/migrations';

/**
 * Regular orders beside campaign orders, on the same table and state machine. A regular order (`campaign_type =
 * 'regular'`) has no campaign and no reservation; its lines are in `order_items` and its stock was taken from
 * the SKUs in PostgreSQL. Every order gains its price breakdown (items `total_fen`, `discount_fen`, `points_used`
 * worth `points_fen`, and `payable_fen`, what the payment channel charges) and a sealed copy of its delivery
 * address (`address_pii`, sealed like addresses are, under `address_key_id`).
 */
export class Migration20261212000300 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table orders alter column campaign_id drop not null;
alter table orders alter column reservation_id drop not null;
alter table orders add constraint orders_campaign_or_regular check (
  (campaign_type = 'regular') = (campaign_id is null) and (campaign_id is null) = (reservation_id is null)
);
alter table orders add column discount_fen integer not null default 0 check (discount_fen >= 0);
alter table orders add column points_used integer not null default 0 check (points_used >= 0);
alter table orders add column points_fen integer not null default 0 check (points_fen >= 0);
alter table orders add column payable_fen integer generated always as (total_fen - discount_fen - points_fen) stored;
alter table orders add constraint orders_payable_not_negative check (total_fen - discount_fen - points_fen >= 0);
alter table orders add column address_pii text;
alter table orders add column address_key_id text;
create unique index orders_regular_request_uq on orders (user_id, request_id) where campaign_id is null;

create table order_items (
  order_id text not null references orders (id),
  line integer not null,
  sku_id text not null,
  product_id text not null,
  title text not null,
  sku_title text not null,
  quantity integer not null check (quantity > 0),
  unit_price_fen integer not null check (unit_price_fen >= 0),
  primary key (order_id, line)
);
`);
  }
}
