/**
 * (j) Catalogue search at scale: 100,000 products with Chinese titles in a fresh PostgreSQL database migrated
 * as the platform's, then the shopper's search (`browseProducts`, the code behind `GET /api/products?q=`)
 * timed per query for two-, three- and four-character words, rare and common, against the baseline of the
 * same substring filter without the bigram index (`strpos` over every row). Prints p50/p99 of each and the
 * ratio of the baselines' p99 to the index's p99. `BENCH_ONLY=search npm run bench` runs this section alone.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { migrateUp, openOrm } from '../../broker-services/src/db/orm.ts';
import { browseProducts } from '../../broker-services/src/modules/catalog/browse.ts';

export interface SearchBenchResult {
  products: number;
  queries: number;
  indexed: { p50Ms: number; p99Ms: number; meanHits: number };
  baselineScan: { p50Ms: number; p99Ms: number };
  /** Baseline p99 over the index's p99. */
  speedup: number;
}

// Words of a tea, fruit and grocery shop; titles are three of them and a spec, so two-character queries hit
// anything from a handful to thousands of rows.
const WORDS =
  `西湖 龙井 明前 特级 安溪 铁观音 浓香 清香 云南 普洱 熟茶 生茶 茶饼 武夷 岩茶 大红袍 正山 小种 红茶 绿茶
白茶 福鼎 白毫 银针 碧螺春 黄山 毛峰 六安 瓜片 信阳 毛尖 赣南 脐橙 烟台 苹果 红富士 阿克苏 冰糖心 库尔勒 香梨 海南
芒果 贵妃 台农 荔枝 妃子笑 桂味 草莓 丹东 蓝莓 车厘子 智利 五常 大米 稻花香 东北 珍珠米 小米 杂粮 燕麦 荞麦 挂面
有机 新鲜 现摘 礼盒 家庭装 original premium apple juice green organic 阳澄湖 大闸蟹 舟山 带鱼 小黄鱼 深海
鳕鱼 虾仁 牛排 羊排 土鸡 鸡蛋 鸭蛋 咸鸭蛋 高邮 蜂蜜 槐花 枣花 红枣 新疆 和田 核桃 纸皮 碧根果 夏威夷果 开心果`.split(
    /\s+/,
  );

const QUERIES = [
  '龙井',
  '明前',
  '井特',
  '普洱',
  '观音',
  '铁观音',
  '碧螺春',
  '大红袍',
  '红富士',
  '冰糖心',
  '脐橙',
  '苹果',
  '茶饼',
  '礼盒',
  '有机',
  '新鲜',
  '大闸蟹',
  '五常大米',
  '稻花香',
  '咸鸭蛋',
  'apple',
  'juice',
  '果汁',
  '毛尖',
  '核桃',
  '针白',
];

function quantile(sorted: number[], q: number): number {
  return +(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2);
}

export async function runSearchBench(opts: {
  postgresUrl: string;
  products?: number;
  rounds?: number;
  log: (line: string) => void;
}): Promise<SearchBenchResult> {
  const products = opts.products ?? 100_000;
  const rounds = opts.rounds ?? 8;
  const dbName = `tm_search_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: opts.postgresUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = new URL(opts.postgresUrl);
  url.pathname = `/${dbName}`;
  const orm = await openOrm({ clientUrl: url.toString(), poolMax: 2 });
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    await migrateUp(orm);
    const started = performance.now();
    await db.query('select setseed(0.42)');
    await db.query(
      `insert into products (id, title, min_price_fen, sales, images)
       select 'prd_' || lpad(to_hex(g), 26, '0'),
              w[1 + floor(random() * n)::int] || w[1 + floor(random() * n)::int] || ' ' ||
              w[1 + floor(random() * n)::int] || ' ' || (1 + floor(random() * 20)::int) || '斤装',
              floor(random() * 100000)::int, floor(random() * 5000)::int, '[]'::jsonb
       from generate_series(1, $1::int) g, (select $2::text[] as w, cardinality($2::text[]) as n) v`,
      [products, WORDS],
    );
    await db.query(
      `insert into skus (id, product_id, name, price_fen, stock)
       select 'sku_' || substr(id, 5), id, '标准', min_price_fen, 100 from products`,
    );
    await db.query('vacuum analyze products');
    await db.query('vacuum analyze skus');
    opts.log(
      `(j) search: ${products} products loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const em = orm.em.fork();
    const indexed: number[] = [];
    let hits = 0;
    for (const q of QUERIES) await browseProducts(em, { q, limit: 20 }); // warm the cache
    for (let r = 0; r < rounds; r++) {
      for (const q of QUERIES) {
        const t0 = performance.now();
        const page = await browseProducts(em, { q, limit: 20, sort: r % 2 ? 'sales' : 'newest' });
        indexed.push(performance.now() - t0);
        hits += page.items.length;
      }
    }
    const scan: number[] = [];
    for (const q of QUERIES) {
      const t0 = performance.now();
      await db.query(
        `select id from products where on_sale and status = 'active' and strpos(lower(title), $1) > 0
         order by id desc limit 21`,
        [q],
      );
      scan.push(performance.now() - t0);
    }
    indexed.sort((a, b) => a - b);
    scan.sort((a, b) => a - b);
    const result: SearchBenchResult = {
      products,
      queries: indexed.length,
      indexed: {
        p50Ms: quantile(indexed, 0.5),
        p99Ms: quantile(indexed, 0.99),
        meanHits: +(hits / indexed.length).toFixed(1),
      },
      baselineScan: { p50Ms: quantile(scan, 0.5), p99Ms: quantile(scan, 0.99) },
      speedup: 0,
    };
    result.speedup = +(result.baselineScan.p99Ms / Math.max(0.01, result.indexed.p99Ms)).toFixed(1);
    opts.log(
      `(j) search at ${products} products, ${result.queries} queries: bigram index p50 ${result.indexed.p50Ms} ms, ` +
        `p99 ${result.indexed.p99Ms} ms (with each page's SKUs); full scan p50 ${result.baselineScan.p50Ms} ms, ` +
        `p99 ${result.baselineScan.p99Ms} ms; ratio scan/index p99 ${result.speedup}`,
    );
    return result;
  } finally {
    await db.end();
    await orm.close(true);
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}
