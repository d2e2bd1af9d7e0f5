import { Migration } from '@mikro-orm/migrations';

/**
 * The shortfall of a take-back (`points_ledger.shortfall`): a refund after completion takes back the points its order
 * earned, at most down to a zero balance; what the shopper had already spent elsewhere is not owed, and is recorded
 * on the reversal's row. A reversal that could take nothing is a row of delta 0 with its shortfall, so every
 * refunded order that earned points has its one reversal row (the ledger still sums to the balance).
 */
export class Migration20270101110000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table points_ledger add column shortfall integer not null default 0 check (shortfall >= 0);
alter table points_ledger drop constraint points_ledger_delta_check;
alter table points_ledger add constraint points_ledger_delta_check check (delta <> 0 or shortfall > 0);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
alter table points_ledger drop constraint points_ledger_delta_check;
-- The ledger is append-only: rows of delta 0 written meanwhile stay, and the old check holds for new rows only.
alter table points_ledger add constraint points_ledger_delta_check check (delta <> 0) not valid;
alter table points_ledger drop column shortfall;
`);
  }
}
