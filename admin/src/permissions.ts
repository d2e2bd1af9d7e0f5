/**
 * What each admin role may do, mirrored from the server so the console hides what a role cannot do.
 * The server enforces; this only decides which buttons exist.
 */
import type { AdminRole } from './api/types.ts';

/** owner: everything and admins; operator: products, campaigns, orders; viewer: read only. */
export function canWrite(role: AdminRole): boolean {
  return role === 'owner' || role === 'operator';
}

export function canManageAdmins(role: AdminRole): boolean {
  return role === 'owner';
}
