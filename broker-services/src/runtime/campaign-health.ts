/**
 * The periodic check of every campaign that is not over: reconciliation of the hot path against PostgreSQL
 * (rebuilding lost hot state), and the health gauges SREs alert on: drift, oversold units, units stuck in
 * unpaid orders past their expiry, the kill switch. Runs at start and then every RECONCILE_INTERVAL_SECONDS.
 */
import {
  type CampaignDef,
  finishReleases,
  type HotPathStore,
  type ReconcileReport,
  reconcileCampaign,
  type SqlRunner,
} from '@tuanmiao/hot-path';
import {
  couponsOutOfStep,
  killSwitchActive,
  oversoldUnits,
  reconciliationDriftUnits,
  reconciliationRunsTotal,
  registerCampaignStockSource,
  reservationsStuck,
} from '@tuanmiao/observability';
import type { ServiceBroker } from 'moleculer';
import type { Logger } from 'pino';
import { call } from '../broker/bus.ts';
import { CLAIMED_COUPONS, countCouponsOutOfStep } from '../modules/coupons/claims-source.ts';
import { SETTLED_RECORDS, unpaidPastExpiryUnits } from '../modules/orders/settled-records.ts';

/** Releases committed in PostgreSQL this recently are re-sent to the hot path (idempotent) in case a crash cut
 * them off between the two; many checks run within the window. */
const RELEASE_WINDOW_MS = 10 * 60_000;

/** Units of unpaid orders this long past their expiry count as stuck (the sweeper should have cancelled them). */
const STUCK_GRACE_MS = 60_000;

/**
 * Claimable coupon templates not over yet: their claims are on the hot path too. A deployment without the coupons
 * service (or a bus hiccup) lists none, rather than stopping the campaigns' settlement and checks with it.
 */
async function activeCouponTemplateIds(broker: ServiceBroker): Promise<string[]> {
  try {
    return await call(broker, 'coupons.activeIds', {});
  } catch {
    return [];
  }
}

/**
 * Every hot-path id not over yet, as settlement visits them: each stock bucket of the seckill and group-buy
 * campaigns (a shard has a stream of its own; an unbucketed campaign is its own one shard), and the claimable
 * coupon templates.
 */
export async function activeHotPathIds(broker: ServiceBroker): Promise<string[]> {
  const [shards, coupons] = await Promise.all([
    call(broker, 'campaigns.activeShardIds', {}),
    activeCouponTemplateIds(broker),
  ]);
  return [...shards, ...coupons];
}

/**
 * The campaigns and coupon templates not over yet, one id each (no bucket shards): what the stock gauges read,
 * through the store's counters summed over a campaign's buckets.
 */
export async function activeCampaignIds(broker: ServiceBroker): Promise<string[]> {
  const [campaigns, coupons] = await Promise.all([
    call(broker, 'campaigns.activeIds', {}),
    activeCouponTemplateIds(broker),
  ]);
  return [...campaigns, ...coupons];
}

/** The definitions of the campaigns and coupon templates not over yet (those the hot path guards). */
export async function activeCampaignDefinitions(broker: ServiceBroker): Promise<CampaignDef[]> {
  const [ids, couponIds] = await Promise.all([
    call(broker, 'campaigns.activeIds', {}),
    activeCouponTemplateIds(broker),
  ]);
  return Promise.all([
    ...ids.map((id) => call(broker, 'campaigns.definition', { id })),
    ...couponIds.map((id) => call(broker, 'coupons.definition', { id })),
  ]);
}

/** How far back ended campaigns are looked at for a hot state to drop (a process down that long misses some). */
const RETIRE_WINDOW_MS = 3 * 24 * 3600_000;

/**
 * Drops the hot state (Redis keys) of campaigns that ended more than `retentionMs` ago: shoppers' holdings,
 * released ids, streams and metadata would otherwise stay in Redis for good. Only once every stream of the
 * campaign is settled (`unsettled` is asked again at the next pass); nothing is lost, PostgreSQL has it all.
 * Looks at campaigns that ended within the few days before the retention ran out, so each pass reads a handful.
 */
export async function dropRetiredHotStates(deps: {
  broker: ServiceBroker;
  store: HotPathStore;
  log: Logger;
  nowMs: number;
  retentionMs: number;
}): Promise<{ dropped: string[]; unsettled: string[] }> {
  const endedBefore = deps.nowMs - deps.retentionMs;
  const retired = await call(deps.broker, 'campaigns.retiredIds', {
    endedAfter: new Date(endedBefore - RETIRE_WINDOW_MS).toISOString(),
    endedBefore: new Date(endedBefore).toISOString(),
  });
  const dropped: string[] = [];
  const unsettled: string[] = [];
  for (const { id, buckets } of retired) {
    const outcome = await deps.store.dropCampaignState(id, buckets);
    if (outcome === 'dropped') dropped.push(id);
    if (outcome === 'unsettled') unsettled.push(id);
  }
  if (dropped.length > 0) deps.log.info({ campaignIds: dropped }, 'hot state of ended campaigns dropped');
  if (unsettled.length > 0)
    deps.log.warn({ campaignIds: unsettled }, 'ended campaigns still hold unsettled entries: hot state kept');
  return { dropped, unsettled };
}

