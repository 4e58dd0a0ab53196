// The first schema: posts, categories, tags, comments, admins and settings, with an index for every lookup the
// public pages make. Frozen in time: a migration never imports application code.
import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter, sql } from 'kysely'

/** An integer primary key numbered by the database: SQLite's `autoincrement`, PostgreSQL's `serial`. */
function idColumn(postgres: boolean) {
  return [postgres ? 'serial' : 'integer', (c: ColumnDefinitionBuilder) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement())] as const
}

export async function up(db: Kysely<any>): Promise<void> {
  // The dialect, from the adapter (see src/db/README.md): the only difference here is the id columns' type.
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .createTable('posts')
    .addColumn('id', ...idColumn(postgres))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body_source', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body_html', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('excerpt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('signature', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft').check(sql`status in ('draft', 'published')`))
    .addColumn('published_at', 'text')
    .addColumn('comments_open', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  // Home page, month archives, previous/next: published posts by date.
  await db.schema.createIndex('posts_status_published_at').on('posts').columns(['status', 'published_at']).execute()

  await db.schema
    .createTable('categories')
    .addColumn('id', ...idColumn(postgres))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('post_categories')
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('category_id', 'integer', (c) => c.notNull().references('categories.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('post_categories_pk', ['post_id', 'category_id'])
    .execute()
  // Category pages: the posts of one category.
  await db.schema.createIndex('post_categories_category').on('post_categories').columns(['category_id', 'post_id']).execute()

  await db.schema
    .createTable('post_tags')
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('post_tags_pk', ['post_id', 'position'])
    .execute()

  await db.schema
    .createTable('comments')
    .addColumn('id', ...idColumn(postgres))
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('parent_id', 'integer', (c) => c.references('comments.id').onDelete('cascade'))
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('author_email', 'text')
    .addColumn('author_url', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('approved').check(sql`status in ('pending', 'approved', 'spam')`),
    )
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .execute()
  // A post's comments and its approved count.
  await db.schema.createIndex('comments_post_status').on('comments').columns(['post_id', 'status', 'created_at']).execute()
  // Recent comments in the sidebar, the moderation queue.
  await db.schema.createIndex('comments_status_created').on('comments').columns(['status', 'created_at']).execute()
  await db.schema.createIndex('comments_parent').on('comments').column('parent_id').execute()

  await db.schema
    .createTable('users')
    .addColumn('id', ...idColumn(postgres))
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['settings', 'users', 'comments', 'post_tags', 'post_categories', 'categories', 'posts']) {
    await db.schema.dropTable(table).execute()
  }
}
