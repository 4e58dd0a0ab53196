// "A remote author's first time" (moderation first-time, src/comments/) asks whether their actor already has an
// approved comment: an index of the comments that have an actor (few beside the form's) answers without walking
// the table.
// Frozen in time: a migration never imports application code. Portable: Kysely's schema builder only.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('comments_author_actor')
    .on('comments')
    .columns(['author_actor', 'status'])
    .where(sql.ref('author_actor'), 'is not', null)
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('comments_author_actor').execute()
}
