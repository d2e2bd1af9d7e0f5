import { Migration } from '@mikro-orm/migrations';

/**
 * WeChat shipping records (发货信息录入): one outbox row per shipped order, written in the transaction that ships
 * it, holding the `upload_shipping_info` body; the fulfilment sweeper sends each pending row until WeChat
 * accepts it. `not_applicable`: the order was not paid through WeChat Pay, so WeChat holds nothing to release.
 */
export class Migration20261220000500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table shipping_records (
  id text primary key,
  order_id text not null unique,
  state text not null check (state in ('pending', 'sent', 'failed', 'not_applicable')),
  payload jsonb,
  attempts integer not null default 0,
  last_error_code text,
  last_errcode integer,
  last_error text,
  next_attempt_at timestamptz,
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((state = 'not_applicable') = (payload is null))
);
create index shipping_records_due_idx on shipping_records (next_attempt_at) where state = 'pending';
`);
  }
}
