// The admin's conversation tools (issue 18): bans, pinned comments, and the signed-in author of a comment.
// Frozen in time: a migration never imports application code.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  // One row per banned e-mail address, IP address, network or name. `value` is the normalised form that is
  // matched (lower-case address, canonical IP, `203.0.113.0/24`, folded name); `shown` is what the admin typed.
  // A ban with an expiry stops applying by itself when the time comes: matching compares expires_at with now.
  await db.schema
    .createTable('bans')
    .addColumn('id', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('shown', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    // No foreign key, as in the audit log: a ban outlives the account that made it.
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('bans_expires').on('bans').column('expires_at').execute()

  // 1 = shown first among its siblings (or first of the post's comments, for a comment that answers no one).
  await db.schema
    .alterTable('comments')
    .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  // The admin who wrote the comment while signed in (null for everyone else): the "author" mark comes from this,
  // never from the name typed. No foreign key: the comment stays when the account goes.
  await db.schema.alterTable('comments').addColumn('user_id', 'integer').execute()
  // A post's pinned comments are few: this partial index finds them without walking the thread (the columns
  // are the general index's, so that SQLite prefers this one for the pinned query).
  await db.schema
    .createIndex('comments_post_pinned')
    .on('comments')
    .columns(['post_id', 'status', 'created_at'])
    .where(sql.ref('pinned'), '=', 1)
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('comments_post_pinned').execute()
  await db.schema.alterTable('comments').dropColumn('user_id').execute()
  await db.schema.alterTable('comments').dropColumn('pinned').execute()
  await db.schema.dropTable('bans').execute()
}
