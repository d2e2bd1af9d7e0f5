import { Migration } from '@mikro-orm/migrations';

/**
 * The coupons module's tables. `coupon_templates`: what a coupon is worth and to whom (满减 `amount_off`, 折扣
 * `percent_off` with a cap, 无门槛 `no_threshold`), its scope, quantity, per-user limit, claim window and validity.
 * `coupons`: each shopper's coupon, from a claim (the hot path's claim settled here: `claim_id` unique, so a
 * retried batch inserts nothing twice) or issued by the system (`issue_key` unique per template and user). A
 * coupon is on at most one live order: `order_id` is unique among locked and used coupons, and the lock is a
 * guarded UPDATE from `unused`. `coupon_transitions`: every status change.
 *
 * No foreign keys on `coupons` and `coupon_transitions`, as on orders (see Migration20261205000000): a grab
 * settles thousands of claims a second in batches, where a key checks each row with a lookup of its own; the
 * claims' settlement sink checks the batch's users and template once per batch instead.
 */
export class Migration20261231100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table coupon_templates (
  id text primary key,
  name text not null,
  description text not null default '',
  kind text not null check (kind in ('amount_off', 'percent_off', 'no_threshold')),
  amount_off_fen integer check (amount_off_fen > 0),
  percent_off integer check (percent_off between 1 and 99),
  max_off_fen integer check (max_off_fen > 0),
  min_spend_fen integer not null default 0 check (min_spend_fen >= 0),
  scope text not null default 'all' check (scope in ('all', 'products', 'categories')),
  scope_ids text[] not null default '{}',
  total integer not null check (total > 0),
  per_user_limit integer not null check (per_user_limit > 0),
  claim_starts_at timestamptz not null,
  claim_ends_at timestamptz not null,
  valid_days integer check (valid_days > 0),
  valid_from timestamptz,
  valid_until timestamptz,
  combines_with_seckill boolean not null default false,
  combines_with_groupbuy boolean not null default true,
  returned_on_refund boolean not null default false,
  claimable boolean not null default true,
  issue_on text check (issue_on in ('new_member', 'group_failed')),
  stopped_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint coupon_templates_kind_fields check (
    (kind = 'amount_off' and amount_off_fen is not null and percent_off is null and min_spend_fen > amount_off_fen)
    or (kind = 'percent_off' and percent_off is not null and amount_off_fen is null)
    or (kind = 'no_threshold' and amount_off_fen is not null and percent_off is null and min_spend_fen = 0)
  ),
  constraint coupon_templates_validity check (
    (valid_days is not null and valid_until is null and valid_from is null)
    or (valid_days is null and valid_until is not null)
  ),
  constraint coupon_templates_window check (claim_ends_at > claim_starts_at),
  constraint coupon_templates_gifts_not_claimed check (issue_on is null or not claimable)
);
create index coupon_templates_claim_window on coupon_templates (claim_ends_at, claim_starts_at);

create table coupons (
  id text primary key,
  template_id text not null,
  user_id text not null,
  source text not null check (source in ('claim', 'new_member', 'group_failed', 'operator')),
  claim_id text unique,
  request_id text,
  issue_key text,
  status text not null check (status in ('unused', 'locked', 'used', 'expired')),
  order_id text,
  discount_fen integer check (discount_fen >= 0),
  valid_from timestamptz not null,
  valid_until timestamptz not null,
  claimed_at timestamptz not null,
  locked_at timestamptz,
  used_at timestamptz,
  updated_at timestamptz not null default now(),
  constraint coupons_claim_source check ((source = 'claim') = (claim_id is not null)),
  constraint coupons_order_when_held check ((status in ('locked', 'used')) = (order_id is not null))
);
create unique index coupons_one_per_live_order on coupons (order_id) where status in ('locked', 'used');
create unique index coupons_issue_once on coupons (template_id, user_id, issue_key) where issue_key is not null;
create index coupons_of_user on coupons (user_id, status, valid_until);
create index coupons_of_template on coupons (template_id, status);
create index coupons_unused_until on coupons (valid_until) where status = 'unused';

create table coupon_transitions (
  id bigserial primary key,
  coupon_id text not null,
  from_status text,
  to_status text not null,
  reason text not null,
  actor text not null,
  order_id text,
  at timestamptz not null default now()
);
create index coupon_transitions_coupon on coupon_transitions (coupon_id, id);
`);
  }
}
