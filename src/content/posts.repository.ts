// Queries for the public pages. What readers may see is the rule in visibility.ts.
// The fixed-shape queries are compiled once (src/db/compiled.ts): each page runs about ten of them, and building
// and compiling them anew on every request cost more than running them.
import { type ExpressionBuilder, type Kysely, sql } from 'kysely'
import { compiled } from '../db/compiled.ts'
import { jsonNumbers } from '../db/portable.ts'
import type { Database, PostsTable } from '../db/schema.ts'
import { listedToReaders, visibleToReaders } from './visibility.ts'

type Db = Kysely<Database>

/** The columns a list of posts shows. */
const LIST_COLUMNS = ['p.id', 'p.slug', 'p.title', 'p.excerpt', 'p.published_at', 'p.comments_open'] as const

/**
 * A post's approved comments, as kept by triggers in post_stats (one primary-key lookup; counting the comments
 * themselves walked one index entry per comment). No row means none.
 */
function approvedCount(eb: ExpressionBuilder<Database & { p: PostsTable }, 'p'>) {
  return eb.fn.coalesce(eb.selectFrom('post_stats as ps').select('ps.approved_comments').whereRef('ps.post_id', '=', 'p.id'), eb.lit(0))
}

/** A JSON array as one parameter (read in SQL by src/db/portable.ts): a list of any length keeps one statement. */
const jsonList = (values: readonly unknown[]) => JSON.stringify(values)

export type PostListRow = Awaited<ReturnType<typeof listPublished>>[number]

export const listPublished = compiled((db, p: { now: string; limit: number; offset: number }) =>
  db
    .selectFrom('posts as p')
    .select(LIST_COLUMNS)
    .select((eb) => approvedCount(eb).as('comment_count'))
    .where((eb) => listedToReaders(eb, p.now))
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(p.limit)
    .offset(p.offset),
)

export const listPublishedInRange = compiled((db, p: { now: string; from: string; to: string; limit: number; offset: number }) =>
  db
    .selectFrom('posts as p')
    .select(LIST_COLUMNS)
    .select((eb) => approvedCount(eb).as('comment_count'))
    .where((eb) => listedToReaders(eb, p.now))
    .where('p.published_at', '>=', p.from)
    .where('p.published_at', '<', p.to)
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(p.limit)
    .offset(p.offset),
)

export const findCategoryBySlug = compiled((db, p: { slug: string }) =>
  db.selectFrom('categories').select(['id', 'name', 'slug']).where('slug', '=', p.slug),
)

export const listPublishedInCategory = compiled((db, p: { now: string; categoryId: number; limit: number; offset: number }) =>
  db
    .selectFrom('post_categories as pc')
    .innerJoin('posts as p', 'p.id', 'pc.post_id')
    .select(LIST_COLUMNS)
    .select((eb) => approvedCount(eb).as('comment_count'))
    .where('pc.category_id', '=', p.categoryId)
    .where((eb) => listedToReaders(eb, p.now))
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(p.limit)
    .offset(p.offset),
)

/** Any post by slug, whatever its status: the route decides who may see it. */
export const findPostBySlug = compiled((db, p: { slug: string }) =>
  db
    .selectFrom('posts as p')
    .select([
      'p.id',
      'p.slug',
      'p.title',
      'p.body_html',
      'p.excerpt',
      'p.signature',
      'p.status',
      'p.published_at',
      'p.comments_open',
      'p.updated_at',
      'p.kind',
    ])
    .select((eb) => approvedCount(eb).as('comment_count'))
    // Whether any reaction from elsewhere exists (src/comments/reactions.ts): read only for the posts that have some.
    .select((eb) => eb.exists(eb.selectFrom('reactions as r').select('r.id').whereRef('r.post_id', '=', 'p.id')).as('has_reactions'))
    .where('p.slug', '=', p.slug),
)

export type PostRow = Awaited<ReturnType<typeof findPostBySlug>>[number]

