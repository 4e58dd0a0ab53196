// Webmention (issue 32): what other sites said about our posts, and what we told them about theirs.
// - webmentions: one row per (source, target) received, so that the same source sent again is the same mention
//   verified anew; its state (pending until the job has fetched the source, then accepted or refused), what the
//   source turned out to be (a reply, a like, a repost, a bookmark, a mention) and when it was last checked.
//   The post it names is kept while it exists (a deleted post takes its mentions with it).
// - webmention_sends: one row per (post, target) we notified, with the endpoint found, the answer's status and
//   its Location or first words. No foreign key on the post: a deleted post is announced to the same targets
//   (the spec's deletion: they fetch it again and see it is gone), so its rows must outlive it.
// Frozen in time: a migration never imports application code. Portable: Kysely's schema builder only.
import { type Kysely, PostgresAdapter } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  const id = (c: any) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement())
  const serial = postgres ? 'serial' : 'integer'

  await db.schema
    .createTable('webmentions')
    .addColumn('id', serial as 'integer', id)
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    // pending | accepted | refused
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    // reply | like | boost | bookmark | mention (accepted); gone | no-link | refused-fetch | comment-refused (refused)
    .addColumn('result', 'text')
    .addColumn('detail', 'text')
    .addColumn('author_name', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'text')
    .execute()
  await db.schema.createIndex('webmentions_source_target').on('webmentions').columns(['source', 'target']).unique().execute()
  await db.schema.createIndex('webmentions_post').on('webmentions').columns(['post_id', 'id']).execute()
  await db.schema.createIndex('webmentions_recent').on('webmentions').columns(['id']).execute()

  await db.schema
    .createTable('webmention_sends')
    .addColumn('id', serial as 'integer', id)
    .addColumn('post_id', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text')
    // pending | sent | refused | no-endpoint | failed
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('status_code', 'integer')
    .addColumn('answer', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute()
  await db.schema.createIndex('webmention_sends_post_target').on('webmention_sends').columns(['post_id', 'target']).unique().execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webmention_sends').execute()
  await db.schema.dropTable('webmentions').execute()
}
