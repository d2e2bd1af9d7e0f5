import { Migration } from '@mikro-orm/migrations';

/**
 * Settlement writes every reserved unit as an order row and a transition row, in batches of up to 2,000 at a
 * sale's peak. Three foreign keys checked each of those rows with a lookup of its own (order → user, order →
 * campaign, transition → order): measured on batches of 2,000, they were 36% of PostgreSQL's CPU per settled order
 * (0.033 ms per row with them, 0.021 without), the largest single cost of settlement, paid while the hot path
 * needs the same cores. The references are still checked where those rows are written: settlement checks a
 * batch's users and campaign in one statement (one index lookup per distinct id, no trigger per row) and fails
 * the batch as the foreign keys did; a transition row is written in the same transaction as its order, from the
 * ids that insert returned. Users and campaigns are never deleted.
 */
export class Migration20261205000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table orders drop constraint if exists orders_user_id_fkey;
alter table orders drop constraint if exists orders_campaign_id_fkey;
alter table order_transitions drop constraint if exists order_transitions_order_id_fkey;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
alter table orders add constraint orders_user_id_fkey foreign key (user_id) references users (id);
alter table orders add constraint orders_campaign_id_fkey foreign key (campaign_id) references campaigns (id);
alter table order_transitions add constraint order_transitions_order_id_fkey
  foreign key (order_id) references orders (id);
`);
  }
}