/** The post that used to have this slug (the admin renamed it), for a 301 to its current address. */
export async function findPostByOldSlug(db: Db, oldSlug: string) {
  return db
    .selectFrom('post_redirects as r')
    .innerJoin('posts as p', 'p.id', 'r.post_id')
    .select(['p.slug', 'p.status', 'p.published_at', 'p.kind'])
    .where('r.old_slug', '=', oldSlug)
    .executeTakeFirst()
}

const categoriesOfPostsQuery = compiled((db, p: { postIds: string }) =>
  db
    .selectFrom('post_categories as pc')
    .innerJoin('categories as c', 'c.id', 'pc.category_id')
    .select(['pc.post_id', 'c.name', 'c.slug'])
    .where('pc.post_id', 'in', jsonNumbers(db, p.postIds))
    .orderBy('c.name'),
)

export async function categoriesOfPosts(db: Db, postIds: readonly number[]) {
  const byPost = new Map<number, Array<{ name: string; slug: string }>>()
  if (postIds.length === 0) return byPost
  const rows = await categoriesOfPostsQuery(db, { postIds: jsonList(postIds) })
  for (const r of rows) {
    let list = byPost.get(r.post_id)
    if (!list) byPost.set(r.post_id, (list = []))
    list.push({ name: r.name, slug: r.slug })
  }
  return byPost
}

const tagsOfPostQuery = compiled((db, p: { postId: number }) =>
  db.selectFrom('post_tags').select('name').where('post_id', '=', p.postId).orderBy('position'),
)

export async function tagsOfPost(db: Db, postId: number): Promise<string[]> {
  const rows = await tagsOfPostQuery(db, { postId })
  return rows.map((r) => r.name)
}

type NeighbourParams = { now: string; id: number; publishedAt: string }
// Each is an index range that starts at this post (the bound on published_at alone; the OR only settles
// ties), so finding a neighbour costs the same for the first post and the hundred-thousandth.
const neighbourBase = (db: Db, p: NeighbourParams) =>
  db
    .selectFrom('posts as p')
    .select(['p.id', 'p.slug', 'p.title', 'p.published_at'])
    .where('p.kind', '=', 'post')
    .where('p.status', '=', 'published')
    .where('p.id', '!=', p.id)
    .limit(1)
const previousQuery = compiled((db, p: NeighbourParams) =>
  neighbourBase(db, p)
    // Older than a visible post: visible too (no `<= now` needed, and none to distract the planner).
    .where('p.published_at', '<=', p.publishedAt)
    .where((eb) =>
      eb.or([eb('p.published_at', '<', p.publishedAt), eb.and([eb('p.published_at', '=', p.publishedAt), eb('p.id', '<', p.id)])]),
    )
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc'),
)
const nextQuery = compiled((db, p: NeighbourParams) =>
  neighbourBase(db, p)
    .where('p.published_at', '>=', p.publishedAt)
    .where('p.published_at', '<=', p.now)
    .where((eb) =>
      eb.or([eb('p.published_at', '>', p.publishedAt), eb.and([eb('p.published_at', '=', p.publishedAt), eb('p.id', '>', p.id)])]),
    )
    .orderBy('p.published_at', 'asc')
    .orderBy('p.id', 'asc'),
)

/** The published neighbours of a post, by publication time. */
export async function neighbours(db: Db, now: string, post: { id: number; published_at: string }) {
  const params = { now, id: post.id, publishedAt: post.published_at }
  const [previous, next] = await Promise.all([previousQuery.first(db, params), nextQuery.first(db, params)])
  return { previous, next }
}

/** One page of a post's approved comments, oldest first. */
const COMMENT_COLUMNS = [
  'id',
  'parent_id',
  'author_name',
  'author_url',
  'body',
  'created_at',
  'pinned',
  'user_id',
  'edited_at',
  // A comment from elsewhere: where it came from, its original, its author's handle (src/comments/remote.ts).
  'origin',
  'origin_url',
  'origin_permalink',
  'author_handle',
] as const

