// PostgreSQL: the search index split in two, so that a search reads few pages. `posts_search` kept each post's
// plain title and body (for ts_headline's excerpts) beside its tsvector, ~6 rows a page at 100,000 posts: a search
// read ~6,000 of its pages for a word in 7 % of them (bench/RESULTS.md). Now:
// - `posts_search` holds the post id, the configuration and the tsvector only: what a search's window reads and
//   ranks (the tsvector in the row when it fits, ~2 KB, else in TOAST, as before);
// - `posts_search_text` holds the plain title and body, read for the 10 posts a page shows;
// - `posts_listed_by_id` tells the visible posts of a window from the index alone (the posts' rows are wide:
//   1,000 of them were ~1,000 pages).
// The new table is filled by the app (it owns the HTML-to-text step): every post is queued, and the server indexes
// them in the background, newest first, in short batches that a restart resumes (src/search/indexer.ts); its
// searches say meanwhile that results may be incomplete. SQLite: nothing to do (FTS5 keeps its own structures).
// Frozen in time: a migration never imports application code.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
  await sql`drop table posts_search`.execute(db)
  await sql`
    create table posts_search (
      post_id integer primary key references posts (id) on delete cascade,
      config regconfig not null,
      document tsvector not null
    )`.execute(db)
  await sql`create index posts_search_document on posts_search using gin (document)`.execute(db)
  await sql`
    create table posts_search_text (
      post_id integer primary key references posts (id) on delete cascade,
      title text not null,
      body text not null
    )`.execute(db)
  await sql`create index posts_listed_by_id on posts (id) include (kind, status, published_at)`.execute(db)
  await sql`insert into search_queue (post_id) select id from posts on conflict do nothing`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
  await sql`drop index posts_listed_by_id`.execute(db)
  await sql`drop table posts_search_text`.execute(db)
  await sql`drop table posts_search`.execute(db)
  await sql`
    create table posts_search (
      post_id integer primary key references posts (id) on delete cascade,
      config regconfig not null,
      title text not null,
      body text not null,
      document tsvector not null
    )`.execute(db)
  await sql`create index posts_search_document on posts_search using gin (document)`.execute(db)
  await sql`insert into search_queue (post_id) select id from posts on conflict do nothing`.execute(db)
}
