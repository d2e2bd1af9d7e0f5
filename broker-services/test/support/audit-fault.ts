/**
 * A real failure of an audit insert, for tests that a change and its audit entry commit together or not at all:
 * a trigger on the audit table refuses the entries of one object while `run` runs (nothing of ours is mocked).
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';

/** The message of the refusal, as the database raises it. */
export const AUDIT_REFUSED = 'audit refused by the test';

/** Runs `run` while the database refuses every audit entry of `objectId`; the trigger is gone afterwards. */
export async function withAuditRefused<T>(sql: pg.Pool, objectId: string, run: () => Promise<T>): Promise<T> {
  const name = `refuse_audit_${randomBytes(4).toString('hex')}`;
  await sql.query(
    `create function ${name}() returns trigger language plpgsql as $$
     begin
       if new.object_id = ${pgLiteral(objectId)} then raise exception '${AUDIT_REFUSED}'; end if;
       return new;
     end $$`,
  );
  await sql.query(
    `create trigger ${name} before insert on audit_log for each row execute function ${name}()`,
  );
  try {
    return await run();
  } finally {
    await sql.query(`drop trigger ${name} on audit_log`);
    await sql.query(`drop function ${name}()`);
  }
}

function pgLiteral(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