/** The approved comments of a post that are not pinned roots, oldest first (the index's own order). */
const unpinnedComments = compiled((db, p: { postId: number; limit: number; offset: number }) =>
  db
    .selectFrom('comments')
    .select(COMMENT_COLUMNS)
    .where('post_id', '=', p.postId)
    .where('status', '=', 'approved')
    .where(sql<boolean>`(pinned = 0 or parent_id is not null)`)
    .orderBy('created_at')
    .orderBy('id')
    .limit(p.limit)
    .offset(p.offset),
)

/** A post's approved pinned comments that answer no one, oldest first: they open the thread (few; partial index). */
const pinnedRoots = compiled((db, p: { postId: number }) =>
  db
    .selectFrom('comments')
    .select(COMMENT_COLUMNS)
    .where('post_id', '=', p.postId)
    // A literal, not a parameter: SQLite uses the partial index (where pinned = 1) only for a query that says so.
    .where(sql<boolean>`pinned = 1`)
    .where('parent_id', 'is', null)
    .where('status', '=', 'approved')
    .orderBy('created_at')
    .orderBy('id'),
)

/**
 * One page of a post's approved comments: the pinned ones that answer no one first, then the others oldest first
 * (a pinned answer comes first among its siblings: commentTree). Two queries rather than one sorted on the pin,
 * so that the long tail of a thread is still read in its index's order, a page at a time.
 */
export async function approvedComments(db: Db, p: { postId: number; limit: number; offset: number }) {
  const pinned = await pinnedRoots(db, { postId: p.postId })
  const first = pinned.slice(p.offset, p.offset + p.limit)
  if (first.length === p.limit) return first
  const rest = await unpinnedComments(db, {
    postId: p.postId,
    limit: p.limit - first.length,
    offset: Math.max(0, p.offset - pinned.length),
  })
  return first.length ? [...first, ...rest] : rest
}

const commentPositionQuery = compiled((db, p: { id: number }) =>
  db
    .selectFrom('comments as c')
    .select('c.post_id')
    // All of the post's approved comments (kept by triggers) less those after this one, less itself. Counted from
    // the end because the comments asked for are mostly recent ones (the one just posted, the sidebar's latest):
    // a count from the start walked the whole thread, thousands of index entries on a busy post.
    .select((eb) =>
      eb(
        eb(
          eb.fn.coalesce(
            eb.selectFrom('post_stats as ps').select('ps.approved_comments').whereRef('ps.post_id', '=', 'c.post_id'),
            eb.lit(0),
          ),
          '-',
          eb
            .selectFrom('comments as a')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .whereRef('a.post_id', '=', 'c.post_id')
            .where('a.status', '=', 'approved')
            // The bound on created_at alone keeps this an index range; the OR only settles ties.
            .whereRef('a.created_at', '>=', 'c.created_at')
            .where((eb) => eb.or([eb('a.created_at', '>', eb.ref('c.created_at')), eb('a.id', '>', eb.ref('c.id'))])),
        ),
        '-',
        eb.lit(1),
      ).as('position'),
    )
    .select(['c.created_at', 'c.pinned', 'c.parent_id'])
    .where('c.id', '=', p.id)
    .where('c.status', '=', 'approved'),
)

/** How many approved comments of its post come before this one (null when readers cannot see it). */
export async function commentPosition(db: Db, commentId: number) {
  const row = await commentPositionQuery.first(db, { id: commentId })
  if (!row) return null
  // Pinned comments that answer no one come first (approvedComments): a few rows, read by a partial index.
  const pinned = await pinnedRoots(db, { postId: row.post_id })
  const later = (r: { created_at: string; id: number }) =>
    r.created_at > row.created_at || (r.created_at === row.created_at && r.id > commentId)
  const position =
    row.pinned === 1 && row.parent_id === null
      ? pinned.filter((r) => !later(r) && r.id !== commentId).length
      : Number(row.position) + pinned.filter(later).length
  return { postId: row.post_id, position }
}

