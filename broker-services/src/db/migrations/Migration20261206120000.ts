import { Migration } from '@mikro-orm/migrations';

/**
 * The hot path's positions, owned by `hot-path` (settlement writes `settled_*` in each batch's transaction;
 * reconciliation issues `generation`). A campaign's Redis state carries a position (generation, seq): seq goes up
 * with every stream entry, generation with every rebuild. PostgreSQL keeps the latest position it settled, so a
 * Redis that came back behind it (an AOF cut short, a promoted lagging replica) is told at once and rebuilt
 * before it sells again; `generation` is the last one issued to a rebuild, so a rebuilt state is ahead of any
 * older copy of it.
 */
export class Migration20261206120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table if not exists hot_path_positions (
  campaign_id text primary key,
  generation bigint not null default 0,
  settled_generation bigint not null default 0,
  settled_seq bigint not null default 0,
  updated_at timestamptz not null default now(),
  constraint hot_path_positions_nonnegative check (generation >= 0 and settled_generation >= 0 and settled_seq >= 0)
);
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists hot_path_positions;');
  }
}
