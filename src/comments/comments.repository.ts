// Queries for posting comments. Each takes the database or a transaction first, so that posting can check and
// write in one transaction.
import { type Kysely, sql, type Transaction } from 'kysely'
import type { CommentStatus, Database, NewComment } from '../db/schema.ts'

type Db = Kysely<Database> | Transaction<Database>

/** Of these comments, those readers can see (the only kind one may answer), with their post. */
export async function visibleComments(db: Db, ids: readonly number[]) {
  return db.selectFrom('comments').select(['id', 'post_id']).where('id', 'in', ids).where('status', '=', 'approved').execute()
}

/** Who sent the same text (by fingerprint) to this post since a time, before a comment (by id), whatever its status. */
export async function sameTextBefore(db: Db, postId: number, bodyKey: string, since: string, before: number) {
  return db
    .selectFrom('comments')
    .select(['id', 'author_name', 'author_email', 'ip', 'status'])
    .where('post_id', '=', postId)
    .where('body_key', '=', bodyKey)
    .where('created_at', '>=', since)
    .where('id', '<', before)
    .limit(100)
    .execute()
}

/**
 * Whether this commenter already has an approved comment: by e-mail, or by name when there is no e-mail; a remote
 * author by their actor.
 */
export async function hasApprovedComment(db: Db, who: { email: string | null; name: string } | { actor: string }): Promise<boolean> {
  let q = db
    .selectFrom('comments')
    .select(sql<number>`1`.as('one'))
    .where('status', '=', 'approved')
  // `is not null` said, so that SQLite uses the partial index of remote authors (comments_author_actor).
  if ('actor' in who) q = q.where('author_actor', 'is not', null).where('author_actor', '=', who.actor)
  else
    q = who.email ? q.where(sql<string>`lower(author_email)`, '=', sql<string>`lower(${who.email})`) : q.where('author_name', '=', who.name)
  return (await q.limit(1).executeTakeFirst()) !== undefined
}

/** The comments from elsewhere stored under these addresses of theirs (on any post). */
export async function remoteComments(db: Db, originUrls: readonly string[]) {
  return db
    .selectFrom('comments')
    .select(['id', 'post_id', 'origin_url', 'status', 'author_actor', 'body'])
    .where('origin_url', 'in', originUrls)
    .execute()
}

export interface RemoteChange {
  body: string
  bodyKey: string
  status: CommentStatus
  /** Null: the text did not change (edited_at stays). */
  editedAt: string | null
  authorName: string
  authorUrl: string | null
  handle: string | null
  permalink: string | null
}

/** A comment from elsewhere sent again: its text, its status as judged again, and its author's profile. */
export async function updateRemoteComment(db: Db, id: number, change: RemoteChange): Promise<void> {
  await db
    .updateTable('comments')
    .set({
      body: change.body,
      body_key: change.bodyKey,
      status: change.status,
      author_name: change.authorName,
      author_url: change.authorUrl,
      author_handle: change.handle,
      origin_permalink: change.permalink,
      ...(change.editedAt ? { edited_at: change.editedAt } : {}),
    })
    .where('id', '=', id)
    .execute()
}

/**
 * Stores comments (in the order given, which their ids follow) and counts, in the same statement, the comments
 * with each one's text on its post since a time: the duplicate check's common case (none) costs no round trip of
 * its own while the write lock is held. The count is a hint: it may include comments of the same statement.
 */
export async function insertComments(
  db: Db,
  comments: ReadonlyArray<NewComment & { status: CommentStatus; body_key: string }>,
  sameTextSince: string,
): Promise<Array<{ id: number; sameText: number }>> {
  const rows = await db
    .insertInto('comments')
    .values(comments)
    .returning((eb) => [
      'id',
      eb
        .selectFrom('comments as other')
        .select((o) => o.fn.countAll<number>().as('n'))
        .whereRef('other.post_id', '=', 'comments.post_id')
        .whereRef('other.body_key', '=', 'comments.body_key')
        .where('other.created_at', '>=', sameTextSince)
        .whereRef('other.id', '<>', 'comments.id')
        .as('same_text'),
    ])
    .execute()
  // RETURNING's order is not promised; ids are given in the order of the rows.
  return rows.map((r) => ({ id: r.id, sameText: Number(r.same_text ?? 0) })).sort((a, b) => a.id - b.id)
}

/** Removes comments stored by this transaction after all (duplicates found once they were in). */
export async function deleteComments(db: Db, ids: readonly number[]): Promise<void> {
  await db.deleteFrom('comments').where('id', 'in', ids).execute()
}

/** What deciding on a comment needs of its post: whether readers see it, whether its thread is open. */
export async function postForComment(db: Db, id: number) {
  return db.selectFrom('posts').select(['id', 'title', 'status', 'published_at', 'comments_open']).where('id', '=', id).executeTakeFirst()
}

/**
 * Removes the comments stored under this address of another site (by `actor` only, when given). Their replies
 * stay, moved up to the removed comment's parent, as when an admin deletes one. Returns how many went.
 */
export async function deleteRemoteComments(db: Kysely<Database>, originUrl: string, actor: string | null): Promise<number> {
  return db.transaction().execute(async (trx) => {
    let q = trx.selectFrom('comments').select(['id', 'parent_id']).where('origin_url', '=', originUrl)
    if (actor !== null) q = q.where('author_actor', '=', actor)
    let deleted = 0
    for (const row of await q.execute()) {
      await trx.updateTable('comments').set({ parent_id: row.parent_id }).where('parent_id', '=', row.id).execute()
      deleted += Number((await trx.deleteFrom('comments').where('id', '=', row.id).executeTakeFirst()).numDeletedRows)
    }
    return deleted
  })
}
