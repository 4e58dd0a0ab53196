// The admin's post list in its order (newest first; drafts without a date by their last change), paged by key
// from any row: without this index every page sorted all the posts (100,000 on a blog moved in from elsewhere).
// The outbox's tabs (one status, newest first) likewise, without walking every mail of the other statuses.
// Frozen in time: a migration never imports application code.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index posts_admin_order on posts ((coalesce(published_at, updated_at)), id)`.execute(db)
  await db.schema.createIndex('mail_outbox_status_id').on('mail_outbox').columns(['status', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index posts_admin_order`.execute(db)
  await db.schema.dropIndex('mail_outbox_status_id').execute()
}
