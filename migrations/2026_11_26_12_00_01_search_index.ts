// Full-text search: FTS5 on SQLite, tsvector on PostgreSQL (the dialect read from Kysely's adapter, see
// src/db/README.md). SQLite: FTS5. Accents are folded (`unicode61 remove_diacritics 2`), so `deir` finds
// `Deïr` and `chretiens` finds `chrétiens`.
//
// How the index stays in step: triggers, in the same transaction as every write and whoever writes (the admin,
// posts.write.ts, a direct UPDATE of a category, another process, a SQL shell), put the ids of the posts whose
// indexed text may have changed into `search_queue`. Turning a post's HTML into plain text needs an HTML-aware
// function SQL does not have, so the app does that part (src/search/fts.sqlite.ts) and drains the queue before
// any search reads the index, and when it starts. A write can therefore never leave the index stale: at worst
// the queue holds work that the next search does first. Deleted posts leave the index at once.
// Visibility (status, published_at) is not indexed: searches filter on it at query time, so a scheduled post
// appears when its time comes.
//
// PostgreSQL: the same queue filled by PL/pgSQL triggers, and a `posts_search` table (one row per post: the
// plain texts, for ts_headline's excerpts, and a weighted tsvector with a GIN index) that src/search/fts.postgres.ts
// fills. Two text search configurations, carnet_french and carnet_english, copy PostgreSQL's own and pass every
// word through `unaccent` before stemming, so that `deir` finds `Deïr` in searches and in highlighted excerpts.
// The unaccent extension is created here when the role may (it is a trusted extension: a database owner may);
// otherwise the migration says what a superuser must run.
// Frozen in time: a migration never imports application code.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

/** The triggers that queue posts whose indexed text may have changed. */
const enqueue = (id: string) => `insert or ignore into search_queue (post_id) values (${id});`
const TRIGGERS: Array<[name: string, when: string, body: string]> = [
  ['search_posts_insert', 'after insert on posts', enqueue('new.id')],
  ['search_posts_update', 'after update of title, body_html on posts', enqueue('new.id')],
  ['search_posts_delete', 'after delete on posts', 'delete from posts_fts where rowid = old.id;'],
  ['search_post_categories_insert', 'after insert on post_categories', enqueue('new.post_id')],
  ['search_post_categories_update', 'after update on post_categories', enqueue('old.post_id') + enqueue('new.post_id')],
  ['search_post_categories_delete', 'after delete on post_categories', enqueue('old.post_id')],
  ['search_post_tags_insert', 'after insert on post_tags', enqueue('new.post_id')],
  ['search_post_tags_update', 'after update on post_tags', enqueue('old.post_id') + enqueue('new.post_id')],
  ['search_post_tags_delete', 'after delete on post_tags', enqueue('old.post_id')],
  [
    'search_categories_update',
    'after update of name on categories',
    'insert or ignore into search_queue (post_id) select post_id from post_categories where category_id = new.id;',
  ],
]

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return upPostgres(db)
  // rowid = posts.id. Columns: title, body (plain text of body_html), categories and tags (names, joined).
  await sql`
    create virtual table posts_fts using fts5(
      title, body, categories, tags,
      tokenize = 'unicode61 remove_diacritics 2'
    )`.execute(db)
  await db.schema.createTable('search_queue').addColumn('post_id', 'integer', (c) => c.primaryKey()).execute()

  for (const [name, when, body] of TRIGGERS) {
    await sql.raw(`create trigger ${name} ${when} begin ${body} end`).execute(db)
  }
  // Existing posts: queued here, indexed by the app when it starts (it owns the HTML-to-text step).
  await sql`insert into search_queue (post_id) select id from posts`.execute(db)
}

/** The PostgreSQL side of TRIGGERS: the same queueing, in PL/pgSQL. */
const PG_TRIGGERS: Array<[table: string, events: string, body: string]> = [
  ['posts', 'insert or update of title, body_html', 'insert into search_queue (post_id) values (new.id) on conflict do nothing;'],
  ...(['post_categories', 'post_tags'] as const).map((table): [string, string, string] => [
    table,
    'insert or update or delete',
    `if tg_op <> 'INSERT' then insert into search_queue (post_id) values (old.post_id) on conflict do nothing; end if;
     if tg_op <> 'DELETE' then insert into search_queue (post_id) values (new.post_id) on conflict do nothing; end if;`,
  ]),
  [
    'categories',
    'update of name',
    'insert into search_queue (post_id) select post_id from post_categories where category_id = new.id on conflict do nothing;',
  ],
]

async function upPostgres(db: Kysely<any>): Promise<void> {
  const present = await sql`select 1 from pg_extension where extname = 'unaccent'`.execute(db)
  if (present.rows.length === 0) {
    try {
      // A savepoint: a refused CREATE EXTENSION must not abort the migration's transaction before we explain.
      await sql`savepoint carnet_unaccent`.execute(db)
      await sql`create extension unaccent`.execute(db)
      await sql`release savepoint carnet_unaccent`.execute(db)
    } catch (err) {
      await sql`rollback to savepoint carnet_unaccent`.execute(db)
      const name = (await sql<{ name: string }>`select current_database() as name`.execute(db)).rows[0]?.name
      throw new Error(
        `PostgreSQL's unaccent extension is needed for search and this role may not create it ` +
          `(${err instanceof Error ? err.message : String(err)}). Run as a superuser: ` +
          `psql -d ${name} -c 'create extension unaccent' (Debian's postgresql package includes it), then start Carnet again.`,
        { cause: err },
      )
    }
  }
  for (const language of ['french', 'english']) {
    await sql.raw(`create text search configuration carnet_${language} (copy = pg_catalog.${language})`).execute(db)
    await sql
      .raw(`alter text search configuration carnet_${language} alter mapping for hword, hword_part, word with unaccent, ${language}_stem`)
      .execute(db)
  }
  await db.schema.createTable('search_queue').addColumn('post_id', 'integer', (c) => c.primaryKey()).execute()
  await sql`
    create table posts_search (
      post_id integer primary key references posts (id) on delete cascade,
      config regconfig not null,
      title text not null,
      body text not null,
      document tsvector not null
    )`.execute(db)
  await sql`create index posts_search_document on posts_search using gin (document)`.execute(db)
  for (const [table, events, body] of PG_TRIGGERS) {
    await sql.raw(`create function search_queue_${table}() returns trigger language plpgsql as $$ begin ${body} return null; end $$`).execute(db)
    await sql.raw(`create trigger search_queue after ${events} on ${table} for each row execute function search_queue_${table}()`).execute(db)
  }
  await sql`insert into search_queue (post_id) select id from posts`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const [table] of PG_TRIGGERS) {
      await sql.raw(`drop trigger if exists search_queue on ${table}`).execute(db)
      await sql.raw(`drop function if exists search_queue_${table}()`).execute(db)
    }
    await sql`drop table posts_search`.execute(db)
    await db.schema.dropTable('search_queue').execute()
    for (const language of ['french', 'english']) await sql.raw(`drop text search configuration carnet_${language}`).execute(db)
    return
  }
  for (const [name] of TRIGGERS) await sql.raw(`drop trigger if exists ${name}`).execute(db)
  await db.schema.dropTable('search_queue').execute()
  await sql`drop table posts_fts`.execute(db)
}
