/**
 * The resources one process shares between its services: the ORM, the hot-path store, the clock, the logger.
 * Built once by main.ts (or a test) and handed to each service factory, so services stay stateless and any
 * number of processes can run them side by side.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { HotPathStore } from '@tuanmiao/hot-path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { WechatShippingClient } from '../integrations/wechat/shipping-client.ts';
import type { PaymentProvider } from '../modules/payments/provider.ts';

export interface Runtime {
  config: Config;
  orm: MikroORM;
  store: HotPathStore;
  log: Logger;
  payments: PaymentProvider;
  /** WeChat's 发货信息录入; absent unless PAYMENT_PROVIDER=wechat (other orders need no shipping record). */
  wechatShipping?: WechatShippingClient;
  /** Milliseconds since the epoch; tests may move it. */
  now(): number;
}
