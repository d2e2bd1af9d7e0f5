/**
 * `/metrics` of a group of gateway workers (node:cluster) on one port: a scrape lands on any one worker, which
 * asks the primary; the primary gathers every live worker's `getMetricsAsJSON()` and its own, and merges them
 * with prom-client's `AggregatorRegistry.aggregate` (counters and histograms summed, each gauge by its
 * `aggregator`), so one scrape answers for the whole group and Prometheus sees one target per machine.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { registry } from './registry.ts';

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

type ClusterMetricsMessage =
  | { tm: 'metrics-collect'; id: number }
  | { tm: 'metrics-json'; id: number; json: MetricsJson }
  | { tm: 'metrics-request'; id: number }
  | { tm: 'metrics-text'; id: number; text: string; error?: string };

function isClusterMetricsMessage(m: unknown): m is ClusterMetricsMessage {
  return typeof m === 'object' && m !== null && typeof (m as { tm?: unknown }).tm === 'string';
}

/** A worker that does not answer within this long is left out of the scrape rather than failing it. */
const COLLECT_TIMEOUT_MS = 2000;

let nextId = 1;

/**
 * In the primary: answers workers' requests for the group's metrics. Returns a function that stops answering.
 */
export function serveGroupMetrics(): () => void {
  const pending = new Map<number, (json: MetricsJson) => void>();
  const collect = (worker: Worker): Promise<MetricsJson | undefined> =>
    new Promise((resolve) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(undefined);
      }, COLLECT_TIMEOUT_MS);
      pending.set(id, (json) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(json);
      });
      worker.send({ tm: 'metrics-collect', id } satisfies ClusterMetricsMessage);
    });
  const groupText = async (): Promise<string> => {
    const workers = Object.values(cluster.workers ?? {}).filter(
      (w): w is Worker => w?.isConnected() === true,
    );
    const answers = await Promise.all([registry.getMetricsAsJSON(), ...workers.map(collect)]);
    const present = answers.filter((a): a is MetricsJson => a !== undefined);
    return AggregatorRegistry.aggregate(present).metrics();
  };
  const onMessage = (worker: Worker, m: unknown) => {
    if (!isClusterMetricsMessage(m)) return;
    if (m.tm === 'metrics-json') pending.get(m.id)?.(m.json);
    if (m.tm === 'metrics-request') {
      groupText().then(
        (text) => worker.send({ tm: 'metrics-text', id: m.id, text } satisfies ClusterMetricsMessage),
        (err: Error) =>
          worker.send({
            tm: 'metrics-text',
            id: m.id,
            text: '',
            error: err.message,
          } satisfies ClusterMetricsMessage),
      );
    }
  };
  cluster.on('message', onMessage);
  return () => {
    cluster.off('message', onMessage);
  };
}

const requests = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
let answering = false;

/** In a worker: answers the primary's collect requests with this worker's own metrics. Idempotent. */
export function answerMetricsCollection(): void {
  if (answering || !cluster.isWorker) return;
  answering = true;
  process.on('message', (m: unknown) => {
    if (!isClusterMetricsMessage(m)) return;
    if (m.tm === 'metrics-collect') {
      registry.getMetricsAsJSON().then(
        (json) => process.send?.({ tm: 'metrics-json', id: m.id, json } satisfies ClusterMetricsMessage),
        () => process.send?.({ tm: 'metrics-json', id: m.id, json: [] } satisfies ClusterMetricsMessage),
      );
    }
    if (m.tm === 'metrics-text') {
      const r = requests.get(m.id);
      requests.delete(m.id);
      if (m.error) r?.reject(new Error(m.error));
      else r?.resolve(m.text);
    }
  });
}

/** Whether this process is a worker of a gateway group (its `/metrics` answers for the group). */
export function inWorkerGroup(): boolean {
  return cluster.isWorker && typeof process.send === 'function';
}

/** In a worker: the whole group's exposition text, from the primary. */
export function requestGroupMetrics(): Promise<string> {
  answerMetricsCollection();
  return new Promise((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => {
      requests.delete(id);
      reject(new Error('the primary did not answer with the group metrics'));
    }, COLLECT_TIMEOUT_MS * 2);
    requests.set(id, {
      resolve: (text) => {
        clearTimeout(timer);
        resolve(text);
      },
      reject: (err) => {
        clearTimeout(timer);
        reject(err);
      },
    });
    process.send?.({ tm: 'metrics-request', id } satisfies ClusterMetricsMessage);
  });
}
