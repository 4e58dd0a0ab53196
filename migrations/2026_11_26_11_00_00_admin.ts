// The admin's tables: old addresses of renamed posts, the audit log, failed sign-ins (per-username limit) and
// signed-out sessions.
// Frozen in time: a migration never imports application code.
import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter } from 'kysely'

/** An integer primary key numbered by the database: SQLite's `autoincrement`, PostgreSQL's `serial`. */
function idColumn(postgres: boolean) {
  return [postgres ? 'serial' : 'integer', (c: ColumnDefinitionBuilder) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement())] as const
}

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  // A post's previous slugs: the public post route 301s them to the post's current permanent link.
  await db.schema
    .createTable('post_redirects')
    .addColumn('old_slug', 'text', (c) => c.primaryKey())
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .execute()
  await db.schema.createIndex('post_redirects_post').on('post_redirects').column('post_id').execute()

  // Who did what, when. user_id has no foreign key: the log outlives the accounts it mentions.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', ...idColumn(postgres))
    .addColumn('user_id', 'integer')
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('details', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('audit_log_created').on('audit_log').columns(['created_at', 'id']).execute()

  // Failed sign-ins, counted per username over a sliding window. In the database rather than in memory so the
  // limit holds across restarts and across every instance that shares the file.
  await db.schema
    .createTable('login_failures')
    .addColumn('id', ...idColumn(postgres))
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('login_failures_username').on('login_failures').columns(['username', 'created_at']).execute()

  // Sessions signed out before their cookie expires: the cookie is stateless, so sign-out must be remembered
  // here until the session could no longer be valid anyway.
  await db.schema
    .createTable('revoked_sessions')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['revoked_sessions', 'login_failures', 'audit_log', 'post_redirects']) {
    await db.schema.dropTable(table).execute()
  }
}
