import { Migration } from '@mikro-orm/migrations';

/** Shoppers' carts, kept on the server: one row per shopper and SKU. */
export class Migration20261212000200 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table cart_items (
  user_id text not null,
  sku_id text not null,
  quantity integer not null check (quantity between 1 and 99),
  added_at timestamptz not null default now(),
  primary key (user_id, sku_id)
);
`);
  }
}
