import { Migration } from '@mikro-orm/migrations';

/**
 * Group TTL floor down from 60 s to 5 s in the table: the service still refuses less than 60 s unless the
 * server runs with ALLOW_SHORT_TTL=1, so that tests can watch a group expire without waiting minutes.
 */
export class Migration20261201000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table campaigns drop constraint if exists campaigns_group_ttl_seconds_check;
alter table campaigns add constraint campaigns_group_ttl_seconds_check
  check (group_ttl_seconds is null or group_ttl_seconds between 5 and 604800);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
alter table campaigns drop constraint if exists campaigns_group_ttl_seconds_check;
alter table campaigns add constraint campaigns_group_ttl_seconds_check
  check (group_ttl_seconds is null or group_ttl_seconds between 60 and 604800);
`);
  }
}
