import { Migration } from '@mikro-orm/migrations';

/** Coupons issued by the system to the members of a level each month (`member_monthly`, ../membership). */
export class Migration20261231110000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table coupons drop constraint coupons_source_check;
alter table coupons add constraint coupons_source_check
  check (source in ('claim', 'new_member', 'group_failed', 'operator', 'member_monthly'));
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
alter table coupons drop constraint coupons_source_check;
alter table coupons add constraint coupons_source_check
  check (source in ('claim', 'new_member', 'group_failed', 'operator'));
`);
  }
}
