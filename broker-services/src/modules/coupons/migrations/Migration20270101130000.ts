import { Migration } from '@mikro-orm/migrations';

/** Coupons issued as a member level's level-up gift (`level_up`, through `coupons.issueLevelGift`). */
export class Migration20270101130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table coupons drop constraint coupons_source_check;
alter table coupons add constraint coupons_source_check
  check (source in ('claim', 'new_member', 'group_failed', 'operator', 'member_monthly', 'level_up'));
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
alter table coupons drop constraint coupons_source_check;
alter table coupons add constraint coupons_source_check
  check (source in ('claim', 'new_member', 'group_failed', 'operator', 'member_monthly'));
`);
  }
}
