// The admin's queries. Unlike the public ones they see every post, whatever its status or date.
import { type ExpressionBuilder, type Kysely, sql, type SqlBool } from 'kysely'
import { dialectOfDb } from '../db/dialect.ts'
import type { CommentOrigin, CommentStatus, Database, PostKind, PostsTable } from '../db/schema.ts'
import { visibleToReaders } from '../content/visibility.ts'
import { keyset, type Position } from './keyset.ts'

type Db = Kysely<Database>

/** Where a post stands: a published post whose time has not come is "scheduled". */
export type PostState = 'draft' | 'published' | 'scheduled'
export const POST_STATES: readonly PostState[] = ['draft', 'published', 'scheduled']

function commentCount(eb: ExpressionBuilder<Database & { p: PostsTable }, 'p'>, status: CommentStatus) {
  return eb
    .selectFrom('comments as c')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .whereRef('c.post_id', '=', 'p.id')
    .where('c.status', '=', status)
}

function inState(eb: ExpressionBuilder<Database & { p: PostsTable }, 'p'>, state: PostState, now: string) {
  if (state === 'draft') return eb('p.status', '=', 'draft')
  if (state === 'scheduled') return eb.and([eb('p.status', '=', 'published'), eb('p.published_at', '>', now)])
  return visibleToReaders(eb, now)
}

/** The admin's post list's order: newest first; drafts without a date by their last change (an index: a migration). */
const postOrderKey = sql<string>`coalesce(p.published_at, p.updated_at)`

export async function listPosts(
  db: Db,
  now: string,
  state: PostState | null,
  limit: number,
  at: Position | null,
  authorId: number | null = null,
  kind: PostKind = 'post',
) {
  let q = db
    .selectFrom('posts as p')
    .select(['p.id', 'p.slug', 'p.title', 'p.status', 'p.published_at', 'p.comments_open', 'p.updated_at', 'p.submitted_at', 'p.kind'])
    .where('p.kind', '=', kind)
    .select((eb) => commentCount(eb, 'approved').as('approved_count'))
    .select((eb) => commentCount(eb, 'pending').as('pending_count'))
  if (state) q = q.where((eb) => inState(eb, state, now))
  // An author's or a contributor's list: their own posts (src/admin/permissions.ts).
  if (authorId !== null) q = q.where('p.author_id', '=', authorId)
  // Published and scheduled posts all have a date: the same order by published_at itself reads the (kind, status,
  // published_at) index in order (by the coalesce, SQLite sorted every published post: 2 s at 100,000).
  const orderKey = state === 'published' || state === 'scheduled' ? sql<string>`p.published_at` : postOrderKey
  const page = keyset(orderKey, sql.ref('p.id'), 'desc', at)
  if (page.where) q = q.where(page.where)
  return q.select(orderKey.as('order_key')).orderBy(orderKey, page.direction).orderBy('p.id', page.direction).limit(limit).execute()
}

export type AdminPostRow = Awaited<ReturnType<typeof listPosts>>[number]

export async function countPostsByState(db: Db, now: string): Promise<Record<PostState, number>> {
  const row = await db
    .selectFrom('posts as p')
    .select((eb) => [
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(inState(eb, 'draft', now))
            .then(1)
            .else(0)
            .end(),
        )
        .as('draft'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(inState(eb, 'published', now))
            .then(1)
            .else(0)
            .end(),
        )
        .as('published'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(inState(eb, 'scheduled', now))
            .then(1)
            .else(0)
            .end(),
        )
        .as('scheduled'),
    ])
    .where('p.kind', '=', 'post')
    .executeTakeFirstOrThrow()
  return { draft: Number(row.draft ?? 0), published: Number(row.published ?? 0), scheduled: Number(row.scheduled ?? 0) }
}

export async function findPostById(db: Db, id: number) {
  return db
    .selectFrom('posts as p')
    .select([
      'p.id',
      'p.slug',
      'p.title',
      'p.body_source',
      'p.format',
      'p.signature',
      'p.status',
      'p.published_at',
      'p.comments_open',
      'p.updated_at',
      'p.author_id',
      'p.submitted_at',
      'p.kind',
      'p.version',
    ])
    .select((eb) => commentCount(eb, 'approved').as('approved_count'))
    .select((eb) => commentCount(eb, 'pending').as('pending_count'))
    .where('p.id', '=', id)
    .executeTakeFirst()
}

export type AdminPost = NonNullable<Awaited<ReturnType<typeof findPostById>>>

export async function categoryIdsOfPost(db: Db, postId: number): Promise<number[]> {
  const rows = await db.selectFrom('post_categories').select('category_id').where('post_id', '=', postId).execute()
  return rows.map((r) => r.category_id)
}

