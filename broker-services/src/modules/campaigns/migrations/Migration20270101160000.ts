import { Migration } from '@mikro-orm/migrations';

/**
 * Stock buckets (库存分桶): `stock_buckets` splits a seckill campaign's stock over that many hash tags of the hot
 * path (`@tuanmiao/hot-path` `buckets.ts`), so its reservations spread over several Redis cores or cluster
 * masters. Fixed at creation; 1 (every campaign so far) is one bucket, the campaign's own tag. The hot path takes
 * at most 16 (`MAX_STOCK_BUCKETS`); only a seckill campaign may have more than one.
 */
export class Migration20270101160000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table campaigns add column stock_buckets smallint not null default 1
  check (stock_buckets between 1 and 16),
  add constraint campaigns_stock_buckets_seckill check (stock_buckets = 1 or type = 'seckill');
`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table campaigns drop column stock_buckets;');
  }
}
