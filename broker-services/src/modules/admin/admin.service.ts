/** admin: operator accounts and roles, their login, the audit log and the dashboard figures. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServiceSchema } from 'moleculer';
import { defineService } from '../../broker/bus.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { persistAudit, requireAdmin } from './audit.ts';
import { adminContract } from './contract.ts';
import { Admin, AuditEntry } from './entities.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { AdminView, ParkedSettlementPage } from './schemas.ts';

/** Failed sign-ins of one username in a row (none older than FAILURE_MEMORY_MS apart) before it is locked. */
export const LOGIN_FAILURES_BEFORE_LOCK = 5;
/** The first lockout; each further failure doubles it, up to LOCK_MAX_MS. */
const LOCK_BASE_MS = 30_000;
const LOCK_MAX_MS = 15 * 60_000;
/** A failure this long after the previous one starts the count again. */
const FAILURE_MEMORY_MS = 60 * 60_000;

/** How long a username is locked after its `failures`-th failure in a row (0: not locked). */
export function lockoutMs(failures: number): number {
  if (failures < LOGIN_FAILURES_BEFORE_LOCK) return 0;
  return Math.min(LOCK_MAX_MS, LOCK_BASE_MS * 2 ** (failures - LOGIN_FAILURES_BEFORE_LOCK));
}

function view(a: Admin): AdminView {
  return {
    id: a.id,
    username: a.username,
    role: a.role,
    disabled: a.disabled,
    createdAt: a.createdAt.toISOString(),
  };
}

/** Makes sure the first owner exists; returns the password only when it was created now from a generated one. */
export async function ensureFirstAdmin(
  em: EntityManager,
  username: string,
  password: string,
): Promise<{ created: boolean }> {
  const existing = await em.count(Admin, {});
  if (existing > 0) return { created: false };
  em.create(Admin, { id: newId('adm'), username, passwordHash: await hashPassword(password), role: 'owner' });
  await em.flush();
  return { created: true };
}

