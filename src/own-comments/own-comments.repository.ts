// Queries for a commenter's changes to their own comment. Each takes the database or a transaction first.
import type { Kysely, Transaction } from 'kysely'
import type { CommentStatus, Database } from '../db/schema.ts'

type Db = Kysely<Database> | Transaction<Database>

/** A comment with what deciding on a change needs, and its post's row for the thread rules and the address. */
export async function findOwnTarget(db: Db, id: number) {
  return db
    .selectFrom('comments as c')
    .innerJoin('posts as p', 'p.id', 'c.post_id')
    .select([
      'c.id',
      'c.post_id',
      'c.author_name',
      'c.author_email',
      'c.author_url',
      'c.body',
      'c.status',
      'c.created_at',
      'p.slug',
      'p.title as post_title',
      'p.status as post_status',
      'p.published_at',
      'p.comments_open',
      'p.kind',
    ])
    .where('c.id', '=', id)
    .executeTakeFirst()
}

export type OwnTarget = NonNullable<Awaited<ReturnType<typeof findOwnTarget>>>

export async function updateOwnComment(
  db: Db,
  id: number,
  change: { body: string; bodyKey: string; status: CommentStatus; editedAt: string },
): Promise<void> {
  await db
    .updateTable('comments')
    .set({ body: change.body, body_key: change.bodyKey, status: change.status, edited_at: change.editedAt })
    .where('id', '=', id)
    .execute()
}

/**
 * Removes a comment. Its answers stay: they move up to its parent (or become comments of their own), rather than
 * going with it (the foreign key would delete them): other people wrote them.
 */
export async function deleteOwnComment(db: Kysely<Database>, id: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('comments').select('parent_id').where('id', '=', id).executeTakeFirst()
    if (!row) return
    await trx.updateTable('comments').set({ parent_id: row.parent_id }).where('parent_id', '=', id).execute()
    await trx.deleteFrom('comments').where('id', '=', id).execute()
  })
}
