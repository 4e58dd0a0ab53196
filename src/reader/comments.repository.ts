// Queries for posting comments. Each takes the database or a transaction first, so that posting can check and
// write in one transaction.
import { type Kysely, sql, type Transaction } from 'kysely'
import type { CommentStatus, Database, NewComment } from '../db/schema.ts'

type Db = Kysely<Database> | Transaction<Database>

/** A comment readers can see on this post: the only kind one may answer. */
export async function findVisibleComment(db: Db, postId: number, id: number) {
  return db
    .selectFrom('comments')
    .select(['id', 'author_name'])
    .where('id', '=', id)
    .where('post_id', '=', postId)
    .where('status', '=', 'approved')
    .executeTakeFirst()
}

/** Who sent the same text (by fingerprint) to this post since a time, whatever its status. */
export async function sameTextOnPost(db: Db, postId: number, bodyKey: string, since: string) {
  return db
    .selectFrom('comments')
    .select(['author_name', 'ip'])
    .where('post_id', '=', postId)
    .where('body_key', '=', bodyKey)
    .where('created_at', '>=', since)
    .limit(100)
    .execute()
}

/** Whether this commenter (by e-mail, or by name when there is no e-mail) already has an approved comment. */
export async function hasApprovedComment(db: Db, who: { email: string | null; name: string }): Promise<boolean> {
  let q = db
    .selectFrom('comments')
    .select(sql<number>`1`.as('one'))
    .where('status', '=', 'approved')
  q = who.email ? q.where(sql<string>`lower(author_email)`, '=', sql<string>`lower(${who.email})`) : q.where('author_name', '=', who.name)
  return (await q.limit(1).executeTakeFirst()) !== undefined
}

export async function insertComment(db: Db, comment: NewComment & { status: CommentStatus }): Promise<number> {
  const row = await db.insertInto('comments').values(comment).returning('id').executeTakeFirstOrThrow()
  return row.id
}
