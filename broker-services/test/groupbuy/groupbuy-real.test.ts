/** The group-buy suite on real PostgreSQL, Redis and NATS (a fresh database and bus namespace). */
import { type StartedPlatform, startPlatform } from '../support/platform.ts';
import { type RealServices, realServices } from './helpers.ts';
import { GROUPBUY_ENV, groupBuySuite, type SuitePlatform } from './suite.ts';

const services: RealServices = await realServices(GROUPBUY_ENV);

interface RealPlatform extends SuitePlatform {
  process: StartedPlatform;
}

const asSuite = (p: StartedPlatform): RealPlatform => ({
  process: p,
  target: p.baseUrl,
  adminUsername: p.adminUsername,
  adminPassword: p.adminPassword,
  failure: () =>
    p.child.exitCode !== null || process.env.GROUPBUY_DEBUG ? p.output().slice(-6000) : undefined,
});

groupBuySuite<RealPlatform>({
  mode: 'real',
  sql: services.sql,
  start: async () => asSuite(await startPlatform({ env: { ...services.env, NODE_ID: 'groupbuy-1' } })),
  async restart(p) {
    await p.process.kill();
    return asSuite(await startPlatform({ env: { ...services.env, NODE_ID: 'groupbuy-2' } }));
  },
  // Expiries come in real time here, within the suite's waits.
  passTime: async () => {},
  async cleanup(p) {
    await p?.process.stop();
    await services.drop();
  },
});
