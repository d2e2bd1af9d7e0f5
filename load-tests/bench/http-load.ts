/**
 * One HTTP measurement in this process (so on the same machine as the server under test: the generator takes
 * CPU from it, which the report says): closed-loop with autocannon, or paced at a fixed rate (`overallRate`) by
 * a raw HTTP/1.1 client. Each request may be built fresh (its own token and requestId) by `next`.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
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
  /**
   * The offered rate of a paced measurement (p99 at 80% of peak), else absent: an open model, each request due at
   * an even interval and timed from when it was due, so a server that falls behind is charged for its queue.
   */
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
  if (opts.overallRate) return measurePaced(opts, opts.overallRate);
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
    ...(cpuBefore !== undefined && cpuAfter !== undefined && answered > 0
      ? { serverCpuMsPerRequest: +((cpuAfter - cpuBefore) / answered).toFixed(4) }
      : {}),
  };
}

/** One keep-alive HTTP/1.1 connection that sends a request and reads its answer (Content-Length bodies only). */
class RawConnection {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: ((status: number) => void) | undefined;
  #failed: ((err: Error) => void) | undefined;

  constructor(url: URL) {
    this.#socket = connect({ host: url.hostname, port: Number(url.port || 80) });
    this.#socket.setNoDelay(true);
    this.#socket.on('data', (chunk: Buffer) => this.#read(chunk));
    this.#socket.on('error', (err) => this.#fail(err));
    this.#socket.on('close', () => this.#fail(new Error('connection closed')));
  }

  send(request: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending = resolve;
      this.#failed = reject;
      this.#socket.write(request);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #fail(err: Error): void {
    const failed = this.#failed;
    this.#pending = undefined;
    this.#failed = undefined;
    failed?.(err);
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const headEnd = this.#buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.#buffer.toString('latin1', 0, headEnd);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.#buffer.length < headEnd + 4 + length) return;
    this.#buffer = this.#buffer.subarray(headEnd + 4 + length);
    const resolve = this.#pending;
    this.#pending = undefined;
    this.#failed = undefined;
    resolve?.(Number(head.slice(9, 12)));
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const at = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return +(sorted[at] as number).toFixed(2);
}

/**
 * A steady offered rate, which autocannon cannot give: its rate limit lets each connection send back to back
 * until it has made its share of the second and then wait for the next one (the server is saturated for most of
 * every second), and it "corrects" for coordinated omission with a 1 ms expected interval, which adds a
 * synthetic sample per millisecond of every slow answer. Here request i is due at start + i / rate and goes out
 * on the first free one of `connections` keep-alive connections (waiting for one counts), timed from when it was
 * due, after a first second sent but not counted. The client is raw HTTP/1.1 on sockets, as light as
 * autocannon's, so it takes no more CPU from the server under test.
 */
async function measurePaced(opts: HttpLoadOptions, rate: number): Promise<HttpFigures> {
  const durationMs = (opts.durationSeconds ?? 5) * 1000;
  // The first second opens the connections and reaches the steady state; it is sent but not counted.
  const warm = Math.round(rate);
  const planned = warm + Math.max(1, Math.round((rate * durationMs) / 1000));
  const url = new URL(opts.url);
  const method = opts.method ?? 'GET';
  const idle: RawConnection[] = Array.from({ length: opts.connections }, () => new RawConnection(url));
  const all = [...idle];
  const waiting: number[] = [];
  const latencies = new Float64Array(planned);
  const statusCounts: Record<string, number> = {};
  let answered = 0;
  let ok = 0;
  let errors = 0;
  let settled = 0;
  let sent = 0;
  const started = performance.now();
  const dueAt = (i: number) => started + (i * 1000) / rate;
  const build = (i: number): string => {
    const built = opts.next?.(i) ?? {};
    const headers: Record<string, string> = { ...opts.headers, ...built.headers };
    let text = `${method} ${built.path ?? opts.path} HTTP/1.1\r\nhost: ${url.host}\r\n`;
    for (const [k, v] of Object.entries(headers)) text += `${k}: ${v}\r\n`;
    const body = built.body ?? '';
    if (body || method !== 'GET') text += `content-length: ${Buffer.byteLength(body)}\r\n`;
    return `${text}\r\n${body}`;
  };
  let allDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  const run = (conn: RawConnection, i: number): void => {
    conn.send(build(i)).then(
      (status) => {
        if (i >= warm) {
          latencies[answered++] = performance.now() - dueAt(i);
          const code = String(status);
          statusCounts[code] = (statusCounts[code] ?? 0) + 1;
          if (status >= 200 && status < 300) ok++;
        }
        const next = waiting.shift();
        if (next !== undefined) run(conn, next);
        else idle.push(conn);
        if (++settled === planned) allDone();
      },
      () => {
        if (i >= warm) errors++;
        if (++settled === planned) allDone();
      },
    );
  };
  let cpuBefore: number | undefined;
  let measuredFrom = started;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(planned, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      while (sent < due) {
        if (sent === warm) {
          cpuBefore = processCpuMs(opts.serverPid);
          measuredFrom = performance.now();
        }
        const conn = idle.pop();
        if (conn) run(conn, sent);
        else waiting.push(sent);
        sent++;
      }
      if (sent >= planned) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
  const elapsedSeconds = (performance.now() - measuredFrom) / 1000;
  const cpuAfter = processCpuMs(opts.serverPid);
  for (const conn of all) conn.close();
  const sorted = latencies.slice(0, answered).sort();
  return {
    requests: answered,
    durationSeconds: +elapsedSeconds.toFixed(2),
    requestsPerSec: Math.round(answered / elapsedSeconds),
    okPerSec: Math.round(ok / elapsedSeconds),
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: percentile(sorted, 100),
    statusCounts,
    errors,
    timeouts: planned - settled,
    connections: opts.connections,
    offeredRate: rate,
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
