import { Pool } from 'undici';
import type { Sample } from './stats.ts';

export interface ApiAnswer {
  status: number;
  body: unknown;
  /** `error.code` of an error body; `NETWORK_ERROR` when no response came. */
  code?: string;
  latencyMs: number;
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  token?: string;
  body?: unknown;
}

function errorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const err = (body as { error: unknown }).error;
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** The gateway seen over one undici connection pool; each request carries its own shopper's token. */
export class GatewayClient {
  readonly #pool: Pool;
  readonly #basePath: string;

  constructor(baseUrl: string, connections: number) {
    const url = new URL(baseUrl);
    this.#basePath = url.pathname.replace(/\/$/, '');
    this.#pool = new Pool(url.origin, {
      connections,
      pipelining: 1,
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
      keepAliveTimeout: 30_000,
    });
  }

  /** Sends one request; never throws for HTTP or network failures, which come back as the answer. */
  async send(req: ApiRequest): Promise<ApiAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.token) headers.authorization = `Bearer ${req.token}`;
    let payload: string | undefined;
    if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(req.body);
    }
    const start = performance.now();
    try {
      const res = await this.#pool.request({
        method: req.method,
        path: this.#basePath + req.path,
        headers,
        body: payload,
      });
      const text = await res.body.text();
      const latencyMs = performance.now() - start;
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON (a proxy's HTML error page): keep the text.
      }
      const code = res.statusCode >= 400 ? (errorCode(body) ?? 'NO_CODE') : undefined;
      return code
        ? { status: res.statusCode, body, code, latencyMs }
        : { status: res.statusCode, body, latencyMs };
    } catch (err) {
      return {
        status: 0,
        body: err instanceof Error ? err.message : String(err),
        code: 'NETWORK_ERROR',
        latencyMs: performance.now() - start,
      };
    }
  }

  /** Sends and expects a 2xx, throwing a readable error otherwise (setup steps, not load). */
  async must(req: ApiRequest, what: string): Promise<unknown> {
    const answer = await this.send(req);
    if (answer.status < 200 || answer.status >= 300) {
      throw new Error(
        `${what}: ${req.method} ${req.path} answered ${answer.status} ${JSON.stringify(answer.body)}`,
      );
    }
    return answer.body;
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}

/** A sample of the load phase from an answer. */
export function toSample(tag: string, answer: ApiAnswer): Sample {
  return answer.code
    ? { tag, status: answer.status, code: answer.code, latencyMs: answer.latencyMs }
    : { tag, status: answer.status, latencyMs: answer.latencyMs };
}

/** Reads a string field of an object answer, or throws naming it. */
export function field(body: unknown, path: string): string {
  let cur: unknown = body;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null)
      throw new Error(`answer has no ${path}: ${JSON.stringify(body)}`);
    cur = Array.isArray(cur) ? cur[Number(part)] : (cur as Record<string, unknown>)[part];
  }
  if (typeof cur !== 'string' && typeof cur !== 'number') {
    throw new Error(`answer has no ${path}: ${JSON.stringify(body)}`);
  }
  return String(cur);
}
