/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database under DATA_DIR). */
import { loadConfig } from '../config.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { migrateUp, openOrm } from './orm.ts';

const config = loadConfig(process.env, { purpose: 'migrate' });
const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config);
const orm = await openOrm({
  clientUrl: config.databaseUrl ?? embedded!.url,
  poolMax: embedded ? 1 : 2,
  logger: console.log,
});
try {
  const applied = await migrateUp(orm);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
} finally {
  await orm.close();
  await embedded?.stop();
}
