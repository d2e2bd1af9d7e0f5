import type { Sample } from './stats.ts';
import { summarizeLatency } from './stats.ts';

/** A threshold of a scenario, as k6 would state it. */
export interface ThresholdSpec {
  /** p99 of the requests with this tag (`*` for all) must stay under `p99Ms`. */
  latencyTag: string;
  p99Ms: number;
  /** Share of unexpected answers over all requests must stay under this (0.001 = 0.1%). */
  maxUnexpectedRate: number;
  /** Error codes that are correct answers under load (SOLD_OUT when stock ran out), not failures. */
  expectedCodes: readonly string[];
}

export interface ThresholdResult {
  name: string;
  limit: string;
  actual: string;
  pass: boolean;
}

/**
 * Whether an answer is a failure: a 2xx is fine, and so is a 4xx whose code is an expected refusal. Everything
 * else is unexpected: 5xx, no response, or a 4xx we did not expect (a 400 means the harness or the API broke).
 */
export function isUnexpected(sample: Sample, expectedCodes: readonly string[]): boolean {
  if (sample.status >= 200 && sample.status < 300) return false;
  if (sample.status >= 400 && sample.status < 500 && sample.code && expectedCodes.includes(sample.code))
    return false;
  return true;
}

/** Evaluates the p99 and the unexpected-error thresholds over the samples of the load phase. */
export function evaluateThresholds(samples: readonly Sample[], spec: ThresholdSpec): ThresholdResult[] {
  const tagged = spec.latencyTag === '*' ? samples : samples.filter((s) => s.tag === spec.latencyTag);
  const p99 = summarizeLatency(tagged).p99;
  const unexpected = samples.filter((s) => isUnexpected(s, spec.expectedCodes)).length;
  const rate = samples.length === 0 ? 1 : unexpected / samples.length;
  return [
    {
      name: `http_req_duration{tag:${spec.latencyTag}} p(99)`,
      limit: `< ${spec.p99Ms} ms`,
      actual: tagged.length === 0 ? 'no requests' : `${p99} ms`,
      pass: tagged.length > 0 && p99 < spec.p99Ms,
    },
    {
      name: 'unexpected_errors rate',
      limit: `< ${(spec.maxUnexpectedRate * 100).toFixed(2)}%`,
      actual: `${(rate * 100).toFixed(3)}% (${unexpected}/${samples.length})`,
      pass: samples.length > 0 && rate < spec.maxUnexpectedRate,
    },
  ];
}
