/**
 * The waiting room. While a campaign has it on, reservations need an admission token: signed, bound to the
 * user and the campaign, valid for a short while. Tokens are handed out at the campaign's admission rate
 * across every gateway (a per-second counter in Redis, or in process on the embedded default); the rest are
 * told their queue position and when to come back (429 QUEUED with Retry-After).
 */

import type { RedisClient } from '@tuanmiao/hot-path';
import { waitingRoomAdmittedTotal, waitingRoomQueued } from '@tuanmiao/observability';
import Type from 'typebox';
import { call } from '../../broker/bus.ts';
import { AppError } from '../../errors.ts';
import { AdmissionView } from '../../modules/campaigns/schemas.ts';
import { CampaignId } from '../../schemas/common.ts';
import type { App, GatewayOptions } from '../app.ts';
import { requireShopper } from '../auth.ts';
import { errors } from '../call.ts';
import type { ShopperLevels } from '../member-levels.ts';

export const ADMISSION_TTL_SECONDS = 120;

/** Counts arrivals in one second window; shared by every gateway in production. */
export interface ArrivalCounter {
  incr(key: string): Promise<number>;
}

export function redisArrivalCounter(redis: RedisClient): ArrivalCounter {
  return {
    async incr(key) {
      const [[, n]] = (await redis.multi().incr(key).expire(key, 5).exec()) as [[Error | null, number]];
      return n;
    },
  };
}

export function memoryArrivalCounter(): ArrivalCounter {
  const counts = new Map<string, number>();
  return {
    async incr(key) {
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      if (counts.size > 10_000) for (const k of [...counts.keys()].slice(0, 5_000)) counts.delete(k);
      return n;
    },
  };
}

interface AdmissionClaims {
  sub: string;
  kind: 'admission';
  cmp: string;
}

/** True when the token was issued by us to this user for this campaign and has not expired. */
export async function verifyAdmission(
  app: App,
  token: string,
  userId: string,
  campaignId: string,
): Promise<boolean> {
  try {
    const claims = app.jwt.verify<AdmissionClaims>(token);
    return claims.kind === 'admission' && claims.sub === userId && claims.cmp === campaignId;
  } catch {
    return false;
  }
}

export async function registerAdmissionRoute(
  app: App,
  opts: GatewayOptions,
  counter: ArrivalCounter,
  levels: ShopperLevels,
): Promise<void> {
  app.post(
    '/api/campaigns/:id/admission',
    {
      preHandler: requireShopper,
      schema: {
        tags: ['campaigns'],
        summary:
          'Waiting room: an admission token at the campaign admission rate (with the caller’s own opening time), or the queue position',
        security: [{ bearer: [] }],
        params: Type.Object({ id: CampaignId }, { additionalProperties: false }),
        response: {
          200: AdmissionView,
          ...errors(400, 401, 404, 409, 429),
        },
      },
    },
    async (req, reply) => {
      const c = await call(opts.broker, 'campaigns.get', { id: req.params.id });
      const userId = req.caller.user!.id;
      const nowMs = opts.rt.now();
      if (c.waitingRoom.enabled) {
        const second = Math.floor(nowMs / 1000);
        const arrivals = await counter.incr(`tm:{c:${c.id}}:adm:${second}`);
        const rate = c.waitingRoom.admissionRatePerSecond;
        if (arrivals > rate) {
          const position = arrivals - rate;
          const retryAfter = Math.max(1, Math.ceil(position / rate));
          waitingRoomQueued.set({ campaign_id: c.id }, position);
          reply.header('retry-after', String(retryAfter));
          throw new AppError('QUEUED', 'You are in the waiting room', {
            queuePosition: position,
            retryAfterSeconds: retryAfter,
          });
        }
        waitingRoomAdmittedTotal.inc({ campaign_id: c.id });
        // The first arrival of a new second finds the queue of the last one served.
        if (arrivals === 1) waitingRoomQueued.set({ campaign_id: c.id }, 0);
      }
      const token = app.jwt.sign({ sub: userId, kind: 'admission', cmp: c.id } as never, {
        expiresIn: ADMISSION_TTL_SECONDS,
      });
      // An early-access member's sale opens before the campaign's start: their countdown runs to their time.
      const levelCode = c.levelBenefits.length > 0 ? await levels.of(userId) : undefined;
      const early = c.levelBenefits.find((b) => b.levelCode === levelCode)?.earlyAccessMinutes ?? 0;
      return {
        token,
        expiresAt: new Date(nowMs + ADMISSION_TTL_SECONDS * 1000).toISOString(),
        opensAt: new Date(Date.parse(c.startsAt) - early * 60_000).toISOString(),
      };
    },
  );
}
