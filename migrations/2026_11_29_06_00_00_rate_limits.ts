// Rate-limit counters (comment posting, sign-in per address), kept in the database so that every instance
// sharing it counts the same requests: a limit reached through one instance holds on all of them.
// Frozen in time: a migration never imports application code.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // One row per limited key (a route and a client address): the current window's start, its count and when it
  // ends. Expired rows are pruned by the app.
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('rate_limits_expires').on('rate_limits').column('expires_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute()
}
