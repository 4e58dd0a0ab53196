// PostgreSQL only: the published posts in (published_at, id) order, read straight from one index. SQLite's
// posts_status_published_at already ends with the rowid (the id), so its ties are in id order and a post's
// neighbours are the first entry of an index range; PostgreSQL's index has no id, so it read the whole range
// and sorted it (~0.5 ms for a post in the middle of 1,000, growing with the blog; bench/RESULTS.md,
// 2026-11-29). The new index serves every query the old one did (its first two columns), which is dropped.
// Frozen in time: a migration never imports application code.
import { type Kysely, PostgresAdapter } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
  await db.schema.createIndex('posts_status_published_at_id').on('posts').columns(['status', 'published_at', 'id']).execute()
  await db.schema.dropIndex('posts_status_published_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
  await db.schema.createIndex('posts_status_published_at').on('posts').columns(['status', 'published_at']).execute()
  await db.schema.dropIndex('posts_status_published_at_id').execute()
}
