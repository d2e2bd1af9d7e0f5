import { Migration } from '@mikro-orm/migrations';

/** The first schema: identities, catalog, campaigns, orders with their transitions, groups, payments, refunds, audit. */
export class Migration20261125000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table users (
  id text primary key,
  openid text not null unique,
  nickname text,
  created_at timestamptz not null default now()
);

create table admins (
  id text primary key,
  username text not null unique,
  password_hash text not null,
  role text not null check (role in ('owner', 'operator', 'viewer')),
  disabled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table products (
  id text primary key,
  title text not null,
  description text not null default '',
  image_url text,
  status text not null default 'active' check (status in ('active', 'archived')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table skus (
  id text primary key,
  product_id text not null references products (id),
  name text not null,
  price_fen integer not null check (price_fen >= 0),
  created_at timestamptz not null default now(),
  unique (product_id, name)
);

create table campaigns (
  id text primary key,
  type text not null check (type in ('seckill', 'groupbuy')),
  title text not null,
  product_id text not null references products (id),
  sku_id text not null references skus (id),
  price_fen integer not null check (price_fen >= 0),
  original_price_fen integer not null check (original_price_fen >= 0),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  stock_total integer not null check (stock_total > 0),
  per_user_limit integer not null check (per_user_limit > 0),
  group_size integer check (group_size is null or group_size between 2 and 50),
  group_ttl_seconds integer check (group_ttl_seconds is null or group_ttl_seconds between 60 and 604800),
  stopped_at timestamptz,
  kill_switch boolean not null default false,
  waiting_room_enabled boolean not null default false,
  admission_rate_per_second integer not null default 100 check (admission_rate_per_second > 0),
  dry_run boolean not null default false,
  robot_fill_enabled boolean not null default false,
  robot_fill_max_missing integer not null default 0 check (robot_fill_max_missing >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_at > starts_at),
  check ((type = 'groupbuy') = (group_size is not null and group_ttl_seconds is not null))
);
create index campaigns_window_idx on campaigns (starts_at, ends_at);

create table groups (
  id text primary key,
  campaign_id text not null references campaigns (id),
  leader_id text not null references users (id),
  size integer not null,
  status text not null check (status in ('forming', 'succeeded', 'failed')),
  robot_filled integer not null default 0,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  succeeded_at timestamptz,
  failed_at timestamptz
);
create index groups_forming_idx on groups (campaign_id, status, expires_at);

create table orders (
  id text primary key,
  reservation_id text not null unique,
  request_id text not null,
  user_id text not null references users (id),
  campaign_id text not null references campaigns (id),
  campaign_type text not null,
  group_id text references groups (id),
  sku_id text not null,
  title text not null,
  status text not null check (status in ('pending_payment', 'paid', 'cancelled', 'refunding', 'refunded', 'shipped', 'completed')),
  quantity integer not null check (quantity > 0),
  unit_price_fen integer not null check (unit_price_fen >= 0),
  total_fen integer not null check (total_fen >= 0),
  dry_run boolean not null default false,
  prepay_id text,
  tracking_no text,
  cancel_reason text,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  paid_at timestamptz,
  cancelled_at timestamptz,
  stock_released_at timestamptz,
  shipped_at timestamptz,
  refunded_at timestamptz,
  updated_at timestamptz not null default now(),
  unique (campaign_id, user_id, request_id)
);
create index orders_user_idx on orders (user_id, id desc);
create index orders_campaign_status_idx on orders (campaign_id, status);
create index orders_pending_expiry_idx on orders (expires_at) where status = 'pending_payment';

create table group_members (
  id bigserial primary key,
  group_id text not null references groups (id),
  user_id text not null references users (id),
  order_id text not null unique references orders (id),
  slot integer not null,
  robot boolean not null default false,
  joined_at timestamptz not null,
  left_at timestamptz
);
create unique index group_members_active_user_uq on group_members (group_id, user_id) where left_at is null;
create unique index group_members_active_slot_uq on group_members (group_id, slot) where left_at is null;

create table order_transitions (
  id bigserial primary key,
  order_id text not null references orders (id),
  from_status text,
  to_status text not null,
  reason text not null,
  actor text not null,
  at timestamptz not null default now()
);
create index order_transitions_order_idx on order_transitions (order_id, id);

create table group_transitions (
  id bigserial primary key,
  group_id text not null references groups (id),
  from_status text,
  to_status text not null,
  reason text not null,
  at timestamptz not null default now()
);

create table payments (
  id text primary key,
  order_id text not null references orders (id),
  provider text not null,
  provider_txn_id text not null,
  amount_fen integer not null,
  outcome text not null check (outcome in ('applied', 'late_refunded', 'duplicate')),
  created_at timestamptz not null default now(),
  unique (provider, provider_txn_id)
);

create table refunds (
  id text primary key,
  order_id text not null references orders (id),
  out_refund_no text not null unique,
  amount_fen integer not null check (amount_fen > 0),
  reason text not null,
  status text not null check (status in ('pending', 'succeeded', 'failed')),
  attempts integer not null default 0,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  done_at timestamptz
);
create index refunds_pending_idx on refunds (status) where status = 'pending';

create table audit_log (
  id bigserial primary key,
  admin_id text not null,
  admin_username text not null,
  action text not null,
  object_type text not null,
  object_id text not null,
  detail jsonb not null default '{}'::jsonb,
  at timestamptz not null default now()
);
create index audit_log_object_idx on audit_log (object_type, object_id);
`);
  }
}
