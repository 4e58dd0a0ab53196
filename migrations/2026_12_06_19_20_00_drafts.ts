// Nothing a writer types is lost (issue 29): a version number on posts (a save based on an older one is refused),
// the versions a post went through (post_revisions), the editor's copies kept while typing (post_autosaves, one
// per post and writer; post_key 0 for a post not saved yet), saves posted after the session ended, held until
// their writer signs in again (pending_saves), and secret preview links to drafts (preview_links).
// Frozen in time: a migration never imports application code.
import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter } from 'kysely'

/** An integer primary key numbered by the database: SQLite's `autoincrement`, PostgreSQL's `serial`. */
function idColumn(postgres: boolean) {
  return [
    postgres ? 'serial' : 'integer',
    (c: ColumnDefinitionBuilder) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()),
  ] as const
}

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .alterTable('posts')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()

  // A saved version of a post: what the post was after a save, who saved it and when. user_name is kept as it
  // was, so that the list still says who after the account is gone.
  await db.schema
    .createTable('post_revisions')
    .addColumn('id', ...idColumn(postgres))
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('body_source', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('excerpt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('signature', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('published_at', 'text')
    // Category ids and tags as JSON lists of numbers and strings.
    .addColumn('category_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('user_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('restored_from', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('post_revisions_post').on('post_revisions').columns(['post_id', 'id']).execute()

  await db.schema
    .createTable('post_autosaves')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('post_key', 'integer', (c) => c.notNull())
    // The post's version the copy was typed over (the conflict check applies when it is restored and saved).
    .addColumn('base_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body_source', 'text', (c) => c.notNull())
    // Every field of the editor as typed (JSON).
    .addColumn('form', 'text', (c) => c.notNull())
    .addColumn('saved_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('post_autosaves_pk', ['user_id', 'post_key'])
    .execute()

  await db.schema
    .createTable('pending_saves')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('post_id', 'integer', (c) => c.references('posts.id').onDelete('cascade'))
    .addColumn('form', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('pending_saves_created').on('pending_saves').column('created_at').execute()

  await db.schema
    .createTable('preview_links')
    .addColumn('id', ...idColumn(postgres))
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('preview_links_post').on('preview_links').column('post_id').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['preview_links', 'pending_saves', 'post_autosaves', 'post_revisions']) {
    await db.schema.dropTable(table).execute()
  }
  await db.schema.alterTable('posts').dropColumn('version').execute()
}
