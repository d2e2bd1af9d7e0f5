/** Opens MikroORM on PostgreSQL with our entities and the checked-in migrations; never auto-updates the schema. */

import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { Migration20261212000100 } from '../modules/addresses/migrations/Migration20261212000100.ts';
import { Migration20270101140000 } from '../modules/campaigns/migrations/Migration20270101140000.ts';
import { Migration20270101160000 } from '../modules/campaigns/migrations/Migration20270101160000.ts';
import { Migration20261212000200 } from '../modules/cart/migrations/Migration20261212000200.ts';
import { Migration20261212000000 } from '../modules/catalog/migrations/Migration20261212000000.ts';
import { Migration20261231100000 } from '../modules/coupons/migrations/Migration20261231100000.ts';
import { Migration20261231110000 } from '../modules/coupons/migrations/Migration20261231110000.ts';
import { Migration20270101130000 } from '../modules/coupons/migrations/Migration20270101130000.ts';
import { Migration20261212000400 } from '../modules/fulfilment/migrations/Migration20261212000400.ts';
import { Migration20261220000500 } from '../modules/fulfilment/migrations/Migration20261220000500.ts';
import { Migration20270101150000 } from '../modules/fulfilment/migrations/Migration20270101150000.ts';
import { Migration20270101170000 } from '../modules/fulfilment/migrations/Migration20270101170000.ts';
import { Migration20261230120000 } from '../modules/membership/migrations/Migration20261230120000.ts';
import { Migration20261231120000 } from '../modules/membership/migrations/Migration20261231120000.ts';
import { Migration20270101120000 } from '../modules/membership/migrations/Migration20270101120000.ts';
import { Migration20261212000300 } from '../modules/orders/migrations/Migration20261212000300.ts';
import { Migration20261231130000 } from '../modules/orders/migrations/Migration20261231130000.ts';
import { Migration20270101100000 } from '../modules/orders/migrations/Migration20270101100000.ts';
import { Migration20261222000600 } from '../modules/payments/migrations/Migration20261222000600.ts';
import { Migration20261230100000 } from '../modules/points/migrations/Migration20261230100000.ts';
import { Migration20261230110000 } from '../modules/points/migrations/Migration20261230110000.ts';
import { Migration20270101110000 } from '../modules/points/migrations/Migration20270101110000.ts';
import { ALL_ENTITIES } from './entities.ts';
import { Migration20261125000000 } from './migrations/Migration20261125000000.ts';
import { Migration20261201000000 } from './migrations/Migration20261201000000.ts';
import { Migration20261205000000 } from './migrations/Migration20261205000000.ts';
import { Migration20261206120000 } from './migrations/Migration20261206120000.ts';
import { Migration20261210000000 } from './migrations/Migration20261210000000.ts';
import { Migration20261214090000 } from './migrations/Migration20261214090000.ts';

export const MIGRATIONS = [
  { name: 'Migration20261125000000', class: Migration20261125000000 },
  { name: 'Migration20261201000000', class: Migration20261201000000 },
  { name: 'Migration20261205000000', class: Migration20261205000000 },
  { name: 'Migration20261206120000', class: Migration20261206120000 },
  { name: 'Migration20261210000000', class: Migration20261210000000 },
  { name: 'Migration20261212000000', class: Migration20261212000000 },
  { name: 'Migration20261212000100', class: Migration20261212000100 },
  { name: 'Migration20261212000200', class: Migration20261212000200 },
  { name: 'Migration20261212000300', class: Migration20261212000300 },
  { name: 'Migration20261212000400', class: Migration20261212000400 },
  { name: 'Migration20261214090000', class: Migration20261214090000 },
  { name: 'Migration20261220000500', class: Migration20261220000500 },
  { name: 'Migration20261222000600', class: Migration20261222000600 },
  { name: 'Migration20261230100000', class: Migration20261230100000 },
  { name: 'Migration20261230110000', class: Migration20261230110000 },
  { name: 'Migration20261230120000', class: Migration20261230120000 },
  { name: 'Migration20261231100000', class: Migration20261231100000 },
  { name: 'Migration20261231110000', class: Migration20261231110000 },
  { name: 'Migration20261231120000', class: Migration20261231120000 },
  { name: 'Migration20261231130000', class: Migration20261231130000 },
  { name: 'Migration20270101100000', class: Migration20270101100000 },
  { name: 'Migration20270101110000', class: Migration20270101110000 },
  { name: 'Migration20270101120000', class: Migration20270101120000 },
  { name: 'Migration20270101130000', class: Migration20270101130000 },
  { name: 'Migration20270101140000', class: Migration20270101140000 },
  { name: 'Migration20270101150000', class: Migration20270101150000 },
  { name: 'Migration20270101160000', class: Migration20270101160000 },
  { name: 'Migration20270101170000', class: Migration20270101170000 },
];

export interface OrmOptions {
  clientUrl: string;
  /** PostgreSQL schema to use (tests isolate themselves with one each). */
  schema?: string;
  poolMax?: number;
  debug?: boolean;
  /** Where MikroORM's own messages (the migrator's progress) go; silent by default. */
  logger?: (message: string) => void;
}

export async function openOrm(opts: OrmOptions): Promise<MikroORM> {
  return MikroORM.init({
    clientUrl: opts.clientUrl,
    entities: ALL_ENTITIES,
    ...(opts.schema ? { schema: opts.schema } : {}),
    pool: { min: 0, max: opts.poolMax ?? 10 },
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      // Migrations are checked in; a run must not write `.snapshot-<db>.json` into the working directory.
      snapshot: false,
      snapshotOnMigrate: false,
      ...(opts.schema ? { schema: opts.schema } : {}),
    },
    allowGlobalContext: false,
    debug: opts.debug ?? false,
    logger: opts.logger ?? (() => {}),
  });
}

/** Applies every pending migration; returns the names applied now. */
export async function migrateUp(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}
