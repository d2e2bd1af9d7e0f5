/**
 * addresses: shoppers' delivery addresses (收货地址), sealed at rest (./pii-cipher.ts). Shoppers keep up to 20,
 * one of them the default; another shopper's address is NOT_FOUND. Operators see them masked; the roles that
 * fulfil orders may read one in full, and each such read is audited. Orders take a sealed snapshot through
 * `addresses.snapshot`. A sweeper seals rows again with the newest key after a rotation.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServiceSchema } from 'moleculer';
import { defineService } from '../../broker/bus.ts';
import { sweeperMixin } from '../../broker/sweeper.mixin.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { recordAudit, requireAdmin, requireUser } from '../admin/audit.ts';
import { addressesContract } from './contract.ts';
import {
  loadKeyring,
  maskDetail,
  maskName,
  maskPhone,
  openPii,
  type PiiKeyring,
  sealPii,
} from './pii-cipher.ts';
import type { AddressSnapshot, AddressView } from './schemas.ts';

export const MAX_ADDRESSES = 20;
/** Roles that fulfil orders and so may read an address in full. */
export const FULFILMENT_ROLES = ['owner', 'operator'] as const;

interface AddressRow {
  id: string;
  user_id: string;
  region_codes: string[];
  region_names: string[];
  pii: string;
  key_id: string;
  is_default: boolean;
}
interface Pii {
  name: string;
  phone: string;
  detail: string;
}

const context = (row: { id: string; user_id: string }) => `address:${row.id}:${row.user_id}`;

/** Each region code must lie inside the one before it (province 11xxxx ⊃ city 1101xx ⊃ district 110101). */
function checkRegion(region: readonly string[]): void {
  const [p, c, d] = region as [string, string, string];
  if (
    !p.endsWith('0000') ||
    c.slice(0, 2) !== p.slice(0, 2) ||
    !c.endsWith('00') ||
    d.slice(0, 4) !== c.slice(0, 4)
  ) {
    throw new AppError(
      'VALIDATION_FAILED',
      'The region codes are not a province, a city in it and a district in that',
    );
  }
}