/** Logs a reconciliation that rebuilt a campaign's hot state, and why. */
export function logRebuild(log: Logger, report: ReconcileReport): void {
  if (report.outcome !== 'rebuilt') return;
  const why =
    report.reason === 'behind'
      ? 'hot path state came back behind PostgreSQL (older copy of Redis): rebuilt from PostgreSQL'
      : report.reason === 'drift'
        ? 'hot path state drifted from PostgreSQL on consecutive checks: rebuilt from PostgreSQL'
        : 'hot path state rebuilt from PostgreSQL';
  log.warn({ report }, why);
}

export async function checkCampaigns(deps: {
  broker: ServiceBroker;
  store: HotPathStore;
  sql: SqlRunner;
  log: Logger;
  nowMs: number;
  /** The first check of this process: rebuilding the in-process store then is expected, so logged at info. */
  atStart?: boolean;
}): Promise<void> {
  const { broker, store, sql, log } = deps;
  try {
    couponsOutOfStep.set(await countCouponsOutOfStep(sql));
  } catch (err) {
    log.error({ err }, 'coupon check failed');
  }
  for (const def of await activeCampaignDefinitions(broker)) {
    const id = def.id;
    if (def.type === 'coupon') {
      await checkCouponTemplate(deps, def);
      continue;
    }
    try {
      const finished = await finishReleases({
        store,
        sql,
        records: SETTLED_RECORDS,
        campaignId: id,
        sinceMs: deps.nowMs - RELEASE_WINDOW_MS,
      });
      if (finished > 0)
        log.warn({ campaignId: id, finished }, 'released units the hot path had not received');
      const report = await reconcileCampaign({ store, sql, records: SETTLED_RECORDS, def });
      reconciliationDriftUnits.set({ campaign_id: id }, report.drift);
      reconciliationRunsTotal.inc({ result: report.outcome });
      oversoldUnits.set({ campaign_id: id }, Math.max(0, report.liveUnits - def.stockTotal));
      if (report.outcome === 'rebuilt' && deps.atStart && store.kind === 'memory')
        log.info({ report }, 'in-process hot path state rebuilt from PostgreSQL at start');
      else if (report.outcome === 'rebuilt') logRebuild(log, report);
      else if (report.drift !== 0) log.warn({ report }, 'hot path drifts from PostgreSQL');
    } catch (err) {
      reconciliationRunsTotal.inc({ result: 'error' });
      log.error({ err, campaignId: id }, 'reconciliation failed');
    }
    reservationsStuck.set(
      { campaign_id: id },
      await unpaidPastExpiryUnits(sql, id, new Date(deps.nowMs - STUCK_GRACE_MS)),
    );
    killSwitchActive.set({ campaign_id: id }, def.killSwitch ? 1 : 0);
  }
}

/**
 * A coupon template's check: the same reconciliation (left + claimed unsettled + settled claims = total), drift
 * and oversold gauges as a campaign's, against its claimed coupons. Claims are never released, and there are no
 * unpaid orders or kill switch to watch.
 */
async function checkCouponTemplate(
  deps: { store: HotPathStore; sql: SqlRunner; log: Logger; atStart?: boolean },
  def: CampaignDef,
): Promise<void> {
  const { store, sql, log } = deps;
  try {
    const report = await reconcileCampaign({
      store,
      sql,
      records: SETTLED_RECORDS,
      def,
      units: CLAIMED_COUPONS,
    });
    reconciliationDriftUnits.set({ campaign_id: def.id }, report.drift);
    reconciliationRunsTotal.inc({ result: report.outcome });
    oversoldUnits.set({ campaign_id: def.id }, Math.max(0, report.liveUnits - def.stockTotal));
    if (report.outcome === 'rebuilt' && deps.atStart && store.kind === 'memory')
      log.info({ report }, 'in-process hot path state of a coupon template rebuilt from PostgreSQL at start');
    else if (report.outcome === 'rebuilt') logRebuild(log, report);
    else if (report.drift !== 0) log.warn({ report }, 'hot path drifts from PostgreSQL');
  } catch (err) {
    reconciliationRunsTotal.inc({ result: 'error' });
    log.error({ err, templateId: def.id }, 'reconciliation failed');
  }
}

/** Feeds the stock gauges at scrape time from the hot path, for the campaigns not over yet. */
export function registerStockGauges(broker: ServiceBroker, store: HotPathStore): () => void {
  return registerCampaignStockSource(async () => {
    const ids = await activeCampaignIds(broker);
    const out = [];
    for (const campaignId of ids) {
      const c = await store.getCampaignCounters(campaignId);
      if (c) out.push({ campaignId, stockLeft: c.stockLeft, stockTotal: c.stockTotal });
    }
    return out;
  });
}
