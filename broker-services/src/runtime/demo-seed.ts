/**
 * Demo data for the embedded default: a few products, one live seckill and one live group-buy campaign. Runs
 * only on an empty catalog, so a restart keeps every id and order as it was.
 */
import type { ServiceBroker } from 'moleculer';
import type { CallerMeta } from '../broker/action.ts';
import { call } from '../broker/bus.ts';

const DAY = 86400_000;

export async function seedDemo(broker: ServiceBroker, nowMs: number): Promise<{ seeded: boolean }> {
  const meta: CallerMeta = { admin: { id: 'system', username: 'demo-seed', role: 'owner' } };
  const existing = await call(broker, 'catalog.list', {}, { meta });
  if (existing.items.length > 0) return { seeded: false };
  const category = async (name: string, parentId?: string) =>
    (await call(broker, 'catalog.createCategory', { name, ...(parentId ? { parentId } : {}) }, { meta })).id;
  const food = await category('食品生鲜');
  const teaCat = await category('茶叶', food);
  const grain = await category('米面粮油', food);
  const seafood = await category('水产海鲜', food);
  const create = async (
    title: string,
    description: string,
    categoryId: string,
    skus: { name: string; priceFen: number; stock: number }[],
  ) => call(broker, 'catalog.create', { title, description, categoryId, skus }, { meta });
  const tea = await create('西湖龙井 明前特级', '杭州西湖产区，明前采摘', teaCat, [
    { name: '100g 罐装', priceFen: 29900, stock: 200 },
    { name: '250g 礼盒', priceFen: 69900, stock: 8 },
  ]);
  const rice = await create('五常大米 稻花香', '黑龙江五常核心产区，当季新米', grain, [
    { name: '5kg', priceFen: 8990, stock: 500 },
  ]);
  await create('阳澄湖大闸蟹 礼券', '公蟹 4 两 母蟹 3 两，8 只装', seafood, [
    { name: '8 只装', priceFen: 59800, stock: 0 },
  ]);
  const start = new Date(nowMs - 60_000).toISOString();
  await call(
    broker,
    'campaigns.create',
    {
      type: 'seckill',
      title: '龙井 1 元秒杀',
      skuId: tea.skus[0]!.id,
      priceFen: 100,
      startsAt: start,
      endsAt: new Date(nowMs + 30 * DAY).toISOString(),
      stockTotal: 100,
      perUserLimit: 1,
    },
    { meta },
  );
  await call(
    broker,
    'campaigns.create',
    {
      type: 'groupbuy',
      title: '五常大米 三人团',
      skuId: rice.skus[0]!.id,
      priceFen: 5990,
      startsAt: start,
      endsAt: new Date(nowMs + 30 * DAY).toISOString(),
      stockTotal: 300,
      perUserLimit: 2,
      groupSize: 3,
      groupTtlSeconds: 24 * 3600,
    },
    { meta },
  );
  return { seeded: true };
}
