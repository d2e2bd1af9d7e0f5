import { Migration } from '@mikro-orm/migrations';

/**
 * Shoppers' delivery addresses (收货地址). The name, phone and street address are personal information: they are
 * stored only sealed (AES-256-GCM, `pii`), with the id of the key that sealed them (`key_id`) so that keys can be
 * rotated; region codes stay in clear (they name a district, not a person). One default per shopper.
 */
export class Migration20261212000100 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table addresses (
  id text primary key,
  user_id text not null,
  region_codes text[] not null check (cardinality(region_codes) = 3),
  region_names text[] not null default '{}'::text[],
  pii text not null,
  key_id text not null,
  is_default boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index addresses_user_idx on addresses (user_id, created_at desc);
create unique index addresses_one_default_uq on addresses (user_id) where is_default;
create index addresses_key_idx on addresses (key_id);
`);
  }
}
