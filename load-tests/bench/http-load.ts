/**
 * One closed-loop HTTP measurement with autocannon, in this process (so on the same machine as the server under
 * test: the generator takes CPU from it, which the report says). Each request may be built fresh (its own token
 * and requestId) by `next`.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined where there is none. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

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
  /**
   * CPU the server process used per answer (ms), all its threads: steadier than requests/s when other work
   * shares the machine.
   */
  serverCpuMsPerRequest?: number;
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
  /** The server's process id, to measure its CPU per request. */
  serverPid?: number;
  /** Builds request i: its headers and body. */
  next?: (i: number) => { headers?: Record<string, string>; body?: string; path?: string };
}

export async function measureHttp(opts: HttpLoadOptions): Promise<HttpFigures> {
  let seq = 0;
  const method = opts.method ?? 'GET';
  const next = opts.next;
  const cpuBefore = processCpuMs(opts.serverPid);
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
  const cpuAfter = processCpuMs(opts.serverPid);
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
    ...(cpuBefore !== undefined && cpuAfter !== undefined && answered > 0
      ? { serverCpuMsPerRequest: +((cpuAfter - cpuBefore) / answered).toFixed(4) }
      : {}),
  };
}

/** One line for the console. */
export function formatFigures(name: string, f: HttpFigures): string {
  const codes = Object.entries(f.statusCounts)
    .map(([c, n]) => `${c}:${n}`)
    .join(' ');
  return `${name}: ${f.requestsPerSec} req/s, ${f.okPerSec} 2xx/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms (${f.requests} answers in ${f.durationSeconds.toFixed(1)} s, ${f.connections} connections${f.offeredRate ? `, offered ${f.offeredRate}/s` : ''}${f.serverCpuMsPerRequest !== undefined ? `, server CPU ${f.serverCpuMsPerRequest} ms/answer` : ''}; ${codes}${f.errors ? `; errors ${f.errors}` : ''})`;
}
