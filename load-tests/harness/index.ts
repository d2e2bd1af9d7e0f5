/** The load-test harness: `runScenario(name, options)` runs one scenario against a gateway on this machine. */
import { checkLoopbackBaseUrl, type RunOptions, type ScenarioName, scenarioDefaults } from './args.ts';
import { field, GatewayClient } from './client.ts';
import { type CampaignLive, checkCorrectness, isSettled, parseCampaignLive } from './correctness.ts';
import { type ScenarioReport, writeReport } from './report.ts';
import { mapConcurrent, plannedArrivals, rampThenHold, runArrivals } from './runner.ts';
import { type ScenarioContext, scenarios } from './scenarios.ts';
import { statusBreakdown, summarizeByTag } from './stats.ts';
import { evaluateThresholds } from './thresholds.ts';

export type { RunOptions, ScenarioName } from './args.ts';
export { scenarioNames } from './args.ts';
export type { ScenarioReport } from './report.ts';
export { formatReport } from './report.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Options with every field given; missing ones take the scenario's defaults. */
export function completeOptions(name: ScenarioName, partial: Partial<RunOptions>): RunOptions {
  const d = scenarioDefaults[name];
  return {
    baseUrl: checkLoopbackBaseUrl(partial.baseUrl ?? 'http://127.0.0.1:3000'),
    durationMs: partial.durationMs ?? d.durationMs,
    rate: partial.rate ?? d.rate,
    users: partial.users ?? d.users,
    stock: partial.stock ?? d.stock,
    maxInFlight: partial.maxInFlight ?? 512,
    connections: partial.connections ?? 64,
    settleTimeoutMs: partial.settleTimeoutMs ?? 30_000,
    adminUsername: partial.adminUsername ?? process.env.ADMIN_USERNAME ?? 'admin',
    adminPassword: partial.adminPassword ?? process.env.ADMIN_PASSWORD ?? '',
    reportDir: partial.reportDir ?? '',
    dryRun: partial.dryRun ?? true,
    stockBuckets: partial.stockBuckets ?? 1,
  };
}

