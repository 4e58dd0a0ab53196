// Indexes for posting comments: the duplicate check reads a post's comments of the last minutes, and the
// first-time moderation rule asks whether an e-mail address (or, without one, a name) already has an approved
// comment. Frozen in time: a migration never imports application code.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('comments_post_created').on('comments').columns(['post_id', 'created_at']).execute()
  // E-mail addresses are compared without regard to case.
  await sql`create index comments_email_status on comments (lower(author_email), status)`.execute(db)
  await db.schema.createIndex('comments_name_status').on('comments').columns(['author_name', 'status']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['comments_name_status', 'comments_email_status', 'comments_post_created']) {
    await db.schema.dropIndex(index).execute()
  }
}
