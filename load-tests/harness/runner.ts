/** A stretch of the load phase during which the arrival rate moves linearly to `target` per second. */
export interface Stage {
  durationMs: number;
  target: number;
}

/** Arrivals due by `tMs` into the run: the integral of the piecewise linear rate, starting at `startRate`. */
export function plannedArrivals(stages: readonly Stage[], startRate: number, tMs: number): number {
  let from = startRate;
  let elapsed = 0;
  let total = 0;
  for (const stage of stages) {
    const span = Math.min(Math.max(tMs - elapsed, 0), stage.durationMs);
    if (span > 0) {
      const rateAtSpan = from + ((stage.target - from) * span) / stage.durationMs;
      total += (((from + rateAtSpan) / 2) * span) / 1000;
    }
    elapsed += stage.durationMs;
    from = stage.target;
  }
  return total;
}

/** The default profile: ramp from 0 to `rate` over a quarter of the time (5 s at most), then hold. */
export function rampThenHold(durationMs: number, rate: number): Stage[] {
  const ramp = Math.min(5000, Math.floor(durationMs / 4));
  return [
    { durationMs: ramp, target: rate },
    { durationMs: durationMs - ramp, target: rate },
  ];
}

export interface ArrivalOptions {
  stages: readonly Stage[];
  startRate?: number;
  /** Iterations in flight at most; an arrival past it is dropped (counted), which keeps the model open. */
  maxInFlight: number;
  /** Hard cap on iterations started, whatever the stages say. */
  maxIterations: number;
  /** Wait this long for in-flight iterations after the last arrival. */
  drainTimeoutMs: number;
  iteration: (index: number) => Promise<void>;
}

export interface ArrivalResult {
  started: number;
  dropped: number;
  /** Iterations still running when the drain timeout passed. */
  abandoned: number;
  elapsedMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Open-model load, like k6's ramping-arrival-rate: iterations start on the schedule whether or not earlier ones
 * finished, so a slow server faces the same arrivals instead of fewer. Bounded in time (the stages plus the
 * drain timeout) and in count (`maxIterations`).
 */
export async function runArrivals(opts: ArrivalOptions): Promise<ArrivalResult> {
  const totalMs = opts.stages.reduce((a, s) => a + s.durationMs, 0);
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  let started = 0;
  let dropped = 0;
  for (;;) {
    const t = Math.min(performance.now() - start, totalMs);
    const due = Math.floor(plannedArrivals(opts.stages, opts.startRate ?? 0, t));
    while (started + dropped < due) {
      if (inFlight.size >= opts.maxInFlight || started >= opts.maxIterations) {
        dropped++;
        continue;
      }
      const p = opts.iteration(started++).then(
        () => undefined,
        () => undefined,
      );
      inFlight.add(p);
      void p.then(() => inFlight.delete(p));
    }
    if (t >= totalMs) break;
    await sleep(5);
  }
  const drained = await Promise.race([
    Promise.all(inFlight).then(() => true),
    sleep(opts.drainTimeoutMs).then(() => false),
  ]);
  return {
    started,
    dropped,
    abandoned: drained ? 0 : inFlight.size,
    elapsedMs: Math.round(performance.now() - start),
  };
}

/** Runs `task` over `items` with at most `concurrency` at once (logins before the load phase). */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}
