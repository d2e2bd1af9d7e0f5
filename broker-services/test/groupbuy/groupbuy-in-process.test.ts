/**
 * The group-buy suite on the fast layer: every service in this process on its own PostgreSQL database, the
 * in-process hot-path store (as the embedded default runs it), the gateway through `inject()`, and payment and
 * group expiries reached by moving the test clock instead of waiting for them. Its restart is graceful, as the
 * embedded default's is; the SIGKILL restart is groupbuy-real.test.ts's.
 */
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';
import { GROUPBUY_ENV, groupBuySuite, type SuitePlatform } from './suite.ts';

interface FastPlatform extends SuitePlatform {
  platform: InProcessPlatform;
}

const asSuite = (p: InProcessPlatform): FastPlatform => ({
  platform: p,
  target: p.gateway,
  adminUsername: p.adminUsername,
  adminPassword: p.adminPassword,
});

groupBuySuite<FastPlatform>({
  mode: 'in-process',
  start: async () => asSuite(await startInProcess({ env: GROUPBUY_ENV, store: 'memory' })),
  restart: async (p) => asSuite(await p.platform.restart()),
  async passTime(p, ms) {
    p.platform.clock.advance(ms);
  },
  async cleanup(p) {
    await p?.platform.stop();
  },
});
