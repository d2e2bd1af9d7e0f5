/** The group-buy suite on real PostgreSQL, Redis and NATS (a fresh database and bus namespace). */
import { startPlatform } from '../support/platform.ts';
import { type RealServices, realServices } from './helpers.ts';
import { GROUPBUY_ENV, groupBuySuite } from './suite.ts';

const services: RealServices = await realServices(GROUPBUY_ENV);

groupBuySuite({
  mode: 'real',
  sql: services.sql,
  start: () => startPlatform({ env: { ...services.env, NODE_ID: 'groupbuy-1' } }),
  async restart(p) {
    await p.kill();
    return startPlatform({ env: { ...services.env, NODE_ID: 'groupbuy-2' } });
  },
  async cleanup(p) {
    await p?.stop();
    await services.drop();
  },
});
