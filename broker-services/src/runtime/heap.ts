/** The heap of this process after a forced full garbage collection: what a leak leaves, without the garbage. */
import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Type, { type Static } from 'typebox';

/** Heap of the gateway process that answered, around a forced full garbage collection (bytes, ms). */
export const HeapAfterGcView = Type.Object({
  heapUsedBeforeBytes: Type.Integer({ minimum: 0 }),
  heapUsedAfterBytes: Type.Integer({ minimum: 0 }),
  heapTotalBytes: Type.Integer({ minimum: 0 }),
  rssBytes: Type.Integer({ minimum: 0 }),
  gcMs: Type.Number({ minimum: 0 }),
});

/** Heap figures around one forced full collection, in bytes. */
export type HeapAfterGc = Static<typeof HeapAfterGcView>;

let collect: (() => void) | undefined;

/**
 * Runs a full collection and reads the heap after it. Without `--expose-gc` at start, the flag is set at run
 * time and `gc` taken from a fresh context (V8 installs it on contexts created after the flag is set).
 */
export function heapAfterForcedGc(): HeapAfterGc {
  if (!collect) {
    const global = globalThis as { gc?: () => void };
    if (typeof global.gc === 'function') {
      collect = global.gc;
    } else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  const before = getHeapStatistics().used_heap_size;
  const started = performance.now();
  collect();
  const gcMs = performance.now() - started;
  const after = getHeapStatistics();
  return {
    heapUsedBeforeBytes: before,
    heapUsedAfterBytes: after.used_heap_size,
    heapTotalBytes: after.total_heap_size,
    rssBytes: process.memoryUsage.rss(),
    gcMs: Math.round(gcMs * 10) / 10,
  };
}
