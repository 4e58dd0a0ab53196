// Announcing posts to the open web (src/content/publications.ts): for each channel (the fediverse, webmentions,
// mails by the post), when it began, and what it was told of each post — announced (at which version), skipped
// (the writer said not to), withdrawn. A post is announced once per channel, whatever instance sees it first.
// No foreign key to posts: a deleted post's row is how its withdrawal is noticed.
// Frozen in time: a migration never imports application code. Portable: Kysely's schema builder only.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('publication_channels')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('post_channels')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('post_id', 'integer', (c) => c.notNull())
    // announced | skipped | withdrawn
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('post_channels_pk', ['channel', 'post_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('post_channels').execute()
  await db.schema.dropTable('publication_channels').execute()
}
