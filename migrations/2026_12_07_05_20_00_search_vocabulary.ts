// SQLite: what a search needs beside FTS5's index, so that its cost stays near a plain word's at 100,000 posts.
// - `posts_fts_vocab` (fts5vocab, a view onto posts_fts's own index: nothing stored) lists the indexed words a
//   search's last word begins (`ville`: `ville`, `villes`), to search them by name: FTS5 would otherwise merge the
//   whole lists of every word a prefix begins, in the search and again in bm25's statistics (66,000 posts for
//   `ville`).
// - `posts_listed_by_id` tells the visible posts of a window from the index alone: the posts' rows are wide (their
//   texts), and 1,000 of them read through the primary key were ~1,000 pages. PostgreSQL has had this index since
//   2026_12_07_03_20_00_search_narrow_table.
// PostgreSQL: nothing to do. Frozen in time: a migration never imports application code.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  await sql`create virtual table posts_fts_vocab using fts5vocab(posts_fts, 'row')`.execute(db)
  await sql`create index posts_listed_by_id on posts (id, kind, status, published_at)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  await sql`drop index posts_listed_by_id`.execute(db)
  await sql`drop table posts_fts_vocab`.execute(db)
}