export async function countComments(db: Db, postId: number): Promise<number> {
  const row = await db
    .selectFrom('comments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('post_id', '=', postId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** The signature of the most recently written post that has one: the default for a new post. */
/** The newest post's signature (of one writer's posts when `authorId` is given). */
export async function lastSignature(db: Db, authorId: number | null = null): Promise<string | null> {
  let q = db.selectFrom('posts').select('signature')
  if (authorId !== null) q = q.where('author_id', '=', authorId)
  const row = await q.where('signature', '!=', '').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst()
  return row?.signature ?? null
}

export async function listCategories(db: Db) {
  return db
    .selectFrom('categories as c')
    .select(['c.id', 'c.name', 'c.slug'])
    .select((eb) =>
      eb
        .selectFrom('post_categories as pc')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .whereRef('pc.category_id', '=', 'c.id')
        .as('post_count'),
    )
    .orderBy('c.name')
    .execute()
}

export async function findCategoryById(db: Db, id: number) {
  return db.selectFrom('categories').select(['id', 'name', 'slug']).where('id', '=', id).executeTakeFirst()
}

// ---- Comment moderation ----

export async function listComments(
  db: Db,
  status: CommentStatus,
  postId: number | null,
  limit: number,
  at: Position | null,
  authorId: number | null = null,
  origin: CommentOrigin | null = null,
) {
  let q = db
    .selectFrom('comments as c')
    .innerJoin('posts as p', 'p.id', 'c.post_id')
    .select([
      'c.id',
      'c.author_name',
      'c.author_email',
      'c.author_url',
      'c.body',
      'c.status',
      'c.created_at',
      'c.ip',
      'c.parent_id',
      'c.pinned',
      'c.user_id',
      'c.origin',
      'c.origin_url',
      'c.origin_permalink',
      'c.author_handle',
      'p.id as post_id',
      'p.title as post_title',
      'p.slug as post_slug',
      'p.status as post_status',
      'p.published_at as post_published_at',
      'p.kind as post_kind',
    ])
    .where('c.status', '=', status)
  if (postId !== null) q = q.where('c.post_id', '=', postId)
  if (origin !== null) q = q.where('c.origin', '=', origin)
  // An author's queue: comments on their own posts (src/admin/permissions.ts).
  if (authorId !== null) q = q.where('p.author_id', '=', authorId)
  // The queue is read oldest first, like a mailbox worked through; the other tabs newest first.
  const page = keyset(sql.ref('c.created_at'), sql.ref('c.id'), status === 'pending' ? 'asc' : 'desc', at)
  if (page.where) q = q.where(page.where)
  return q.orderBy('c.created_at', page.direction).orderBy('c.id', page.direction).limit(limit).execute()
}

export type AdminCommentRow = Awaited<ReturnType<typeof listComments>>[number]

/** Counted up to this many per status: beyond, a tab says "10,000+" (a count of a million rows costs every page). */
export const COUNT_CAP = 10_000

/**
 * Comments per status (of `statuses`; the others 0), each counted up to COUNT_CAP + 1 (more means "more than
 * COUNT_CAP").
 */
export async function countCommentsByStatus(
  db: Db,
  postId: number | null,
  authorId: number | null = null,
  statuses: readonly CommentStatus[] = ['pending', 'approved', 'spam'],
): Promise<Record<CommentStatus, number>> {
  const count = async (status: CommentStatus) => {
    let inner = db.selectFrom('comments').select('id').where('status', '=', status)
    if (postId !== null) inner = inner.where('post_id', '=', postId)
    // An author's queue: comments on their own posts (src/admin/permissions.ts).
    if (authorId !== null)
      inner = inner.where('post_id', 'in', (eb) => eb.selectFrom('posts').select('id').where('author_id', '=', authorId))
    const row = await db
      .selectFrom(inner.limit(COUNT_CAP + 1).as('x'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }
  const counts = { pending: 0, approved: 0, spam: 0 }
  await Promise.all(statuses.map(async (status) => (counts[status] = await count(status))))
  return counts
}

/** SQLite's post filter reads the posts its trigram index gives up to this many; beyond, it walks the list's order. */
const TITLE_CANDIDATES = 1000

/**
 * The posts the queue's filter may mean by what the admin typed: an id, a slug (or a post's address), or words of
 * its title; at most `limit`, newest first. Never a list of every post: a blog may have a hundred thousand.
 */
export async function findPostsForFilter(db: Db, typed: string, limit: number, authorId: number | null = null) {
  const text = typed.trim()
  let base = db.selectFrom('posts as p').select(['p.id', 'p.title', 'p.slug'])
  if (authorId !== null) base = base.where('p.author_id', '=', authorId)
  if (/^\d{1,12}$/.test(text)) {
    const byId = await base.where('p.id', '=', Number(text)).execute()
    if (byId.length) return byId
  }
  // A post's address pasted whole: its last part is the slug.
  const slug = /([^/]+?)(?:\.html)?\/?$/.exec(text)?.[1] ?? text
  const bySlug = await base.where('p.slug', '=', slug.toLowerCase()).execute()
  if (bySlug.length) return bySlug
  // Words of the title, each anywhere in it, case aside (SQLite's like ignores ASCII case; PostgreSQL's ilike).
  const words = text.split(/\s+/).filter(Boolean).slice(0, 8)
  if (words.length === 0) return []
  let q = base
  const postgres = dialectOfDb(db) === 'postgres'
  for (const w of words) {
    const pattern = `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    q = q.where(sql<SqlBool>`p.title ${sql.raw(postgres ? 'ilike' : 'like')} ${pattern} escape '\\'`)
  }
  // Without an index, words in few titles or none read every post. PostgreSQL's trigram index serves the ilike itself
  // (its planner walks the list's order instead when many titles match). SQLite's is an FTS5 table (trigram: words of
  // 3 characters or more; no LIKE with an ESCAPE reaches it), asked first how many titles it holds the words in: up
  // to TITLE_CANDIDATES, those posts are read; more, the list's order is walked until `limit` of them match, soon
  // (each candidate costs a read of its post: a word in every title would read them all).
  const indexed = postgres ? [] : words.filter((w) => [...w].length >= 3 && !/[\\%_]/.test(w))
  if (indexed.length) {
    const likes = sql.join(
      indexed.map((w) => sql`title like ${`%${w}%`}`),
      sql` and `,
    )
    const fts = sql`select rowid from posts_fts_title where ${likes}`
    const { rows } = await sql<{ n: number }>`select count(*) as n from (${fts} limit ${TITLE_CANDIDATES + 1})`.execute(db)
    if (Number(rows[0]!.n) <= TITLE_CANDIDATES) q = q.where(sql<SqlBool>`p.id in (${fts})`)
  }
  return q.orderBy(postOrderKey, 'desc').orderBy('p.id', 'desc').limit(limit).execute()
}

export async function findPostTitle(db: Db, id: number) {
  return db.selectFrom('posts').select(['id', 'title']).where('id', '=', id).executeTakeFirst()
}

export async function setCommentStatus(db: Db, ids: readonly number[], status: CommentStatus): Promise<number> {
  if (ids.length === 0) return 0
  const result = await db.updateTable('comments').set({ status }).where('id', 'in', ids).executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * Deletes comments. Their replies are kept and move up to the deleted comment's parent: removing one rude
 * comment must not silently remove the answers others wrote under it (the foreign key would cascade).
 */
export async function deleteComments(db: Db, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0
  return db.transaction().execute(async (trx) => {
    let deleted = 0
    for (const id of ids) {
      const row = await trx.selectFrom('comments').select(['id', 'parent_id']).where('id', '=', id).executeTakeFirst()
      if (!row) continue
      await trx.updateTable('comments').set({ parent_id: row.parent_id }).where('parent_id', '=', id).execute()
      const result = await trx.deleteFrom('comments').where('id', '=', id).executeTakeFirst()
      deleted += Number(result.numDeletedRows)
    }
    return deleted
  })
}

/**
 * Comments awaiting moderation (an author's: on their own posts), counted up to COUNT_CAP + 1 like the tabs: every
 * admin page's menu shows it, and a flood of spam held for moderation must not make each page count it whole.
 */
export async function pendingCount(db: Db, authorId: number | null = null): Promise<number> {
  return (await countCommentsByStatus(db, null, authorId, ['pending'])).pending
}

/** A count made up to COUNT_CAP + 1, as shown: `10 000+` beyond the cap. */
export function shownCount(n: number, language: string): string {
  return n > COUNT_CAP ? `${COUNT_CAP.toLocaleString(language)}+` : String(n)
}

// ---- Sign-in limit per username ----

export async function recentLoginFailures(db: Db, username: string, since: string): Promise<number> {
  const row = await db
    .selectFrom('login_failures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('username', '=', username)
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function recordLoginFailure(db: Db, username: string, now: string, forgetBefore: string): Promise<void> {
  await db.insertInto('login_failures').values({ username, created_at: now }).execute()
  // Keep the table small: failures older than the window no longer count.
  await db.deleteFrom('login_failures').where('created_at', '<', forgetBefore).execute()
}

export async function clearLoginFailures(db: Db, username: string): Promise<void> {
  await db.deleteFrom('login_failures').where('username', '=', username).execute()
}

// ---- Signed-out sessions ----

export async function isSessionRevoked(db: Db, sid: string): Promise<boolean> {
  return (await db.selectFrom('revoked_sessions').select('sid').where('sid', '=', sid).executeTakeFirst()) !== undefined
}

export async function revokeSession(db: Db, sid: string, expiresAt: string, now: string): Promise<void> {
  await db
    .insertInto('revoked_sessions')
    .values({ sid, expires_at: expiresAt })
    .onConflict((oc) => oc.doNothing())
    .execute()
  await db.deleteFrom('revoked_sessions').where('expires_at', '<', now).execute()
}
