import { Migration } from '@mikro-orm/migrations';

/**
 * When an approved after-sale request's refund was handed to the orders module (`refund_sent_at`): an approval
 * commits before that call, so a process that stops between the two leaves an approved request without a refund,
 * which the fulfilment sweeper finds by this column and resumes. Requests approved before it were handed over.
 */
export class Migration20270101170000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table refund_requests add column refund_sent_at timestamptz;
update refund_requests set refund_sent_at = decided_at where status = 'approved';
create index refund_requests_unsent_idx on refund_requests (decided_at)
  where status = 'approved' and refund_sent_at is null;
`);
  }

  override async down(): Promise<void> {
    this.addSql(
      'drop index refund_requests_unsent_idx; alter table refund_requests drop column refund_sent_at;',
    );
  }
}
