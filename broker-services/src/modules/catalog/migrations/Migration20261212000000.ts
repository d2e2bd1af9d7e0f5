import { Migration } from '@mikro-orm/migrations';

/**
 * The shop's catalogue: two-level categories; products gain a category, on/off sale, images, their lowest SKU
 * price and units sold (the browse sorts), and search tokens; SKUs gain their regular stock.
 *
 * Search finds Chinese titles by substring. pg_trgm cannot: a trigram index needs three characters, and a
 * two-character query such as 龙井 (the usual length of a Chinese word) falls back to a scan of every row. So
 * each title is cut into its characters and character bigrams (`shop_search_tokens`, a generated column with a
 * GIN index); a query of two or more characters asks for all its bigrams (`@>`), then checks the substring on
 * the few rows the index returns. Built-in types and operators only, so it runs unchanged on PGlite.
 */
export class Migration20261212000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function shop_search_tokens(title text) returns text[]
language sql immutable parallel safe
as $fn$
  select coalesce(array_agg(distinct tok), '{}'::text[])
  from (
    select substr(w, i, n) as tok
    from regexp_split_to_table(lower(title), '[[:space:]]+') as w,
         generate_series(1, 2) as n,
         generate_series(1, greatest(char_length(w) - n + 1, 0)) as i
  ) t
  where tok <> ''
$fn$;

create table categories (
  id text primary key,
  name text not null check (char_length(name) between 1 and 30),
  parent_id text references categories (id),
  sort_order integer not null default 0,
  created_at timestamptz not null default now()
);
create unique index categories_name_uq on categories (coalesce(parent_id, ''), name);

alter table products add column category_id text references categories (id);
alter table products add column on_sale boolean not null default true;
alter table products add column images jsonb not null default '[]'::jsonb;
alter table products add column min_price_fen integer not null default 0 check (min_price_fen >= 0);
alter table products add column sales integer not null default 0 check (sales >= 0);
alter table products add column search_tokens text[] generated always as (shop_search_tokens(title)) stored;
update products set min_price_fen = coalesce((select min(s.price_fen) from skus s where s.product_id = products.id), 0);
-- Catalogue writes are rare and searches frequent: no pending list, so no search pays for scanning one.
create index products_search_idx on products using gin (search_tokens) with (fastupdate = off);
create index products_category_idx on products (category_id, id desc);
create index products_price_idx on products (min_price_fen, id);
create index products_sales_idx on products (sales desc, id desc);

alter table skus add column stock integer not null default 0 check (stock >= 0);
`);
  }
}