async function devLogin(client: GatewayClient, openid: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const answer = await client.send({ method: 'POST', path: '/api/auth/dev', body: { openid } });
    if (answer.status === 200 || answer.status === 201) return field(answer.body, 'token');
    if (answer.status === 429 && attempt < 10) {
      await sleep(200 * (attempt + 1));
      continue;
    }
    throw new Error(`dev login of ${openid} answered ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}

async function createCampaign(ctx: Omit<ScenarioContext, 'campaignId'>, name: ScenarioName): Promise<string> {
  const { client, adminToken, options, runId } = ctx;
  const spec = scenarios[name].campaign;
  const product = await client.must(
    {
      method: 'POST',
      path: '/api/admin/products',
      token: adminToken,
      body: { title: `Load test ${name} ${runId}`, skus: [{ name: 'default', priceFen: 9900 }] },
    },
    'create product',
  );
  const startsAt = new Date(Date.now() + 2000);
  const campaign = await client.must(
    {
      method: 'POST',
      path: '/api/admin/campaigns',
      token: adminToken,
      body: {
        type: spec.type,
        title: `Load test ${name} ${runId}`,
        skuId: field(product, 'skus.0.id'),
        priceFen: 100,
        startsAt: startsAt.toISOString(),
        endsAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
        stockTotal: options.stock,
        perUserLimit: spec.perUserLimit,
        dryRun: options.dryRun,
        ...(spec.groupSize ? { groupSize: spec.groupSize, groupTtlSeconds: spec.groupTtlSeconds } : {}),
        ...(options.stockBuckets > 1 ? { stockBuckets: options.stockBuckets } : {}),
      },
    },
    'create campaign',
  );
  return field(campaign, 'id');
}

async function readLive(client: GatewayClient, token: string, campaignId: string): Promise<CampaignLive> {
  const body = await client.must(
    { method: 'GET', path: `/api/admin/campaigns/${campaignId}/live`, token },
    'campaign live',
  );
  return parseCampaignLive(body);
}

/** Polls the live numbers until every reservation has settled into an order, or the timeout passes. */
async function waitForSettlement(
  client: GatewayClient,
  token: string,
  campaignId: string,
  timeoutMs: number,
): Promise<{ live: CampaignLive; settled: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = await readLive(client, token, campaignId);
    if (isSettled(live)) return { live, settled: true };
    if (Date.now() >= deadline) return { live, settled: false };
    await sleep(500);
  }
}

const runtimeGauges = [
  'nodejs_heap_size_used_bytes',
  'process_resident_memory_bytes',
  'nodejs_active_handles_total',
];

/** Reads a few runtime gauges of the gateway from its /metrics (soak: leaks show as growth). */
async function readRuntime(client: GatewayClient): Promise<Record<string, number>> {
  const answer = await client.send({ method: 'GET', path: '/metrics' });
  const out: Record<string, number> = {};
  if (answer.status !== 200 || typeof answer.body !== 'string') return out;
  for (const name of runtimeGauges) {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(answer.body);
    if (m) out[name] = Number(m[1]);
  }
  return out;
}

/** Heap of the gateway after a forced full collection (`POST /api/admin/runtime/gc`, owner only), if allowed. */
async function heapAfterGc(client: GatewayClient, token: string): Promise<number | undefined> {
  const answer = await client.send({ method: 'POST', path: '/api/admin/runtime/gc', token });
  if (answer.status !== 200) return undefined;
  const used = (answer.body as { heapUsedAfterBytes?: unknown }).heapUsedAfterBytes;
  return typeof used === 'number' ? used : undefined;
}

/** Stops the run's campaign so that it takes no more reservations once the run is over. */
async function stopCampaign(client: GatewayClient, token: string, campaignId: string): Promise<boolean> {
  const answer = await client.send({
    method: 'POST',
    path: `/api/admin/campaigns/${campaignId}/stop`,
    token,
  });
  return answer.status === 200;
}

/**
 * Runs one scenario end to end: admin login, a fresh campaign, dev logins, the open-model load phase, then the
 * thresholds and (for stock-moving scenarios) the correctness check through the admin API after settlement.
 * Writes the JSON report when `reportDir` is set. Logs progress through `log`.
 */
export async function runScenario(
  name: ScenarioName,
  partial: Partial<RunOptions>,
  log: (line: string) => void = () => {},
): Promise<ScenarioReport> {
  const options = completeOptions(name, partial);
  const scenario = scenarios[name];
  const client = new GatewayClient(options.baseUrl, options.connections);
  const startedAt = new Date().toISOString();
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  try {
    log(`${name}: admin login as ${options.adminUsername}`);
    const adminToken = field(
      await client.must(
        {
          method: 'POST',
          path: '/api/admin/auth/login',
          body: { username: options.adminUsername, password: options.adminPassword },
        },
        'admin login (set ADMIN_USERNAME / ADMIN_PASSWORD)',
      ),
      'token',
    );
    const base = {
      client,
      options,
      runId,
      adminToken,
      tokens: [] as string[],
      samples: [],
      createdPerUser: new Array<number>(options.users).fill(0),
      soldOutSeen: false,
      groupIds: new Set<string>(),
    };
    const campaignId = await createCampaign(base, name);
    const ctx: ScenarioContext = { ...base, campaignId };
    log(`${name}: campaign ${campaignId} (stock ${options.stock}); logging in ${options.users} shoppers`);
    const openids = Array.from({ length: options.users }, (_, i) => `lt_${runId}_${i}`);
    ctx.tokens = await mapConcurrent(openids, 32, (openid) => devLogin(client, openid));
    const startsIn = Date.parse(startedAt) + 2500 - Date.now();
    if (startsIn > 0) await sleep(startsIn);

    const before = name === 'soak' ? await readRuntime(client) : {};
    const heapBefore = name === 'soak' ? await heapAfterGc(client, adminToken) : undefined;
    const stages = rampThenHold(options.durationMs, options.rate);
    log(`${name}: load phase ${options.durationMs / 1000} s, ramp to ${options.rate}/s`);
    const arrivals = await runArrivals({
      stages,
      maxInFlight: options.maxInFlight,
      maxIterations: Math.ceil(plannedArrivals(stages, 0, options.durationMs) * 1.05) + 10,
      drainTimeoutMs: 15_000,
      iteration: (i) => scenario.iteration(ctx, i),
    });
    // Samples of iterations abandoned at the drain timeout may still land; freeze what the verdict uses.
    const samples = ctx.samples.slice();
    const thresholds = evaluateThresholds(samples, scenario.thresholds);

    let live: CampaignLive | undefined;
    const correctness = [];
    if (scenario.checkStock) {
      log(`${name}: waiting for settlement (at most ${options.settleTimeoutMs / 1000} s)`);
      const settled = await waitForSettlement(client, adminToken, campaignId, options.settleTimeoutMs);
      live = settled.live;
      correctness.push(
        ...checkCorrectness(
          live,
          {
            created: ctx.createdPerUser.reduce((a, b) => a + b, 0),
            maxPerUser: Math.max(0, ...ctx.createdPerUser),
            perUserLimit: scenario.campaign.perUserLimit,
            soldOutSeen: ctx.soldOutSeen,
          },
          settled.settled,
        ),
      );
    }
    if (live && correctness.some((c) => !c.pass)) {
      // What the failure was made of: the same figures read again a little later (a read that raced settlement
      // adds up by then; a lost order does not) and the entries settlement set aside as poison.
      await sleep(2000);
      let note: string;
      try {
        const again = await readLive(client, adminToken, campaignId);
        const parked = await client.must(
          { method: 'GET', path: '/api/admin/settlement/parked?limit=100', token: adminToken },
          'parked settlement entries',
        );
        const items = (parked as { items?: { campaignId?: string; error?: string }[] }).items ?? [];
        const ours = items.filter((e) => e.campaignId === campaignId);
        note = `; 2 s later: left ${again.stockLeft} + reserved ${again.reserved} + sold ${again.ordersPaid} of ${again.stockTotal}, orders ${again.ordersPending} pending / ${again.ordersPaid} paid / ${again.ordersCancelled} cancelled; parked entries of this campaign: ${ours.length}${ours[0]?.error ? ` (first: ${ours[0].error})` : ''}`;
      } catch (err) {
        note = `; no second read: ${(err as Error).message}`;
      }
      for (const c of correctness) if (!c.pass) c.detail += note;
    }
    if (scenario.extraChecks) correctness.push(...(await scenario.extraChecks(ctx)));
    let runtime: ScenarioReport['runtime'];
    if (name === 'soak') {
      const after = await readRuntime(client);
      runtime = Object.fromEntries(
        Object.keys(before).map((k) => [k, { before: before[k] ?? 0, after: after[k] ?? 0 }]),
      );
      // Growth of the heap after a forced collection is what the run left referenced: a leak, not garbage.
      const heapAfter = await heapAfterGc(client, adminToken);
      if (heapBefore !== undefined && heapAfter !== undefined) {
        runtime.heap_used_after_forced_gc_bytes = { before: heapBefore, after: heapAfter };
      }
    }
    const campaignStopped = await stopCampaign(client, adminToken, campaignId);

    const report: ScenarioReport = {
      scenario: name,
      baseUrl: options.baseUrl,
      startedAt,
      campaignId,
      campaignStopped,
      settings: {
        durationMs: options.durationMs,
        rate: options.rate,
        users: options.users,
        stock: options.stock,
        maxInFlight: options.maxInFlight,
        dryRun: options.dryRun,
        stockBuckets: options.stockBuckets,
      },
      load: {
        requests: samples.length,
        iterations: arrivals.started,
        droppedIterations: arrivals.dropped,
        abandonedIterations: arrivals.abandoned,
        elapsedMs: arrivals.elapsedMs,
        requestsPerSecond: Math.round((samples.length / arrivals.elapsedMs) * 1000),
      },
      latencyMs: summarizeByTag(samples),
      statusBreakdown: statusBreakdown(samples),
      thresholds,
      ...(live ? { live } : {}),
      correctness,
      ...(runtime ? { runtime } : {}),
      pass: thresholds.every((t) => t.pass) && correctness.every((c) => c.pass) && arrivals.abandoned === 0,
    };
    if (options.reportDir) report.reportFile = writeReport(report, options.reportDir);
    return report;
  } finally {
    await client.close();
  }
}
