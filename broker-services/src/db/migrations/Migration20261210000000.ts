import { Migration } from '@mikro-orm/migrations';

/**
 * Settlement entries that failed again and again (a poison entry) are set aside here with their error and
 * acknowledged, so that their campaign's later reservations settle; an operator sees them in the console
 * (GET /api/admin/settlement/parked) and TuanmiaoSettlementParked fires while any is unresolved. Written by
 * settlement only (hot-path/src/settlement); read by the admin service.
 */
export class Migration20261210000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table settlement_parked (
  campaign_id text not null,
  stream_id text not null,
  reservation_id text not null,
  user_id text not null,
  kind text not null check (kind in ('reserve', 'release')),
  entry jsonb not null,
  attempts integer not null,
  error text not null,
  parked_at timestamptz not null default now(),
  primary key (campaign_id, stream_id)
);
create index settlement_parked_parked_at_idx on settlement_parked (parked_at desc);
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists settlement_parked;');
  }
}
