import { Migration } from '@mikro-orm/migrations';

/**
 * A level's level-up gift (升级礼): `member_levels.level_up_coupon_template_id` names the coupon template a shopper
 * gets on reaching the level. `member_level_gifts` is the outbox: one row per shopper and level, written in the
 * transaction that raised the level (so at most once per level per shopper, ever), `pending` until the coupons
 * module has issued it (`issued`), or `skipped` when the template was stopped meanwhile.
 */
export class Migration20270101120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table member_levels add column level_up_coupon_template_id text;
create table member_level_gifts (
  user_id text not null,
  level_code text not null,
  template_id text not null,
  status text not null default 'pending' check (status in ('pending', 'issued', 'skipped')),
  reached_at timestamptz not null,
  issued_at timestamptz,
  primary key (user_id, level_code)
);
create index member_level_gifts_pending on member_level_gifts (reached_at) where status = 'pending';
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop table member_level_gifts;
alter table member_levels drop column level_up_coupon_template_id;
`);
  }
}