export default function createAdminService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();

  async function ownerOnly(meta: Parameters<typeof requireAdmin>[0]) {
    const admin = requireAdmin(meta);
    if (admin.role !== 'owner') throw new AppError('FORBIDDEN', 'Only an owner manages admins');
    return admin;
  }

  return defineService(adminContract, {
    actions: {
      /**
       * Checks a username and password; a disabled admin cannot log in. Failures are counted per username (known
       * or not) and audited; after LOGIN_FAILURES_BEFORE_LOCK in a row the username is locked, for longer after
       * each further failure, whatever address the attempts come from. Answers the admin and the password version
       * its token is to carry.
       */
      login: async (ctx) => {
        const { username, password } = ctx.params;
        const now = rt.now();
        const e = em();
        const [lock] = await e.execute<{ locked_until: Date | null }[]>(
          'select locked_until from admin_login_failures where username = ?',
          [username],
        );
        const lockedUntil = lock?.locked_until ? new Date(lock.locked_until).getTime() : 0;
        if (lockedUntil > now) {
          throw new AppError('LOGIN_LOCKED', undefined, {
            retryAfterSeconds: Math.ceil((lockedUntil - now) / 1000),
          });
        }
        const a = await e.findOne(Admin, { username });
        // Verify against a fixed hash when the user is unknown, so timing does not reveal which usernames exist.
        const ok = await verifyPassword(
          password,
          a?.passwordHash ??
            'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        );
        if (a && ok && !a.disabled) {
          if (lock) await e.execute('delete from admin_login_failures where username = ?', [username]);
          return { admin: view(a), passwordVersion: a.passwordVersion };
        }
        // The count, the lock and the audit entry of this failure commit together.
        await e.transactional(async (tx) => {
          const [counted] = await tx.execute<{ failures: number }[]>(
            `insert into admin_login_failures (username, failures, last_failed_at) values (?, 1, ?)
             on conflict (username) do update set
               failures = case when admin_login_failures.last_failed_at < ? then 1
                               else admin_login_failures.failures + 1 end,
               last_failed_at = excluded.last_failed_at
             returning failures`,
            [username, new Date(now), new Date(now - FAILURE_MEMORY_MS)],
          );
          const failures = Number(counted?.failures ?? 1);
          const lockMs = lockoutMs(failures);
          if (lockMs > 0) {
            await tx.execute('update admin_login_failures set locked_until = ? where username = ?', [
              new Date(now + lockMs),
              username,
            ]);
          }
          persistAudit(
            tx,
            { admin: { id: a?.id ?? 'unknown', username, role: a?.role ?? 'viewer' } },
            {
              action: 'admin.login_failed',
              objectType: 'admin',
              objectId: a?.id ?? 'unknown',
              detail: {
                ip: ctx.meta.ip ?? null,
                failures,
                ...(a?.disabled ? { disabled: true } : {}),
                ...(lockMs > 0 ? { lockedForSeconds: lockMs / 1000 } : {}),
              },
            },
          );
          await tx.flush();
        });
        throw new AppError('INVALID_CREDENTIALS');
      },

      /**
       * The admin behind an admin token, while that token still stands: the admin exists, and no password
       * change came after the token was issued (the gateway checks this on every admin call).
       */
      session: async (ctx) => {
        const a = await em().findOne(Admin, { id: ctx.params.id });
        if (!a) throw new AppError('UNAUTHORIZED', 'Unknown admin');
        if (a.passwordVersion !== ctx.params.passwordVersion)
          throw new AppError(
            'UNAUTHORIZED',
            'The password changed since this token was issued; sign in again',
          );
        return view(a);
      },

      /** The admin behind a token, if still enabled (the gateway checks this on every admin call). */
      get: async (ctx) => {
        const a = await em().findOne(Admin, { id: ctx.params.id });
        if (!a) throw new AppError('NOT_FOUND', 'No such admin');
        return view(a);
      },

      list: async (ctx) => {
        requireAdmin(ctx.meta);
        return { items: (await em().find(Admin, {}, { orderBy: { createdAt: 'asc' } })).map(view) };
      },

      create: async (ctx) => {
        await ownerOnly(ctx.meta);
        const e = em();
        if (await e.count(Admin, { username: ctx.params.username })) {
          throw new AppError('CONFLICT', 'That username is taken');
        }
        const a = e.create(Admin, {
          id: newId('adm'),
          username: ctx.params.username,
          passwordHash: await hashPassword(ctx.params.password),
          role: ctx.params.role,
        });
        persistAudit(e, ctx.meta, {
          action: 'admin.create',
          objectType: 'admin',
          objectId: a.id,
          detail: { username: a.username, role: a.role },
        });
        await e.flush();
        return view(a);
      },

      patch: async (ctx) => {
        const me = await ownerOnly(ctx.meta);
        const e = em();
        const a = await e.findOne(Admin, { id: ctx.params.id });
        if (!a) throw new AppError('NOT_FOUND', 'No such admin');
        if (a.id === me.id && (ctx.params.disabled || (ctx.params.role && ctx.params.role !== 'owner'))) {
          throw new AppError('CONFLICT', 'An owner cannot demote or disable themselves');
        }
        if (ctx.params.role !== undefined) a.role = ctx.params.role;
        if (ctx.params.disabled !== undefined) a.disabled = ctx.params.disabled;
        if (ctx.params.password !== undefined) {
          a.passwordHash = await hashPassword(ctx.params.password);
          // Every token issued before this change stops working (see the session action).
          a.passwordVersion += 1;
        }
        persistAudit(e, ctx.meta, {
          action: 'admin.update',
          objectType: 'admin',
          objectId: a.id,
          detail: {
            ...(ctx.params.role ? { role: ctx.params.role } : {}),
            ...(ctx.params.disabled !== undefined ? { disabled: ctx.params.disabled } : {}),
            ...(ctx.params.password ? { passwordChanged: true } : {}),
          },
        });
        await e.flush();
        return view(a);
      },

      /** The audit log, newest first, by id cursor. */
      auditLog: async (ctx) => {
        requireAdmin(ctx.meta);
        const limit = ctx.params.limit ?? 50;
        const before = ctx.params.cursor ? Number(ctx.params.cursor) : undefined;
        if (before !== undefined && !Number.isSafeInteger(before)) {
          throw new AppError('VALIDATION_FAILED', 'cursor must be a number');
        }
        const rows = await em().find(AuditEntry, before ? { id: { $lt: before } } : {}, {
          orderBy: { id: 'desc' },
          limit: limit + 1,
        });
        const items = rows.slice(0, limit).map((r) => ({
          id: String(r.id),
          adminId: r.adminId,
          adminUsername: r.adminUsername,
          action: r.action,
          objectType: r.objectType,
          objectId: r.objectId,
          detail: r.detail,
          at: r.at.toISOString(),
        }));
        return { items, ...(rows.length > limit ? { nextCursor: items[items.length - 1]!.id } : {}) };
      },

      /** Settlement entries parked after repeated failures, newest first (the table is settlement's). */
      settlementParked: async (ctx): Promise<ParkedSettlementPage> => {
        requireAdmin(ctx.meta);
        const rows = await em().execute<
          {
            campaign_id: string;
            stream_id: string;
            reservation_id: string;
            user_id: string;
            kind: 'reserve' | 'release';
            entry: { quantity?: number; unitPriceFen?: number } | string;
            attempts: number;
            error: string;
            parked_at: Date | string;
          }[]
        >('select * from settlement_parked order by parked_at desc, stream_id desc limit ?', [
          ctx.params.limit ?? 50,
        ]);
        return {
          items: rows.map((r) => {
            const entry = typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry;
            return {
              campaignId: r.campaign_id,
              streamId: r.stream_id,
              reservationId: r.reservation_id,
              userId: r.user_id,
              kind: r.kind,
              quantity: Number(entry.quantity ?? 0),
              unitPriceFen: Number(entry.unitPriceFen ?? 0),
              attempts: r.attempts,
              error: r.error,
              parkedAt: new Date(r.parked_at).toISOString(),
            };
          }),
        };
      },

      /** Today's figures (UTC day): GMV, orders, paid conversion, live campaigns, top campaigns, GMV by hour. */
      dashboard: async (ctx) => {
        requireAdmin(ctx.meta);
        const now = new Date(rt.now());
        const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
        const e = em();
        const paidStates = `('paid','shipped','completed')`;
        const [totals] = await e.execute<{ orders: string; paid: string; gmv: string }[]>(
          `select count(*) as orders,
                  count(*) filter (where status in ${paidStates}) as paid,
                  coalesce(sum(total_fen) filter (where status in ${paidStates}), 0) as gmv
           from orders where created_at >= ? and not dry_run`,
          [dayStart],
        );
        const top = await e.execute<{ campaign_id: string; title: string; gmv: string; paid: string }[]>(
          `select o.campaign_id, c.title, sum(o.total_fen) as gmv, count(*) as paid
           from orders o join campaigns c on c.id = o.campaign_id
           where o.created_at >= ? and o.status in ${paidStates} and not o.dry_run
           group by o.campaign_id, c.title order by gmv desc limit 5`,
          [dayStart],
        );
        const hours = await e.execute<{ hour: Date; gmv: string; orders: string }[]>(
          `select date_trunc('hour', created_at) as hour,
                  coalesce(sum(total_fen) filter (where status in ${paidStates}), 0) as gmv, count(*) as orders
           from orders where created_at >= ? and not dry_run group by 1 order by 1`,
          [dayStart],
        );
        const [live] = await e.execute<{ n: string }[]>(
          'select count(*) as n from campaigns where stopped_at is null and starts_at <= ? and ends_at > ?',
          [now, now],
        );
        const orders = Number(totals?.orders ?? 0);
        const paid = Number(totals?.paid ?? 0);
        return {
          todayGmvFen: Number(totals?.gmv ?? 0),
          todayOrders: orders,
          todayPaidOrders: paid,
          paidConversion: orders ? paid / orders : 0,
          liveCampaigns: Number(live?.n ?? 0),
          topCampaigns: top.map((t) => ({
            campaignId: t.campaign_id,
            title: t.title,
            gmvFen: Number(t.gmv),
            paidOrders: Number(t.paid),
          })),
          gmvByHour: hours.map((h) => ({
            hour: new Date(h.hour).toISOString(),
            gmvFen: Number(h.gmv),
            orders: Number(h.orders),
          })),
          serverTime: now.toISOString(),
        };
      },
    },
  });
}
