// SQLITE-ONLY: full-text search with FTS5. Accents are folded (`unicode61 remove_diacritics 2`), so `deir` finds
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
// PostgreSQL path: a `search tsvector` column on posts (setweight(to_tsvector('simple', unaccent(title)), 'A')
// || … body text, categories, tags), filled by the same queue or by the app, a GIN index on it,
// `websearch_to_tsquery('simple', unaccent($1))`, ts_rank for ranking and ts_headline for excerpts.
// Frozen in time: a migration never imports application code.
import { type Kysely, sql } from 'kysely'

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

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of TRIGGERS) await sql.raw(`drop trigger if exists ${name}`).execute(db)
  await db.schema.dropTable('search_queue').execute()
  await sql`drop table posts_fts`.execute(db)
}
