import { Migration } from '@mikro-orm/migrations';

/**
 * A refund keeps what the channel charged for its order (`order_total_fen`, sent with every refund request), so
 * that the payments sweeper reads its own table instead of joining `orders`. Existing refunds take it from
 * their order.
 */
export class Migration20261222000600 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table refunds add column order_total_fen integer;
update refunds r set order_total_fen = o.payable_fen from orders o where o.id = r.order_id;
alter table refunds alter column order_total_fen set not null;
`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table refunds drop column order_total_fen;');
  }
}
