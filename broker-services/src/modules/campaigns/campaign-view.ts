/** Campaign status from the clock, the hot-path definition of a campaign, and its views. */
import type { CampaignDef } from '@tuanmiao/hot-path';
import type { Campaign } from './entities.ts';
import type { AdminCampaignView, CampaignStatus, CampaignView } from './schemas.ts';

export function campaignStatus(c: Campaign, nowMs: number): CampaignStatus {
  if (c.stoppedAt) return 'stopped';
  if (nowMs < c.startsAt.getTime()) return 'scheduled';
  if (nowMs >= c.endsAt.getTime()) return 'ended';
  return 'live';
}

/** A seckill or group-buy campaign as the hot path loads it. */
export function toHotPathDefinition(c: Campaign): CampaignDef & { type: Campaign['type'] } {
  return {
    id: c.id,
    type: c.type,
    title: c.title,
    skuId: c.skuId,
    priceFen: c.priceFen,
    startsAtMs: c.startsAt.getTime(),
    endsAtMs: c.endsAt.getTime(),
    stockTotal: c.stockTotal,
    perUserLimit: c.perUserLimit,
    ...(c.groupSize ? { groupSize: c.groupSize } : {}),
    ...(c.groupTtlSeconds ? { groupTtlMs: c.groupTtlSeconds * 1000 } : {}),
    stopped: c.stoppedAt !== null && c.stoppedAt !== undefined,
    killSwitch: c.killSwitch,
    dryRun: c.dryRun,
    ...(c.levelBenefits.length > 0
      ? {
          levelBenefits: c.levelBenefits.map((b) => ({
            levelCode: b.levelCode,
            ...(b.perUserLimit !== undefined ? { perUserLimit: b.perUserLimit } : {}),
            ...(b.earlyAccessMinutes !== undefined ? { earlyAccessMs: b.earlyAccessMinutes * 60_000 } : {}),
          })),
        }
      : {}),
    stockBuckets: c.stockBuckets,
  };
}

export function toCampaignView(c: Campaign, stockLeft: number, nowMs: number): CampaignView {
  return {
    id: c.id,
    type: c.type,
    title: c.title,
    productId: c.productId,
    skuId: c.skuId,
    priceFen: c.priceFen,
    originalPriceFen: c.originalPriceFen,
    startsAt: c.startsAt.toISOString(),
    endsAt: c.endsAt.toISOString(),
    stockTotal: c.stockTotal,
    stockLeft,
    perUserLimit: c.perUserLimit,
    status: campaignStatus(c, nowMs),
    ...(c.groupSize ? { groupSize: c.groupSize } : {}),
    ...(c.groupTtlSeconds ? { groupTtlSeconds: c.groupTtlSeconds } : {}),
    waitingRoom: { enabled: c.waitingRoomEnabled, admissionRatePerSecond: c.admissionRatePerSecond },
    levelBenefits: c.levelBenefits.map((b) => ({ ...b })),
    stockBuckets: c.stockBuckets,
  };
}

export function toAdminCampaignView(c: Campaign, stockLeft: number, nowMs: number): AdminCampaignView {
  return {
    ...toCampaignView(c, stockLeft, nowMs),
    killSwitch: c.killSwitch,
    dryRun: c.dryRun,
    robotFill: { enabled: c.robotFillEnabled, maxMissing: c.robotFillMaxMissing },
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
