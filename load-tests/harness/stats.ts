/** One answered (or failed) HTTP request of a run. */
export interface Sample {
  /** What the request was for: `reserve`, `join`, `list-groups`, `campaigns`, … */
  tag: string;
  /** HTTP status; 0 when no response came (connection refused, reset, timeout). */
  status: number;
  /** The `error.code` of an error body, or `NETWORK_ERROR` when status is 0. */
  code?: string;
  latencyMs: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of ascending values: the smallest value with at least p% of values at or below it. */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.min(Math.max(rank, 1), sortedAscending.length) - 1]!;
}

export function summarizeLatency(samples: readonly Sample[]): LatencySummary {
  const sorted = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  const total = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? 0),
    mean: round(sorted.length ? total / sorted.length : 0),
  };
}

/** `201`, `409 SOLD_OUT`, `0 NETWORK_ERROR`, … with how many requests answered so. */
export function statusBreakdown(samples: readonly Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    const key = s.code ? `${s.status} ${s.code}` : String(s.status);
    out[key] = (out[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Latency per tag, and over all requests under `*`. */
export function summarizeByTag(samples: readonly Sample[]): Record<string, LatencySummary> {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const list = groups.get(s.tag) ?? [];
    list.push(s);
    groups.set(s.tag, list);
  }
  const out: Record<string, LatencySummary> = { '*': summarizeLatency(samples) };
  for (const [tag, list] of [...groups].sort(([a], [b]) => a.localeCompare(b)))
    out[tag] = summarizeLatency(list);
  return out;
}
