// The open web (issues 31 and 32): comments that come from elsewhere, reactions, and background jobs.
// - A comment now says where it came from (`origin`: the form, an import, the fediverse, a webmention); one that
//   came from another site keeps that site's address of it (`origin_url`: the Note's id, the webmention's
//   source), unique per post so that an Update, a Delete or a webmention sent again finds it; and who wrote it
//   there (`author_actor`: an ActivityPub actor's id or an h-card's address, `author_handle`: @name@host).
// - Reactions from elsewhere that are not comments (a like, a boost or repost, a bookmark, a mention), one row
//   each, unique by their source so that counting them twice is impossible.
// - Jobs: work done later and at most once across instances (federation deliveries, webmentions, mails by the
//   post), claimed for a while by one process, retried with a growing delay when they fail.
// Frozen in time: a migration never imports application code. Portable: Kysely's schema builder only.
import { type Kysely, PostgresAdapter } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  const id = (c: any) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement())
  const serial = postgres ? 'serial' : 'integer'

  await db.schema
    .alterTable('comments')
    .addColumn('origin', 'text', (c) => c.notNull().defaultTo('form'))
    .execute()
  await db.schema.alterTable('comments').addColumn('origin_url', 'text').execute()
  await db.schema.alterTable('comments').addColumn('author_actor', 'text').execute()
  await db.schema.alterTable('comments').addColumn('author_handle', 'text').execute()
  await db.schema.createIndex('comments_origin_url').on('comments').columns(['origin_url', 'post_id']).unique().execute()

  await db.schema
    .createTable('reactions')
    .addColumn('id', serial as 'integer', id)
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source_url', 'text', (c) => c.notNull())
    .addColumn('author_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('author_url', 'text')
    .addColumn('author_actor', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('reactions_source').on('reactions').columns(['post_id', 'kind', 'source_url']).unique().execute()

  await db.schema
    .createTable('jobs')
    .addColumn('id', serial as 'integer', id)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    // A job with a key exists once: enqueueing it again while it waits (or after it ran) does nothing.
    .addColumn('key', 'text')
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'text')
    .addColumn('last_error', 'text')
    // pending | done | failed
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute()
  await db.schema.createIndex('jobs_key').on('jobs').column('key').unique().execute()
  await db.schema.createIndex('jobs_due').on('jobs').columns(['state', 'run_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('jobs').execute()
  await db.schema.dropTable('reactions').execute()
  await db.schema.dropIndex('comments_origin_url').execute()
  for (const column of ['author_handle', 'author_actor', 'origin_url', 'origin']) {
    await db.schema.alterTable('comments').dropColumn(column).execute()
  }
}
