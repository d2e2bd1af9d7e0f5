/**
 * One closed-loop HTTP measurement with autocannon, in this process (so on the same machine as the server under
 * test: the generator takes CPU from it, which the report says). Each request may be built fresh (its own token
 * and requestId) by `next`.
 */
import autocannon from 'autocannon';

export interface HttpFigures {
  /** Answers received. */
  requests: number;
  durationSeconds: number;
  requestsPerSec: number;
  /** 2xx answers per second: reservations (or joins) made per second on the reservation routes. */
  okPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  connections: number;
  /** The offered rate when the measurement was rate-limited (p99 at 80% of peak), else absent. */
  offeredRate?: number;
}

export interface HttpLoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  path: string;
  connections: number;
  durationSeconds?: number;
  /** Stop after this many requests instead of after a duration. */
  amount?: number;
  overallRate?: number;
  headers?: Record<string, string>;
  /** Builds request i: its headers and body. */
  next?: (i: number) => { headers?: Record<string, string>; body?: string; path?: string };
}

export async function measureHttp(opts: HttpLoadOptions): Promise<HttpFigures> {
  let seq = 0;
  const method = opts.method ?? 'GET';
  const next = opts.next;
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    pipelining: 1,
    timeout: 10,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.durationSeconds ?? 5 }),
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    requests: [
      {
        method,
        path: opts.path,
        ...(opts.headers ? { headers: opts.headers } : {}),
        ...(next
          ? {
              setupRequest: (req) => {
                const built = next(seq++);
                return {
                  ...req,
                  ...(built.path ? { path: built.path } : {}),
                  headers: { ...opts.headers, ...built.headers },
                  ...(built.body !== undefined ? { body: built.body } : {}),
                };
              },
            }
          : {}),
      },
    ],
  });
  const statusCounts: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[code] = stat.count ?? 0;
  }
  const answered = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  const ok = result['2xx'];
  return {
    requests: answered,
    durationSeconds: result.duration,
    requestsPerSec: Math.round(answered / result.duration),
    okPerSec: Math.round(ok / result.duration),
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    connections: opts.connections,
    ...(opts.overallRate ? { offeredRate: opts.overallRate } : {}),
  };
}

/** One line for the console. */
export function formatFigures(name: string, f: HttpFigures): string {
  const codes = Object.entries(f.statusCounts)
    .map(([c, n]) => `${c}:${n}`)
    .join(' ');
  return `${name}: ${f.requestsPerSec} req/s, ${f.okPerSec} 2xx/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms (${f.requests} answers in ${f.durationSeconds.toFixed(1)} s, ${f.connections} connections${f.offeredRate ? `, offered ${f.offeredRate}/s` : ''}; ${codes}${f.errors ? `; errors ${f.errors}` : ''})`;
}
