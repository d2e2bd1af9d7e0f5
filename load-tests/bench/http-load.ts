/**
 * One HTTP measurement in this process (so on the same machine as the server under test: the generator takes
 * CPU from it, which the report says), by a raw keep-alive HTTP/1.1 client: closed-loop (each connection sends its
 * next request when the last one is answered), or paced at a fixed rate (`overallRate`). Each request may be
 * built fresh (its own token and requestId) by `next`.
 *
 * Why not autocannon: its per-request `setupRequest` rebuilds the whole request through its request builder, and
 * measured here it took 0.037 ms of CPU per reservation request against 0.018 ms for this client (on a 2-core
 * machine, CPU taken from the server under test: the same minimal Fastify + one EVALSHA route measured 12.9k
 * requests/s under autocannon and 19.4k under this client, bare Fastify 44.1k and 48.5k).
 */
import { connect, type Socket } from 'node:net';
import { type CpuSnapshot, cpuPerAnswer, cpuSnapshot, processCpuMs } from './cpu.ts';

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
  /**
   * With `breakdown`: ms of CPU per answer by part of the machine (the server process, this generator, Redis,
   * PostgreSQL, NATS, other) and the machine's busy and idle time per answer (all cores).
   */
  cpuPerAnswer?: Record<string, number>;
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
  /** Also measure where the machine's CPU went (`cpuPerAnswer`). */
  breakdown?: boolean;
  /** Further processes to name in `cpuPerAnswer` (name → pid), e.g. a platform's services process. */
  namedPids?: Record<string, number>;
  /** Builds request i: its headers and body. */
  next?: (i: number) => { headers?: Record<string, string>; body?: string; path?: string };
}

export async function measureHttp(opts: HttpLoadOptions): Promise<HttpFigures> {
  return opts.overallRate ? measurePaced(opts, opts.overallRate) : measureClosed(opts);
}

