/** users: shoppers, signed in through WeChat's code2session or, where enabled, the development login. */
import type { ServiceSchema } from 'moleculer';
import { type BusEndpoint, defineService, emit } from '../../broker/bus.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { usersContract } from './contract.ts';
import type { UserView } from './schemas.ts';

export interface WechatLogin {
  code2Session(code: string): Promise<{ openid: string }>;
}

interface UserRow {
  id: string;
  openid: string;
  nickname: string | null;
  created_at: Date;
  /** True when this sign-in created the shopper. */
  created: boolean;
}

export default function createUsersService(rt: Runtime, wechat: WechatLogin): ServiceSchema {
  const view = (row: UserRow): UserView => ({
    id: row.id,
    ...(row.nickname ? { nickname: row.nickname } : {}),
    createdAt: new Date(row.created_at).toISOString(),
  });

  /** The shopper of an openid, created on first sign-in (then `user.registered` tells the gift givers). */
  async function upsertByOpenid(openid: string, ctx: BusEndpoint): Promise<UserView> {
    const rows = await rt.orm.em.fork().execute<UserRow[]>(
      `insert into users (id, openid) values (?, ?)
         on conflict (openid) do update set openid = excluded.openid returning *, (xmax = 0) as created`,
      [newId('usr'), openid],
    );
    const row = rows[0]!;
    if (row.created) void emit(ctx, 'user.registered', { version: 1, userId: row.id });
    return view(row);
  }

  return defineService(usersContract, {
    actions: {
      /** Exchanges a wx.login code for the shopper, creating the shopper on first login. */
      loginWechat: async (ctx) => {
        try {
          const session = await wechat.code2Session(ctx.params.code);
          return upsertByOpenid(session.openid, ctx);
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          if (
            code === 'WECHAT_CODE_INVALID' ||
            code === 'WECHAT_RATE_LIMITED' ||
            code === 'WECHAT_UNAVAILABLE'
          ) {
            throw new AppError(code);
          }
          if (code === 'WECHAT_LOGIN_FAILED') throw new AppError('WECHAT_LOGIN_FAILED');
          throw err;
        }
      },

      /** Internal (payments): the shopper's WeChat openid, the payer of their orders. */
      openid: async (ctx) => {
        const [u] = await rt.orm.em
          .fork()
          .execute<{ openid: string }[]>('select openid from users where id = ?', [ctx.params.id]);
        if (!u) throw new AppError('NOT_FOUND', 'No such user');
        return { openid: u.openid };
      },

      /** One shopper by id (internal: the member card, operators' points adjustments); NOT_FOUND if unknown. */
      get: async (ctx) => {
        const rows = await rt.orm.em
          .fork()
          .execute<UserRow[]>('select * from users where id = ?', [ctx.params.id]);
        if (!rows[0]) throw new AppError('NOT_FOUND', 'No such shopper');
        return view(rows[0]);
      },

      /** Development login by openid; NOT_FOUND unless DEV_LOGIN is on, so it cannot be probed for. */
      loginDev: async (ctx) => {
        if (!rt.config.devLogin) throw new AppError('NOT_FOUND', 'Route not found');
        return upsertByOpenid(`dev_${ctx.params.openid}`, ctx);
      },
    },
  });
}
