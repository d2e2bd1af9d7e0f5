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
import { settledRecords, unpaidPastExpiryUnits } from '../modules/orders/settled-records.ts';

/** Releases committed in PostgreSQL this recently are re-sent to the hot path (idempotent) in case a crash cut
 * them off between the two; many checks run within the window. */
const RELEASE_WINDOW_MS = 10 * 60_000;

/** Units of unpaid orders this long past their expiry count as stuck (the sweeper should have cancelled them). */
const STUCK_GRACE_MS = 60_000;

/** The definitions of the campaigns not over yet (those the hot path guards). */
export async function activeCampaignDefinitions(broker: ServiceBroker): Promise<CampaignDef[]> {
  const ids = await call(broker, 'campaigns.activeIds', {});
  return Promise.all(ids.map((id) => call(broker, 'campaigns.definition', { id })));
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
  const records = settledRecords(sql);
  for (const def of await activeCampaignDefinitions(broker)) {
    const id = def.id;
    try {
      const finished = await finishReleases({
        store,
        records,
        campaignId: id,
        sinceMs: deps.nowMs - RELEASE_WINDOW_MS,
      });
      if (finished > 0)
        log.warn({ campaignId: id, finished }, 'released units the hot path had not received');
      const report = await reconcileCampaign({ store, sql, records, def });
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

/** Feeds the stock gauges at scrape time from the hot path, for the campaigns not over yet. */
export function registerStockGauges(broker: ServiceBroker, store: HotPathStore): () => void {
  return registerCampaignStockSource(async () => {
    const ids = await call(broker, 'campaigns.activeIds', {});
    const out = [];
    for (const campaignId of ids) {
      const c = await store.getCampaignCounters(campaignId);
      if (c) out.push({ campaignId, stockLeft: c.stockLeft, stockTotal: c.stockTotal });
    }
    return out;
  });
}
