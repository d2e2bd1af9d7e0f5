import { Migration } from '@mikro-orm/migrations';

/**
 * Admin sign-in hardening. `admins.password_version` goes up with every password change or reset; admin tokens
 * carry the version they were issued under, so a change revokes every token issued before it.
 * `admin_login_failures` counts failed sign-ins per username (known or not, so that a lockout tells nothing
 * about which usernames exist) and holds the lockout: shared by every gateway process through the database.
 * `refunds.requested_at` marks a refund the payment channel has accepted, so later sweeps query it instead of
 * requesting it again.
 */
export class Migration20261214090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table admins add column password_version integer not null default 0;
alter table refunds add column requested_at timestamptz;
create table admin_login_failures (
  username text primary key,
  failures integer not null,
  last_failed_at timestamptz not null,
  locked_until timestamptz
);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop table admin_login_failures;
alter table refunds drop column requested_at;
alter table admins drop column password_version;
`);
  }
}
