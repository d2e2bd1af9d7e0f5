import { Migration } from '@mikro-orm/migrations';

/**
 * A level's monthly coupon (每月领券): `member_levels.monthly_coupon_template_id` names the coupon template its
 * members get each month; `member_monthly_coupons` records who got it for which month (the coupons module issues
 * once per member and month too, by its issue key).
 */
export class Migration20261231120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table member_levels add column monthly_coupon_template_id text;
create table member_monthly_coupons (
  user_id text not null,
  month text not null check (month ~ '^[0-9]{4}-[0-9]{2}$'),
  level_code text not null,
  template_id text not null,
  issued_at timestamptz not null,
  primary key (user_id, month)
);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop table member_monthly_coupons;
alter table member_levels drop column monthly_coupon_template_id;
`);
  }
}
