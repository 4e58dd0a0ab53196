// Queries for pinning and answering comments from the admin.
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'

type Db = Kysely<Database>

/** A comment with what answering it needs: its post's signature and state. */
export async function findCommentWithPost(db: Db, id: number) {
  return db
    .selectFrom('comments as c')
    .innerJoin('posts as p', 'p.id', 'c.post_id')
    .select([
      'c.id',
      'c.post_id',
      'c.parent_id',
      'c.author_name',
      'c.author_email',
      'c.ip',
      'c.author_actor',
      'c.body',
      'c.status',
      'c.pinned',
      'c.user_id',
      'c.created_at',
      'p.title as post_title',
      'p.signature as post_signature',
    ])
    .where('c.id', '=', id)
    .executeTakeFirst()
}

export async function setPinned(db: Db, id: number, pinned: boolean): Promise<boolean> {
  const result = await db
    .updateTable('comments')
    .set({ pinned: pinned ? 1 : 0 })
    .where('id', '=', id)
    .where('pinned', '=', pinned ? 0 : 1)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}
