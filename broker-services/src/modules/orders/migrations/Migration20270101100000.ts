import { Migration } from '@mikro-orm/migrations';

/**
 * An order's completion instant (`completed_at`, set with `shipped → completed`): the after-sale period (AFTER_SALE_DAYS)
 * runs from it. Orders completed before this migration take it from their transition row.
 */
export class Migration20270101100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table orders add column completed_at timestamptz;
update orders o set completed_at = t.at
  from (select order_id, max(at) as at from order_transitions where to_status = 'completed' group by order_id) t
  where t.order_id = o.id and o.status = 'completed';
`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table orders drop column completed_at;');
  }
}
