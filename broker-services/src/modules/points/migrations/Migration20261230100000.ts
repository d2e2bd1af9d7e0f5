import { Migration } from '@mikro-orm/migrations';

/**
 * Points (积分). `points_ledger` is append-only (a trigger refuses UPDATE and DELETE): every change of a shopper's
 * points is one row, unique per (user, reason, source) so that an order earns, holds or returns its points once.
 * `points_balances` holds each shopper's sum of the ledger, moved in the same transaction as each ledger row under
 * a guard (`balance >= 0` as a check, and the guarded UPDATE before it). `order_points` is the hold an unpaid order
 * keeps on the points it spends (held → spent when paid, released when cancelled or expired, returned after a
 * refund). `points_rules` is the operator's one row of rates, caps and the expiry schedule; `points_sweeps` is the
 * expiry sweeper's watermark.
 */
export class Migration20261230100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table points_rules (
  id smallint primary key default 1 check (id = 1),
  earn_points_per_yuan integer not null default 1 check (earn_points_per_yuan between 0 and 1000),
  point_value_fen integer not null default 1 check (point_value_fen between 1 and 100),
  max_redeem_percent integer not null default 50 check (max_redeem_percent between 0 and 100),
  max_redeem_points integer check (max_redeem_points > 0),
  expiry_days integer check (expiry_days between 1 and 3650),
  updated_at timestamptz not null default now()
);
insert into points_rules (id) values (1);

create table points_balances (
  user_id text primary key,
  balance integer not null default 0 check (balance >= 0),
  updated_at timestamptz not null default now()
);

create table points_ledger (
  id bigserial primary key,
  user_id text not null,
  delta integer not null check (delta <> 0),
  reason text not null check (reason in (
    'order_earn', 'order_earn_reversal', 'checkout_hold', 'checkout_release', 'refund_return',
    'mall_redeem', 'expired', 'admin_adjust'
  )),
  source_ref text not null,
  order_id text,
  expires_at timestamptz,
  balance_after integer not null check (balance_after >= 0),
  note text,
  created_at timestamptz not null default now(),
  unique (user_id, reason, source_ref)
);
create index points_ledger_user_idx on points_ledger (user_id, id desc);
create index points_ledger_order_idx on points_ledger (order_id) where order_id is not null;
create index points_ledger_expiry_idx on points_ledger (expires_at) where expires_at is not null;

create function points_ledger_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'points_ledger is append-only';
end;
$$;
create trigger points_ledger_no_change before update or delete on points_ledger
  for each row execute function points_ledger_append_only();

create table order_points (
  order_id text primary key,
  user_id text not null,
  points integer not null check (points > 0),
  points_fen integer not null check (points_fen > 0),
  status text not null check (status in ('held', 'spent', 'released', 'returned')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table points_sweeps (
  name text primary key,
  swept_until timestamptz not null
);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop table points_sweeps;
drop table order_points;
drop trigger points_ledger_no_change on points_ledger;
drop function points_ledger_append_only();
drop table points_ledger;
drop table points_balances;
drop table points_rules;
`);
  }
}
