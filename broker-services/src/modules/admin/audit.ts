/** The audit trail of admin writes: who did what, when, to which object. Exported for every area's admin actions. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CallerMeta } from '../../broker/action.ts';
import { AppError } from '../../errors.ts';
import { AuditEntry } from './entities.ts';

export interface AuditInput {
  action: string;
  objectType: string;
  objectId: string;
  detail?: Record<string, unknown>;
}

/**
 * Adds one audit entry for the calling admin (or `system` for automated operator policies) to `em`'s unit of
 * work, beside the change it records: the caller's one flush (a transaction) writes both, or neither.
 */
export function persistAudit(em: EntityManager, meta: CallerMeta | 'system', input: AuditInput): void {
  const admin = meta === 'system' ? { id: 'system', username: 'system' } : meta.admin;
  if (!admin) throw new AppError('UNAUTHORIZED');
  em.persist(
    em.create(AuditEntry, {
      adminId: admin.id,
      adminUsername: admin.username,
      action: input.action,
      objectType: input.objectType,
      objectId: input.objectId,
      detail: input.detail ?? {},
    }),
  );
}

/** Writes one audit entry on its own, for an action whose change is not in `em` (a policy of the system). */
export async function recordAudit(
  em: EntityManager,
  meta: CallerMeta | 'system',
  input: AuditInput,
): Promise<void> {
  persistAudit(em, meta, input);
  await em.flush();
}

/** The calling admin, or UNAUTHORIZED; roles are enforced by the gateway before the call. */
export function requireAdmin(meta: CallerMeta): NonNullable<CallerMeta['admin']> {
  if (!meta.admin) throw new AppError('UNAUTHORIZED');
  return meta.admin;
}

/** The calling shopper, or UNAUTHORIZED. */
export function requireUser(meta: CallerMeta): { id: string } {
  if (!meta.user) throw new AppError('UNAUTHORIZED');
  return meta.user;
}
