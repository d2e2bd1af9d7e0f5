import { Migration } from '@mikro-orm/migrations';

/**
 * When paying an order started at the channel (`payments.start`): from then on its price is fixed, because a
 * WeChat Pay prepay carries the amount under the order's id and cannot be re-created for another amount. A
 * coupon applied to or removed from a campaign order after this is refused (`PAYMENT_STARTED`).
 */
export class Migration20261231130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table orders add column payment_started_at timestamptz;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table orders drop column payment_started_at;');
  }
}