/** Builds request i as HTTP/1.1 text: the fixed headers once, then what `next` gives for this request. */
function requestBuilder(opts: HttpLoadOptions, url: URL): (i: number) => string {
  const method = opts.method ?? 'GET';
  let fixed = `host: ${url.host}\r\n`;
  for (const [k, v] of Object.entries(opts.headers ?? {})) fixed += `${k}: ${v}\r\n`;
  return (i) => {
    const built = opts.next?.(i);
    let text = `${method} ${built?.path ?? opts.path} HTTP/1.1\r\n${fixed}`;
    if (built?.headers) for (const [k, v] of Object.entries(built.headers)) text += `${k}: ${v}\r\n`;
    const body = built?.body ?? '';
    if (body || method !== 'GET') text += `content-length: ${Buffer.byteLength(body)}\r\n`;
    return `${text}\r\n${body}`;
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
 * Closed loop: `connections` keep-alive connections, each sending its next request as soon as its last one is
 * answered, for `durationSeconds` (or until `amount` requests were sent); each answer timed from its send.
 */
async function measureClosed(opts: HttpLoadOptions): Promise<HttpFigures> {
  const url = new URL(opts.url);
  const build = requestBuilder(opts, url);
  const limit = opts.amount ?? Number.POSITIVE_INFINITY;
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  let sent = 0;
  const cpuBefore = processCpuMs(opts.serverPid);
  const machineBefore = opts.breakdown ? snapshot(opts) : undefined;
  const started = performance.now();
  const deadline = started + (opts.durationSeconds ?? 5) * 1000;
  const connections = Array.from({ length: opts.connections }, () => new RawConnection(url));
  await Promise.all(
    connections.map(async (conn) => {
      while (sent < limit && (opts.amount !== undefined || performance.now() < deadline)) {
        const request = build(sent++);
        const at = performance.now();
        let status: number;
        try {
          status = await conn.send(request);
        } catch {
          errors++;
          return;
        }
        latencies.push(performance.now() - at);
        statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        if (status >= 200 && status < 300) ok++;
      }
    }),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  const cpuAfter = processCpuMs(opts.serverPid);
  const machineAfter = opts.breakdown ? snapshot(opts) : undefined;
  for (const conn of connections) conn.close();
  return figures(opts, {
    latencies: Float64Array.from(latencies),
    statusCounts,
    ok,
    errors,
    timeouts: 0,
    elapsedSeconds,
    cpuMs: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined,
    machine: [machineBefore, machineAfter],
  });
}

/** The figures of one measurement from its raw counts. */
function figures(
  opts: HttpLoadOptions,
  m: {
    latencies: Float64Array;
    statusCounts: Record<string, number>;
    ok: number;
    errors: number;
    timeouts: number;
    elapsedSeconds: number;
    cpuMs: number | undefined;
    machine: [CpuSnapshot | undefined, CpuSnapshot | undefined];
    offeredRate?: number;
  },
): HttpFigures {
  const answered = m.latencies.length;
  const byPart = cpuPerAnswer(m.machine[0], m.machine[1], answered);
  const sorted = m.latencies.sort();
  return {
    requests: answered,
    durationSeconds: +m.elapsedSeconds.toFixed(2),
    requestsPerSec: Math.round(answered / m.elapsedSeconds),
    okPerSec: Math.round(m.ok / m.elapsedSeconds),
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: percentile(sorted, 100),
    statusCounts: m.statusCounts,
    errors: m.errors,
    timeouts: m.timeouts,
    connections: opts.connections,
    ...(m.offeredRate !== undefined ? { offeredRate: m.offeredRate } : {}),
    ...(m.cpuMs !== undefined && answered > 0
      ? { serverCpuMsPerRequest: +(m.cpuMs / answered).toFixed(4) }
      : {}),
    ...(byPart ? { cpuPerAnswer: byPart } : {}),
  };
}

function snapshot(opts: HttpLoadOptions): CpuSnapshot | undefined {
  return cpuSnapshot({ ...opts.namedPids, server: opts.serverPid, generator: process.pid });
}

/**
 * A steady offered rate, which autocannon cannot give: its rate limit lets each connection send back to back
 * until it has made its share of the second and then wait for the next one (the server is saturated for most of
 * every second), and it "corrects" for coordinated omission with a 1 ms expected interval, which adds a
 * synthetic sample per millisecond of every slow answer. Here request i is due at start + i / rate and goes out
 * on the first free one of `connections` keep-alive connections (waiting for one counts), timed from when it was
 * due, after a first second sent but not counted.
 */
async function measurePaced(opts: HttpLoadOptions, rate: number): Promise<HttpFigures> {
  const durationMs = (opts.durationSeconds ?? 5) * 1000;
  // The first second opens the connections and reaches the steady state; it is sent but not counted.
  const warm = Math.round(rate);
  const planned = warm + Math.max(1, Math.round((rate * durationMs) / 1000));
  const url = new URL(opts.url);
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
  const build = requestBuilder(opts, url);
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
  let machineBefore: CpuSnapshot | undefined;
  let measuredFrom = started;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(planned, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      while (sent < due) {
        if (sent === warm) {
          cpuBefore = processCpuMs(opts.serverPid);
          if (opts.breakdown) machineBefore = snapshot(opts);
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
  const machineAfter = opts.breakdown ? snapshot(opts) : undefined;
  for (const conn of all) conn.close();
  return figures(opts, {
    latencies: latencies.slice(0, answered),
    statusCounts,
    ok,
    errors,
    timeouts: planned - settled,
    elapsedSeconds,
    cpuMs: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined,
    machine: [machineBefore, machineAfter],
    offeredRate: rate,
  });
}

/** One line for the console. */
export function formatFigures(name: string, f: HttpFigures): string {
  const codes = Object.entries(f.statusCounts)
    .map(([c, n]) => `${c}:${n}`)
    .join(' ');
  return `${name}: ${f.requestsPerSec} req/s, ${f.okPerSec} 2xx/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms (${f.requests} answers in ${f.durationSeconds.toFixed(1)} s, ${f.connections} connections${f.offeredRate ? `, offered ${f.offeredRate}/s` : ''}${f.serverCpuMsPerRequest !== undefined ? `, server CPU ${f.serverCpuMsPerRequest} ms/answer` : ''}; ${codes}${f.errors ? `; errors ${f.errors}` : ''})${
    f.cpuPerAnswer
      ? `\n    CPU ms per answer: ${Object.entries(f.cpuPerAnswer)
          .map(([part, ms]) => `${part} ${ms}`)
          .join(', ')}`
      : ''
  }`;
}
