/**
 * Each request's logger (`req.log`), made only when the request logs a line its level lets through. Fastify
 * builds a pino child per request, its bindings serialized at once; at the levels the platform runs at (warn and
 * above, see `runtime/bootstrap.ts`) nearly no request logs anything, and that child was 3% of the reservation
 * route's CPU at the bench's peak, plus its garbage. The child made on the first line is the one Fastify would
 * have made (same bindings, same options), so what is written does not change.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

/** pino's standard levels; a logger at a level not named here logs through its child at once. */
const LEVELS: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

class LazyRequestLogger implements FastifyBaseLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #made(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  /** Whether a line at `level` would be written: decided on the parent's level until the child exists. */
  #writes(level: number): boolean {
    if (this.#child) return true;
    const at = LEVELS[this.#parent.level];
    return at === undefined || level >= at;
  }

  get level(): string {
    return this.#child ? this.#child.level : this.#parent.level;
  }

  set level(level: string) {
    this.#made().level = level;
  }

  fatal(...args: unknown[]): void {
    if (!this.#writes(60)) return;
    const child = this.#made();
    Reflect.apply(child.fatal, child, args);
  }

  error(...args: unknown[]): void {
    if (!this.#writes(50)) return;
    const child = this.#made();
    Reflect.apply(child.error, child, args);
  }

  warn(...args: unknown[]): void {
    if (!this.#writes(40)) return;
    const child = this.#made();
    Reflect.apply(child.warn, child, args);
  }

  info(...args: unknown[]): void {
    if (!this.#writes(30)) return;
    const child = this.#made();
    Reflect.apply(child.info, child, args);
  }

  debug(...args: unknown[]): void {
    if (!this.#writes(20)) return;
    const child = this.#made();
    Reflect.apply(child.debug, child, args);
  }

  trace(...args: unknown[]): void {
    if (!this.#writes(10)) return;
    const child = this.#made();
    Reflect.apply(child.trace, child, args);
  }

  silent(...args: unknown[]): void {
    if (this.#child) Reflect.apply(this.#child.silent, this.#child, args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#made().child(bindings, options);
  }
}

/**
 * Fastify's `childLoggerFactory`: a request logger that makes its pino child on its first written line. A route
 * with a log level of its own gets its child at once (its level must apply from the first line).
 */
export function lazyRequestLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return options.level === undefined
    ? new LazyRequestLogger(logger, bindings, options)
    : logger.child(bindings, options);
}
