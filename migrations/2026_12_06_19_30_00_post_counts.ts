// The lists' counts, kept by the database in the same transaction as the write (like post_stats), instead of
// counted whole: the sidebar's categories and months and the pagers' totals walked every published post (and
// every post-category pair) after each new post, scheduled post coming due or thread closing: 3 to 7 s at
// 100,000 posts, with the whole server waiting.
// Posts only (kind 'post'): static pages are outside lists and archives.
// - `month_counts`: published posts (status 'published' with a date, due or not) per UTC month of published_at
//   ('2017-10'). The blog's own months and years are computed from them by the app, with the few hours between a
//   UTC month's start and the time zone's read from the index (src/content/post-counts.ts); the total is their sum.
// - `category_counts`: published posts (due or not) per category.
// Scheduled posts are counted from their row's writing: readers' counts subtract those not yet due (an index
// range over future dates: a few rows).
// A post's deletion is counted BEFORE it happens, while its categories are still there: the cascade that then
// deletes its post_categories rows no longer finds the post, and counts nothing twice.
// Frozen in time: a migration never imports application code. SQLite triggers below; PostgreSQL's are PL/pgSQL
// functions with the same rules.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

const COUNTED = (row: 'new' | 'old') => `${row}.kind = 'post' and ${row}.status = 'published' and ${row}.published_at is not null`
const MONTH = (row: 'new' | 'old') => `substr(${row}.published_at, 1, 7)`
const POST_COUNTED = (row: 'new' | 'old') =>
  `exists (select 1 from posts p where p.id = ${row}.post_id and p.kind = 'post' and p.status = 'published' and p.published_at is not null)`

const ADD_POST = `
  insert into month_counts (month, posts) select ${MONTH('new')}, 1 where ${COUNTED('new')}
    on conflict (month) do update set posts = month_counts.posts + 1;
  insert into category_counts (category_id, posts) select category_id, 1 from post_categories where post_id = new.id and ${COUNTED('new')}
    on conflict (category_id) do update set posts = category_counts.posts + 1;`
const REMOVE_POST = `
  update month_counts set posts = posts - 1 where ${COUNTED('old')} and month = ${MONTH('old')};
  update category_counts set posts = posts - 1
    where ${COUNTED('old')} and category_id in (select category_id from post_categories where post_id = old.id);`
const ADD_PAIR = `
  insert into category_counts (category_id, posts) select new.category_id, 1 where ${POST_COUNTED('new')}
    on conflict (category_id) do update set posts = category_counts.posts + 1;`
const REMOVE_PAIR = `
  update category_counts set posts = posts - 1 where category_id = old.category_id and ${POST_COUNTED('old')};`

const SQLITE_TRIGGERS: Array<[name: string, when: string, body: string]> = [
  ['post_counts_insert', `after insert on posts when ${COUNTED('new')}`, ADD_POST],
  [
    'post_counts_update',
    `after update of status, published_at, kind on posts when (${COUNTED('old')}) or (${COUNTED('new')})`,
    REMOVE_POST + ADD_POST,
  ],
  ['post_counts_delete', `before delete on posts when ${COUNTED('old')}`, REMOVE_POST],
  ['post_counts_pair_insert', 'after insert on post_categories', ADD_PAIR],
  ['post_counts_pair_update', 'after update on post_categories', REMOVE_PAIR + ADD_PAIR],
  ['post_counts_pair_delete', 'after delete on post_categories', REMOVE_PAIR],
]

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('month_counts')
    .addColumn('month', 'text', (c) => c.primaryKey())
    .addColumn('posts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .createTable('category_counts')
    .addColumn('category_id', 'integer', (c) => c.primaryKey().references('categories.id').onDelete('cascade'))
    .addColumn('posts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  // Counted whole once, here.
  await sql`
    insert into month_counts (month, posts)
    select substr(published_at, 1, 7), count(*) from posts where kind = 'post' and status = 'published' and published_at is not null
    group by substr(published_at, 1, 7)`.execute(db)
  await sql`
    insert into category_counts (category_id, posts)
    select pc.category_id, count(*) from post_categories pc join posts p on p.id = pc.post_id
    where p.kind = 'post' and p.status = 'published' and p.published_at is not null group by pc.category_id`.execute(db)
  if (db.getExecutor().adapter instanceof PostgresAdapter) return upPostgres(db)
  for (const [name, when, body] of SQLITE_TRIGGERS) await sql.raw(`create trigger ${name} ${when} begin ${body} end`).execute(db)
}

async function upPostgres(db: Kysely<any>): Promise<void> {
  // OLD is null in an INSERT trigger and NEW in a DELETE one: tg_op decides which is read.
  await sql
    .raw(
      `create function post_counts_posts() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') then ${REMOVE_POST} end if;
      if tg_op in ('INSERT', 'UPDATE') then ${ADD_POST} end if;
      if tg_op = 'DELETE' then return old; end if;
      return null;
    end $$`,
    )
    .execute(db)
  await sql`
    create trigger post_counts_change after insert or update of status, published_at, kind on posts
    for each row execute function post_counts_posts()`.execute(db)
  await sql`create trigger post_counts_delete before delete on posts for each row execute function post_counts_posts()`.execute(db)
  await sql
    .raw(
      `create function post_counts_pairs() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') then ${REMOVE_PAIR} end if;
      if tg_op in ('INSERT', 'UPDATE') then ${ADD_PAIR} end if;
      return null;
    end $$`,
    )
    .execute(db)
  await sql`
    create trigger post_counts_pairs after insert or update or delete on post_categories
    for each row execute function post_counts_pairs()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger if exists post_counts_change on posts`.execute(db)
    await sql`drop trigger if exists post_counts_delete on posts`.execute(db)
    await sql`drop trigger if exists post_counts_pairs on post_categories`.execute(db)
    await sql`drop function if exists post_counts_posts()`.execute(db)
    await sql`drop function if exists post_counts_pairs()`.execute(db)
  } else {
    for (const [name] of SQLITE_TRIGGERS) await sql.raw(`drop trigger if exists ${name}`).execute(db)
  }
  await db.schema.dropTable('category_counts').execute()
  await db.schema.dropTable('month_counts').execute()
}