export default function createAddressesService(rt: Runtime): ServiceSchema {
  const em = (): EntityManager => rt.orm.em.fork();
  const ring: PiiKeyring = loadKeyring(rt.config);

  function view(row: AddressRow): AddressView {
    const pii = openPii<Pii>(ring, context(row), row.key_id, row.pii);
    return {
      id: row.id,
      name: pii.name,
      phone: pii.phone,
      region: row.region_codes,
      ...(row.region_names.length === 3 ? { regionNames: row.region_names } : {}),
      detail: pii.detail,
      isDefault: row.is_default,
    };
  }

  function masked(row: AddressRow): AddressView {
    const a = view(row);
    return { ...a, name: maskName(a.name), phone: maskPhone(a.phone), detail: maskDetail(a.detail) };
  }

  async function mine(e: EntityManager, userId: string): Promise<AddressRow[]> {
    return e.execute<AddressRow[]>(
      'select * from addresses where user_id = ? order by is_default desc, created_at desc, id desc',
      [userId],
    );
  }

  async function loadMine(e: EntityManager, id: string, userId: string): Promise<AddressRow> {
    const rows = await e.execute<AddressRow[]>('select * from addresses where id = ? and user_id = ?', [
      id,
      userId,
    ]);
    if (!rows[0]) throw new AppError('NOT_FOUND', 'No such address');
    return rows[0];
  }

  /** One shopper's address writes run one at a time (a default moved by two requests at once stays one). */
  const lockUser = (tx: EntityManager, userId: string) =>
    tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`addresses:${userId}`]);

  return defineService(addressesContract, {
    mixins: [
      sweeperMixin({
        action: 'addresses.resealOld',
        intervalMs: rt.config.sweepIntervalMs * 30,
        log: rt.log,
      }),
    ],
    actions: {
      /** The caller's addresses, the default first. */
      listMine: async (ctx) => {
        const user = requireUser(ctx.meta);
        return { items: (await mine(em(), user.id)).map(view) };
      },

      /** Adds an address; the first one, or one asked to be, becomes the default. */
      create: async (ctx) => {
        const user = requireUser(ctx.meta);
        checkRegion(ctx.params.region);
        const id = newId('adr');
        await em().transactional(async (tx) => {
          await lockUser(tx, user.id);
          const existing = await mine(tx, user.id);
          if (existing.length >= MAX_ADDRESSES) throw new AppError('ADDRESS_LIMIT');
          const makeDefault = ctx.params.isDefault === true || existing.length === 0;
          if (makeDefault)
            await tx.execute('update addresses set is_default = false where user_id = ? and is_default', [
              user.id,
            ]);
          const { keyId, sealed } = sealPii(ring, context({ id, user_id: user.id }), {
            name: ctx.params.name,
            phone: ctx.params.phone,
            detail: ctx.params.detail,
          } satisfies Pii);
          await tx.execute(
            `insert into addresses (id, user_id, region_codes, region_names, pii, key_id, is_default)
             values (?, ?, ?::text[], ?::text[], ?, ?, ?)`,
            [
              id,
              user.id,
              `{${ctx.params.region.join(',')}}`,
              namesLiteral(ctx.params.regionNames),
              sealed,
              keyId,
              makeDefault,
            ],
          );
        });
        return view(await loadMine(em(), id, user.id));
      },

      /** Edits one of the caller's addresses; `isDefault: true` moves the default here. */
      patch: async (ctx) => {
        const user = requireUser(ctx.meta);
        const { id, isDefault, region, regionNames, ...pii } = ctx.params;
        if (region) checkRegion(region);
        await em().transactional(async (tx) => {
          await lockUser(tx, user.id);
          const row = await loadMine(tx, id, user.id);
          const next = { ...openPii<Pii>(ring, context(row), row.key_id, row.pii), ...pii };
          const { keyId, sealed } = sealPii(ring, context(row), next);
          if (isDefault === true) {
            await tx.execute(
              'update addresses set is_default = false where user_id = ? and is_default and id <> ?',
              [user.id, id],
            );
          }
          await tx.execute(
            `update addresses set pii = ?, key_id = ?, region_codes = ?::text[], region_names = ?::text[],
             is_default = ?, updated_at = now() where id = ?`,
            [
              sealed,
              keyId,
              `{${(region ?? row.region_codes).join(',')}}`,
              regionNames ? namesLiteral(regionNames) : namesLiteral(row.region_names),
              // The default moves by choosing another one; unticking it alone would leave the shopper without.
              isDefault === true ? true : row.is_default,
              id,
            ],
          );
        });
        return view(await loadMine(em(), id, user.id));
      },

      /** Deletes one of the caller's addresses; the newest other one becomes the default if this one was. */
      remove: async (ctx) => {
        const user = requireUser(ctx.meta);
        await em().transactional(async (tx) => {
          await lockUser(tx, user.id);
          const row = await loadMine(tx, ctx.params.id, user.id);
          await tx.execute('delete from addresses where id = ?', [row.id]);
          if (row.is_default) {
            await tx.execute(
              `update addresses set is_default = true where id =
               (select id from addresses where user_id = ? order by created_at desc, id desc limit 1)`,
              [user.id],
            );
          }
        });
        return { deleted: true };
      },

      /** Internal: the sealed snapshot of one of a shopper's addresses, for an order to keep. */
      snapshot: async (ctx) => {
        const rows = await em().execute<AddressRow[]>(
          'select * from addresses where id = ? and user_id = ?',
          [ctx.params.id, ctx.params.userId],
        );
        if (!rows[0]) throw new AppError('NOT_FOUND', 'No such address');
        const a = view(rows[0]);
        const snapshot: AddressSnapshot = {
          name: a.name,
          phone: a.phone,
          region: a.region,
          ...(a.regionNames ? { regionNames: a.regionNames } : {}),
          detail: a.detail,
        };
        return snapshot;
      },

      /** Admin: a shopper's addresses, masked. */
      adminListForUser: async (ctx) => {
        requireAdmin(ctx.meta);
        return { items: (await mine(em(), ctx.params.userId)).map(masked) };
      },

      /** Admin (fulfilment roles): one address in full; the read is audited before the answer leaves. */
      adminReveal: async (ctx) => {
        const admin = requireAdmin(ctx.meta);
        if (!(FULFILMENT_ROLES as readonly string[]).includes(admin.role)) throw new AppError('FORBIDDEN');
        const rows = await em().execute<AddressRow[]>('select * from addresses where id = ?', [
          ctx.params.id,
        ]);
        if (!rows[0]) throw new AppError('NOT_FOUND', 'No such address');
        const full = view(rows[0]);
        await recordAudit(em(), ctx.meta, {
          action: 'address.reveal',
          objectType: 'address',
          objectId: rows[0].id,
          detail: { userId: rows[0].user_id },
        });
        return full;
      },

      /** Seals rows again with the newest key (after a rotation); a batch per call, the sweeper calls it. */
      resealOld: async () => {
        const rows = await em().execute<AddressRow[]>('select * from addresses where key_id <> ? limit 200', [
          ring.currentId,
        ]);
        let resealed = 0;
        for (const row of rows) {
          if (!ring.keys.has(row.key_id)) continue;
          const { keyId, sealed } = sealPii(
            ring,
            context(row),
            openPii<Pii>(ring, context(row), row.key_id, row.pii),
          );
          const done = await em().execute<{ id: string }[]>(
            'update addresses set pii = ?, key_id = ? where id = ? and pii = ? returning id',
            [sealed, keyId, row.id, row.pii],
          );
          resealed += done.length;
        }
        return { resealed };
      },
    },
  });
}

function namesLiteral(names: readonly string[] | undefined): string {
  return `{${(names ?? []).map((n) => `"${n.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
