// The duplicate check compares a fingerprint of the normalised comment text through an index, instead of
// reading and normalising a post's recent comments on every post (slow on a busy thread).
// Frozen in time: a migration never imports application code.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('comments').addColumn('body_key', 'text').execute()
  await db.schema.createIndex('comments_post_body_key').on('comments').columns(['post_id', 'body_key', 'created_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('comments_post_body_key').execute()
  await db.schema.alterTable('comments').dropColumn('body_key').execute()
}
