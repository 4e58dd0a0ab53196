// Commenters fix their words and readers flag abuse (issue 18): when a comment was last changed by its author
// (`edited_at`, shown as "modifié"), and readers' reports. Portable (SQLite and PostgreSQL): schema builder, the id column by dialect.
// Frozen in time: a migration never imports application code.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.alterTable('comments').addColumn('edited_at', 'text').execute()

  await db.schema
    .createTable('comment_reports')
    .addColumn('id', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('comment_id', 'integer', (c) => c.notNull().references('comments.id').onDelete('cascade'))
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('spam', 'abuse', 'other')`))
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    // A keyed hash of the reporter's IP address: one report per comment and reporter, no address kept.
    .addColumn('reporter', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    // Set when an admin decides (dismisses the reports, approves, marks as spam): such reports count no more.
    .addColumn('resolved_at', 'text')
    .addUniqueConstraint('comment_reports_one_per_reporter', ['comment_id', 'reporter'])
    .execute()
  // The admin's list of reported comments: unresolved reports.
  await db.schema.createIndex('comment_reports_open').on('comment_reports').columns(['resolved_at', 'comment_id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('comment_reports').execute()
  await db.schema.alterTable('comments').dropColumn('edited_at').execute()
}
