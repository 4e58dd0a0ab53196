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

/** Who else sent the same text (by fingerprint) to this post since a time, whatever its status. */
export async function sameTextOnPost(db: Db, postId: number, bodyKey: string, since: string, except: number) {
  return db
    .selectFrom('comments')
    .select(['author_name', 'ip'])
    .where('post_id', '=', postId)
    .where('body_key', '=', bodyKey)
    .where('created_at', '>=', since)
    .where('id', '<>', except)
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

/**
 * Stores a comment and counts, in the same statement, the other comments with its text on its post since a time:
 * the duplicate check's common case (none) costs no round trip of its own while the write lock is held.
 */
export async function insertComment(
  db: Db,
  comment: NewComment & { status: CommentStatus; body_key: string },
  sameTextSince: string,
): Promise<{ id: number; sameText: number }> {
  const row = await db
    .insertInto('comments')
    .values(comment)
    .returning((eb) => [
      'id',
      eb
        .selectFrom('comments as other')
        .select((o) => o.fn.countAll<number>().as('n'))
        .where('other.post_id', '=', comment.post_id)
        .where('other.body_key', '=', comment.body_key)
        .where('other.created_at', '>=', sameTextSince)
        .whereRef('other.id', '<>', 'comments.id')
        .as('same_text'),
    ])
    .executeTakeFirstOrThrow()
  return { id: row.id, sameText: Number(row.same_text ?? 0) }
}
