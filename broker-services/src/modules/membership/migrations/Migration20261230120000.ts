import { Migration } from '@mikro-orm/migrations';

/**
 * Membership levels (会员等级). `member_levels` are the operator's levels: a growth threshold, a member discount on
 * regular prices and the benefits shown to shoppers; `member_settings` holds the window growth is counted over.
 * `member_growth` is append-only (a trigger refuses UPDATE and DELETE): growth earned by a completed order and
 * taken back by its refund, unique per (user, reason, order). `members` holds each shopper's level with the growth
 * it was decided on; `member_level_changes` records every change of level.
 */
export class Migration20261230120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table member_settings (
  id smallint primary key default 1 check (id = 1),
  window_days integer not null default 365 check (window_days between 30 and 3650),
  updated_at timestamptz not null default now()
);
insert into member_settings (id) values (1);

create table member_levels (
  code text primary key check (code ~ '^[a-z][a-z0-9_]{0,19}$'),
  name text not null,
  threshold integer not null unique check (threshold >= 0),
  discount_percent integer not null default 0 check (discount_percent between 0 and 50),
  benefits text[] not null default '{}'
);
insert into member_levels (code, name, threshold, discount_percent, benefits) values
  ('regular', '普通会员', 0, 0, '{}'),
  ('silver', '白银会员', 1000, 2, '{"会员价 98 折"}'),
  ('gold', '黄金会员', 5000, 5, '{"会员价 95 折"}'),
  ('diamond', '钻石会员', 20000, 8, '{"会员价 92 折"}');

create table member_growth (
  id bigserial primary key,
  user_id text not null,
  delta integer not null check (delta <> 0),
  reason text not null check (reason in ('order_complete', 'order_refund')),
  order_id text not null,
  at timestamptz not null,
  unique (user_id, reason, order_id)
);
create index member_growth_user_idx on member_growth (user_id, at);

create function member_growth_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'member_growth is append-only';
end;
$$;
create trigger member_growth_no_change before update or delete on member_growth
  for each row execute function member_growth_append_only();

create table members (
  user_id text primary key,
  level_code text not null,
  growth integer not null,
  evaluated_at timestamptz not null,
  updated_at timestamptz not null default now()
);
create index members_evaluated_idx on members (evaluated_at);

create table member_level_changes (
  id bigserial primary key,
  user_id text not null,
  from_level text,
  to_level text not null,
  growth integer not null,
  reason text not null check (reason in ('growth', 'schedule', 'refund')),
  at timestamptz not null
);
create index member_level_changes_user_idx on member_level_changes (user_id, id desc);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop table member_level_changes;
drop table members;
drop trigger member_growth_no_change on member_growth;
drop function member_growth_append_only();
drop table member_growth;
drop table member_levels;
drop table member_settings;
`);
  }
}
