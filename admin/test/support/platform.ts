/**
 * The platform the browser and contract tests run against: the lead's helper, which starts
 * `node broker-services/src/main.ts` (the embedded default) on a free port and a fresh data directory.
 */
export {
  type StartedPlatform as Platform,
  startPlatform,
} from '../../../broker-services/test/support/platform.ts';