/** Which of these comments of a post readers can see, with their authors (answers elsewhere name them). */
export async function visibleCommentAuthors(db: Db, postId: number, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map()
  const rows = await db
    .selectFrom('comments')
    .select(['id', 'author_name'])
    .where('post_id', '=', postId)
    .where('status', '=', 'approved')
    .where('id', 'in', ids)
    .execute()
  return new Map(rows.map((r) => [r.id, r.author_name]))
}

/** A post by id, with what its permanent link needs. */
export async function findPostById(db: Db, id: number) {
  return db.selectFrom('posts').select(['id', 'slug', 'status', 'published_at', 'kind']).where('id', '=', id).executeTakeFirst()
}

export type CommentRow = Awaited<ReturnType<typeof approvedComments>>[number]

// ---- Sidebar ----

const firstPublishedQuery = compiled((db, p: { now: string }) =>
  db
    .selectFrom('posts as p')
    .select((eb) => eb.fn.min('p.published_at').as('first'))
    .where((eb) => listedToReaders(eb, p.now)),
)

/** Publication time of the oldest visible post (where the month archive starts), or null. */
export async function firstPublished(db: Db, now: string): Promise<string | null> {
  return (await firstPublishedQuery.first(db, { now }))?.first ?? null
}

export const recentPosts = compiled((db, p: { now: string; limit: number }) =>
  db
    .selectFrom('posts as p')
    .select(['p.slug', 'p.title', 'p.published_at'])
    .where((eb) => listedToReaders(eb, p.now))
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(p.limit),
)

export const recentComments = compiled((db, p: { now: string; limit: number }) =>
  db
    .selectFrom('comments as c')
    .innerJoin('posts as p', 'p.id', 'c.post_id')
    .select(['c.id', 'c.author_name', 'p.slug', 'p.title', 'p.published_at'])
    .where('c.status', '=', 'approved')
    .where((eb) => listedToReaders(eb, p.now))
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(p.limit),
)

// ---- When pages change without a write ----

const publicationQueries = {
  next: compiled((db, p: { now: string }) =>
    db
      .selectFrom('posts as p')
      .select((eb) => eb.fn.min('p.published_at').as('at'))
      .where('p.status', '=', 'published')
      .where('p.published_at', '>', p.now),
  ),
  // The newest post readers may see at `now`.
  last: compiled((db, p: { now: string }) =>
    db
      .selectFrom('posts as p')
      .select((eb) => eb.fn.max('p.published_at').as('at'))
      .where((eb) => visibleToReaders(eb, p.now)),
  ),
}

/**
 * When the public pages change with no write to the database: a scheduled post's publication, or a thread's
 * automatic closing (`autoCloseDays` after its post's publication). `next`: the first such moment after `now`;
 * `last`: the latest one up to `now`. Null if none.
 */
export async function timedChange(db: Db, which: 'next' | 'last', now: string, autoCloseDays: number): Promise<string | null> {
  const publication = publicationQueries[which]
  const moments: string[] = []
  const published = (await publication.first(db, { now }))?.at
  if (published) moments.push(published)
  if (autoCloseDays > 0) {
    const dayMs = 24 * 60 * 60 * 1000
    // Threads close autoCloseDays after their posts' publication: the publication that counts is the one
    // nearest to now − autoCloseDays, on the same side.
    const shifted = new Date(Date.parse(now) - autoCloseDays * dayMs).toISOString()
    const closing = (await publication.first(db, { now: shifted }))?.at
    if (closing) moments.push(new Date(Date.parse(closing) + autoCloseDays * dayMs).toISOString())
  }
  moments.sort()
  return (which === 'next' ? moments[0] : moments.at(-1)) ?? null
}

/** Used by the demo loader: whether the blog has any post at all. */
export async function hasAnyPost(db: Db): Promise<boolean> {
  const row = await db
    .selectFrom('posts')
    .select(sql<number>`1`.as('one'))
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}
