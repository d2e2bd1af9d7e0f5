/**
 * The reference for "what one Redis round trip costs over HTTP": a minimal Fastify route that does one reserve
 * script call (the hot-path store's `reserveSeckill`, one EVALSHA) and answers 201 with the reservation, with no
 * auth, schema, rate limit or metrics. Takes a campaign it loads itself (`CAMPAIGN_ID`, stock 10,000,000) on
 * `REDIS_URL`. The user comes from the `x-user` header. Prints `listening <url>`.
 */
import { RedisHotPathStore } from '@tuanmiao/hot-path';
import Fastify from 'fastify';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const campaignId = process.env.CAMPAIGN_ID ?? 'cmp_reference';
const store = new RedisHotPathStore({ redisUrl });
const now = Date.now();
await store.loadCampaign({
  id: campaignId,
  type: 'seckill',
  title: 'reference',
  skuId: 'sku_reference',
  priceFen: 100,
  startsAtMs: now - 60_000,
  endsAtMs: now + 3_600_000,
  stockTotal: 10_000_000,
  perUserLimit: 1_000_000,
  stopped: false,
  killSwitch: false,
  dryRun: false,
});
let seq = 0;
const app = Fastify({ logger: false });
app.post<{ Body: { requestId: string; quantity: number } }>('/reserve', async (req, reply) => {
  const res = await store.reserveSeckill({
    campaignId,
    userId: String(req.headers['x-user']),
    requestId: req.body.requestId,
    quantity: req.body.quantity,
    reservationId: `rsv_ref${process.pid}_${seq++}`,
    nowMs: Date.now(),
    paymentTtlMs: 900_000,
  });
  if (!res.ok) return reply.status(409).send({ error: res.code });
  return reply.status(201).send({ reservation: res.reservation });
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening ${url}`);
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => store.close())
    .then(() => process.exit(0));
});
