import { Migration } from '@mikro-orm/migrations';

/**
 * Delivery and after-sale: the packages an order ships in (one or several, each with its carrier and tracking
 * number), each package's tracking timeline as the carrier pushes it (deduplicated by the carrier's event id),
 * and shoppers' refund requests with the operator's decision.
 */
export class Migration20261212000400 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table shipments (
  id text primary key,
  order_id text not null,
  carrier text not null,
  tracking_no text not null,
  created_at timestamptz not null default now(),
  unique (carrier, tracking_no)
);
create index shipments_order_idx on shipments (order_id);

create table tracking_events (
  id bigserial primary key,
  shipment_id text not null references shipments (id),
  carrier_event_id text not null,
  at timestamptz not null,
  description text not null,
  received_at timestamptz not null default now(),
  unique (shipment_id, carrier_event_id)
);

create table refund_requests (
  id text primary key,
  order_id text not null,
  user_id text not null,
  kind text not null check (kind in ('refund_only', 'return_refund')),
  reason text not null,
  status text not null check (status in ('pending', 'approved', 'rejected')),
  note text,
  decided_by text,
  created_at timestamptz not null default now(),
  decided_at timestamptz
);
create unique index refund_requests_open_uq on refund_requests (order_id) where status = 'pending';
create index refund_requests_status_idx on refund_requests (status, created_at);
`);
  }
}
