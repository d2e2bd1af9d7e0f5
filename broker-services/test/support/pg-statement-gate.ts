/**
 * A TCP proxy in front of the test's PostgreSQL that can hold statements back, so that a test can make another
 * transaction commit between two statements of the code under test (a race that otherwise needs luck). It reads
 * the frontend messages of each connection (startup, then type byte and length) and looks at the SQL of each
 * simple query (`Q`) and parse (`P`): once armed, the first statement matching `trigger` passes, and from then
 * on every statement matching `hold` waits, with everything its connection sends after it, until `release()`.
 * The backend's answers pass untouched. Only for tests: it trusts the bytes it is given.
 */
import net from 'node:net';

export interface StatementGateOptions {
  /** The statement after which holding begins (it passes itself). */
  trigger: RegExp;
  /** Statements held from then on, until release. */
  hold: RegExp;
}

export interface StatementGate {
  /** The URL of the proxy in front of the PostgreSQL of `databaseUrl` (same user and database): forwards there. */
  urlFor(databaseUrl: string): string;
  /** From now on the next statement matching `trigger` starts the hold. */
  arm(): void;
  /** Resolves once a statement is being held (the trigger passed and a statement matching `hold` came). */
  readonly held: Promise<void>;
  /** Lets every held statement (and what followed it) through; nothing is held afterwards. */
  release(): void;
  close(): Promise<void>;
}

/** The SQL of a simple query or a parse message (body without its type byte and length), else undefined. */
function statementOf(type: number, body: Buffer): string | undefined {
  if (type === 0x51) return body.toString('utf8', 0, Math.max(0, body.indexOf(0)));
  if (type === 0x50) {
    const nameEnd = body.indexOf(0);
    return body.toString('utf8', nameEnd + 1, body.indexOf(0, nameEnd + 1));
  }
  return undefined;
}

export async function startStatementGate(opts: StatementGateOptions): Promise<StatementGate> {
  let armed = false;
  let triggered = false;
  let released = false;
  let markHeld = () => {};
  const held = new Promise<void>((resolve) => {
    markHeld = resolve;
  });
  /** Connections waiting for release: each resumes by flushing what it kept back. */
  const waiting: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  let target = { host: '127.0.0.1', port: 5432 };

  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    sockets.add(client);
    sockets.add(upstream);
    upstream.pipe(client);
    let buffer = Buffer.alloc(0);
    let started = false;
    let kept: Buffer[] | undefined;
    client.on('data', (data: Buffer) => {
      if (kept) {
        kept.push(data);
        return;
      }
      buffer = Buffer.concat([buffer, data]);
      // Released: nothing is looked at any more (a connection resumed mid-message has lost its framing).
      if (released) {
        upstream.write(buffer);
        buffer = Buffer.alloc(0);
        return;
      }
      let sent = 0;
      for (;;) {
        // The startup message has no type byte; every later one has.
        const head = started ? 5 : 4;
        if (buffer.length - sent < head) break;
        const length = started ? buffer.readInt32BE(sent + 1) + 1 : buffer.readInt32BE(sent);
        if (buffer.length - sent < length) break;
        const sql = started
          ? statementOf(buffer[sent] as number, buffer.subarray(sent + 5, sent + length))
          : undefined;
        if (!started) {
          // An SSL request (code 80877103) is answered 'N' by the server and followed by the real startup.
          started = !(length === 8 && buffer.readInt32BE(sent + 4) === 80877103);
        }
        if (sql !== undefined && armed) {
          if (!triggered && opts.trigger.test(sql)) triggered = true;
          else if (triggered && opts.hold.test(sql)) {
            upstream.write(buffer.subarray(0, sent));
            kept = [buffer.subarray(sent)];
            buffer = Buffer.alloc(0);
            const own = kept;
            waiting.push(() => {
              kept = undefined;
              upstream.write(Buffer.concat(own));
            });
            markHeld();
            return;
          }
        }
        sent += length;
      }
      upstream.write(buffer.subarray(0, sent));
      buffer = buffer.subarray(sent);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('statement gate: no port');

  return {
    urlFor(databaseUrl) {
      const url = new URL(databaseUrl);
      target = { host: url.hostname, port: Number(url.port || 5432) };
      url.hostname = '127.0.0.1';
      url.port = String(address.port);
      return url.toString();
    },
    arm() {
      armed = true;
    },
    held,
    release() {
      released = true;
      for (const resume of waiting.splice(0)) resume();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
