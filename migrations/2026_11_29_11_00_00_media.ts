// Uploaded images (src/media/). One row per distinct upload (by hash of its bytes); the files themselves live in
// the media folder, named from the hash, so several instances sharing that folder agree on every name.
// Frozen in time: a migration never imports application code.
import { type Kysely, PostgresAdapter } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // SQLite: integer primary key autoincrement; PostgreSQL: serial (Kysely's autoIncrement() is SQLite/MySQL only).
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .createTable('media')
    .addColumn('id', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('alt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('decorative', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('media_created').on('media').columns(['created_at', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('media').execute()
}
