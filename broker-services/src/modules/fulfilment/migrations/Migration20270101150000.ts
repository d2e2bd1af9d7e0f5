import { Migration } from '@mikro-orm/migrations';

/**
 * Whether an after-sale request was made after the shopper received the order (`after_receipt`: the order was
 * completed when asked, within AFTER_SALE_DAYS), so the operator's queue tells a refund before delivery from one
 * after it.
 */
export class Migration20270101150000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table refund_requests add column after_receipt boolean not null default false;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table refund_requests drop column after_receipt;');
  }
}
