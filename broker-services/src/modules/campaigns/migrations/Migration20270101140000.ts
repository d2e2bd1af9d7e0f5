import { Migration } from '@mikro-orm/migrations';

/**
 * Membership level benefits on a campaign: `level_benefits` lists, per level code of the membership module, a
 * higher per-user limit and/or minutes of early access (`[{levelCode, perUserLimit?, earlyAccessMinutes?}]`).
 * The hot path keeps them in the campaign's metadata, so a reservation needs no lookup.
 */
export class Migration20270101140000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table campaigns add column level_benefits jsonb not null default '[]'::jsonb
  check (jsonb_typeof(level_benefits) = 'array');
`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table campaigns drop column level_benefits;');
  }
}
