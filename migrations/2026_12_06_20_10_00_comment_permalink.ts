// A comment from elsewhere: the page a reader opens to see the original (a Note's `url`, which may differ from
// its id, the address Update and Delete name). Null for the form's and imports' comments, and when the remote
// site gives no page of its own (the id is then the link).
// Frozen in time: a migration never imports application code. Portable: Kysely's schema builder only.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('comments').addColumn('origin_permalink', 'text').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('comments').dropColumn('origin_permalink').execute()
}
