// SQLite: FTS5 keeps prefix indexes of 1, 2 and 3 characters. A search's last word matches as a prefix (a
// reader still typing `qaryat` finds `Qaryatayn`); without these indexes a short prefix (`l`, `le`, `pre`) merges
// the lists of every word it begins, all of them, whatever LIMIT follows: 100–500 ms at 100,000 posts, under 1 ms
// with them. They make the index's lists (not the stored texts) about three times larger. FTS5 cannot add them
// to a table, so the table is made anew and every post queued: the app rebuilds the index in the background
// (src/search/indexer.ts) while it serves, its searches saying meanwhile that results may be incomplete.
// PostgreSQL: nothing to do (GIN matches prefixes in its own index). Frozen in time: a migration never imports
// application code.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

async function remake(db: Kysely<any>, options: string): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return
  // The delete trigger on posts names posts_fts in its body: it survives the table being made anew.
  await sql`drop table posts_fts`.execute(db)
  await sql
    .raw(`create virtual table posts_fts using fts5(title, body, categories, tags, tokenize = 'unicode61 remove_diacritics 2'${options})`)
    .execute(db)
  await sql`insert or ignore into search_queue (post_id) select id from posts`.execute(db)
}

export async function up(db: Kysely<any>): Promise<void> {
  await remake(db, `, prefix = '1 2 3'`)
}

export async function down(db: Kysely<any>): Promise<void> {
  await remake(db, '')
}
