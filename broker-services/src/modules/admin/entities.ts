/** MikroORM entities of the admin module: operator accounts and the audit log. */
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

const createdAt = () => p.datetime().onCreate(() => new Date());
const updatedAt = () =>
  p
    .datetime()
    .onCreate(() => new Date())
    .onUpdate(() => new Date());

export const Admin = defineEntity({
  name: 'Admin',
  tableName: 'admins',
  properties: {
    id: p.string().primary(),
    username: p.string().unique(),
    passwordHash: p.string(),
    role: p.string().$type<'owner' | 'operator' | 'viewer'>(),
    disabled: p.boolean().default(false),
    /** Up by one at every password change or reset; admin tokens of an older version are refused. */
    passwordVersion: p.integer().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type Admin = InferEntity<typeof Admin>;

export const AuditEntry = defineEntity({
  name: 'AuditEntry',
  tableName: 'audit_log',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    adminId: p.string(),
    adminUsername: p.string(),
    action: p.string(),
    objectType: p.string(),
    objectId: p.string(),
    detail: p.json<Record<string, unknown>>(),
    at: createdAt(),
  },
});
export type AuditEntry = InferEntity<typeof AuditEntry>;
