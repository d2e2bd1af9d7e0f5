/** `GET /api/admin/campaigns/:id/live`: what the platform says about a campaign's stock and orders. */
export interface CampaignLive {
  stockTotal: number;
  stockLeft: number;
  /** Units held: orders pending payment plus reservations not yet settled into orders. */
  reserved: number;
  ordersPending: number;
  ordersPaid: number;
  ordersCancelled: number;
}

/** What the harness itself saw during the load phase. */
export interface ObservedReservations {
  /** 201 answers to reservation (or open/join) requests, each for one unit. */
  created: number;
  /** Most 201 answers any one shopper got. */
  maxPerUser: number;
  perUserLimit: number;
  /** Whether any request was answered SOLD_OUT. */
  soldOutSeen: boolean;
}

export interface CheckResult {
  name: string;
  pass: boolean;
  detail: string;
}

/** Reservations not yet settled into an order. */
export function unsettled(live: CampaignLive): number {
  return live.reserved - live.ordersPending;
}

/** Settled: every reservation became an order. */
export function isSettled(live: CampaignLive): boolean {
  return unsettled(live) === 0;
}

/** Narrows an admin API answer to CampaignLive, or throws naming the field that is missing. */
export function parseCampaignLive(body: unknown): CampaignLive {
  if (typeof body !== 'object' || body === null) throw new Error('live: not an object');
  const b = body as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const key of [
    'stockTotal',
    'stockLeft',
    'reserved',
    'ordersPending',
    'ordersPaid',
    'ordersCancelled',
  ]) {
    const v = b[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`live: ${key} is not a number`);
    out[key] = v;
  }
  return out as unknown as CampaignLive;
}

/**
 * The correctness verdict of a run, from the platform's own numbers after settlement and what the harness saw:
 * stock is conserved, no unit is sold twice, every 201 became exactly one order, no shopper beat the limit.
 */
export function checkCorrectness(
  live: CampaignLive,
  seen: ObservedReservations,
  settled: boolean,
): CheckResult[] {
  const sold = live.ordersPaid;
  const orders = live.ordersPending + live.ordersPaid + live.ordersCancelled;
  const checks: CheckResult[] = [
    {
      name: 'stock conserved: stockLeft + reserved + sold == stockTotal',
      pass: live.stockLeft + live.reserved + sold === live.stockTotal,
      detail: `${live.stockLeft} + ${live.reserved} + ${sold} = ${live.stockLeft + live.reserved + sold} vs ${live.stockTotal}`,
    },
    {
      name: 'settled: no reservation left without an order',
      pass: settled && isSettled(live),
      detail: `reserved ${live.reserved}, ordersPending ${live.ordersPending}, unsettled ${unsettled(live)}`,
    },
    {
      name: 'every 201 became one order: created == pending + paid + cancelled',
      pass: seen.created === orders,
      detail: `created ${seen.created}, orders ${live.ordersPending} + ${live.ordersPaid} + ${live.ordersCancelled} = ${orders}`,
    },
    {
      name: 'no oversell',
      pass:
        live.stockLeft >= 0 &&
        live.ordersPending + live.ordersPaid <= live.stockTotal &&
        seen.created - live.ordersCancelled <= live.stockTotal,
      detail: `stockLeft ${live.stockLeft}, live orders ${live.ordersPending + live.ordersPaid} of ${live.stockTotal}, created ${seen.created}, cancelled ${live.ordersCancelled}`,
    },
    {
      name: 'per-user limit held',
      pass: seen.maxPerUser <= seen.perUserLimit,
      detail: `most 201s for one shopper ${seen.maxPerUser}, limit ${seen.perUserLimit}`,
    },
  ];
  if (seen.soldOutSeen) {
    checks.push({
      name: 'no stock lost: SOLD_OUT only once every unit was handed out',
      pass: seen.created >= live.stockTotal,
      detail: `created ${seen.created}, stockTotal ${live.stockTotal}`,
    });
  }
  return checks;
}
