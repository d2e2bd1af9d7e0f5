/**
 * Every MikroORM entity, collected from the modules that own them: the tables a service edits one row at a time
 * (users, admins and the audit log, products and SKUs, campaigns). Orders, groups, payments and refunds have no
 * entity: they are written set-wise or under a guard by their module's SQL (settlement batches, guarded state
 * transitions), and read with SQL by the same module.
 */
import { Admin, AuditEntry } from '../modules/admin/entities.ts';
import { Campaign } from '../modules/campaigns/entities.ts';
import { Category, Product, Sku } from '../modules/catalog/entities.ts';
import { User } from '../modules/users/entities.ts';

export const ALL_ENTITIES = [User, Admin, Category, Product, Sku, Campaign, AuditEntry];
