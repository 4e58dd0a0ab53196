// Addresses a post had on another engine (WordPress: the item's <link>, /?p=<id>, /YYYY/MM/DD/slug/, /slug/),
// answered with a 301 to its permanent link when no real route takes them; and the ids of imported things
// (WXR guid / wp:post_id, comment ids, Disqus ids), so that importing the same file again adds nothing.
// Frozen in time: a migration never imports application code.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('legacy_urls')
    // Normalised: a path without its trailing slash, or `/?p=<id>`.
    .addColumn('path', 'text', (c) => c.primaryKey())
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .execute()
  await db.schema.createIndex('legacy_urls_post').on('legacy_urls').column('post_id').execute()

  await db.schema
    .createTable('import_origins')
    // 'wxr-post', 'wxr-comment', 'disqus-post'…
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    // posts.id or comments.id; no foreign key (it points to either table): a deleted row stays "imported".
    .addColumn('local_id', 'integer', (c) => c.notNull())
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_origins_pk', ['kind', 'external_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_origins').execute()
  await db.schema.dropTable('legacy_urls').execute()
}
