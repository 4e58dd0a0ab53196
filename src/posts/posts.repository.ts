// Queries for the public pages. A post is visible to readers when it is published and its time has come
// (scheduled posts appear without a restart because `now` is passed in on every read).
import { type ExpressionBuilder, type Kysely, sql } from 'kysely'
import type { Database, PostsTable } from '../db/schema.ts'

type Db = Kysely<Database>

/** The columns a list of posts shows. */
const LIST_COLUMNS = ['p.id', 'p.slug', 'p.title', 'p.excerpt', 'p.published_at', 'p.comments_open'] as const

/** Correlated count of a post's approved comments (uses the comments_post_status index). */
function approvedCount(eb: ExpressionBuilder<Database & { p: PostsTable }, 'p'>) {
  return eb
    .selectFrom('comments as c')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .whereRef('c.post_id', '=', 'p.id')
    .where('c.status', '=', 'approved')
}

export type PostListRow = Awaited<ReturnType<typeof listPublished>>[number]

export async function listPublished(db: Db, now: string, limit: number, offset: number) {
  return db
    .selectFrom('posts as p')
    .select(LIST_COLUMNS)
    .select((eb) => approvedCount(eb).as('comment_count'))
    .where('p.status', '=', 'published')
    .where('p.published_at', '<=', now)
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute()
}

export async function countPublished(db: Db, now: string): Promise<number> {
  const row = await db
    .selectFrom('posts as p')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('p.status', '=', 'published')
    .where('p.published_at', '<=', now)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function listPublishedInRange(db: Db, now: string, from: string, to: string, limit: number, offset: number) {
  return db
    .selectFrom('posts as p')
    .select(LIST_COLUMNS)
    .select((eb) => approvedCount(eb).as('comment_count'))
    .where('p.status', '=', 'published')
    .where('p.published_at', '>=', from)
    .where('p.published_at', '<', to)
    .where('p.published_at', '<=', now)
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute()
}

export async function countPublishedInRange(db: Db, now: string, from: string, to: string): Promise<number> {
  const row = await db
    .selectFrom('posts as p')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('p.status', '=', 'published')
    .where('p.published_at', '>=', from)
    .where('p.published_at', '<', to)
    .where('p.published_at', '<=', now)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function findCategoryBySlug(db: Db, slug: string) {
  return db.selectFrom('categories').select(['id', 'name', 'slug']).where('slug', '=', slug).executeTakeFirst()
}

export async function listPublishedInCategory(db: Db, now: string, categoryId: number, limit: number, offset: number) {
  return db
    .selectFrom('post_categories as pc')
    .innerJoin('posts as p', 'p.id', 'pc.post_id')
    .select(LIST_COLUMNS)
    .select((eb) => approvedCount(eb).as('comment_count'))
    .where('pc.category_id', '=', categoryId)
    .where('p.status', '=', 'published')
    .where('p.published_at', '<=', now)
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute()
}

export async function countPublishedInCategory(db: Db, now: string, categoryId: number): Promise<number> {
  const row = await db
    .selectFrom('post_categories as pc')
    .innerJoin('posts as p', 'p.id', 'pc.post_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('pc.category_id', '=', categoryId)
    .where('p.status', '=', 'published')
    .where('p.published_at', '<=', now)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Any post by slug, whatever its status: the route decides who may see it. */
export async function findPostBySlug(db: Db, slug: string) {
  return db
    .selectFrom('posts as p')
    .select([
      'p.id', 'p.slug', 'p.title', 'p.body_html', 'p.excerpt', 'p.signature', 'p.status', 'p.published_at',
      'p.comments_open', 'p.updated_at',
    ])
    .select((eb) => approvedCount(eb).as('comment_count'))
    .where('p.slug', '=', slug)
    .executeTakeFirst()
}

export type PostRow = NonNullable<Awaited<ReturnType<typeof findPostBySlug>>>

/** The post that used to have this slug (the admin renamed it), for a 301 to its current address. */
export async function findPostByOldSlug(db: Db, oldSlug: string) {
  return db
    .selectFrom('post_redirects as r')
    .innerJoin('posts as p', 'p.id', 'r.post_id')
    .select(['p.slug', 'p.status', 'p.published_at'])
    .where('r.old_slug', '=', oldSlug)
    .executeTakeFirst()
}

export async function categoriesOfPosts(db: Db, postIds: readonly number[]) {
  const byPost = new Map<number, Array<{ name: string; slug: string }>>()
  if (postIds.length === 0) return byPost
  const rows = await db
    .selectFrom('post_categories as pc')
    .innerJoin('categories as c', 'c.id', 'pc.category_id')
    .select(['pc.post_id', 'c.name', 'c.slug'])
    .where('pc.post_id', 'in', postIds)
    .orderBy('c.name')
    .execute()
  for (const r of rows) {
    let list = byPost.get(r.post_id)
    if (!list) byPost.set(r.post_id, (list = []))
    list.push({ name: r.name, slug: r.slug })
  }
  return byPost
}

export async function tagsOfPost(db: Db, postId: number): Promise<string[]> {
  const rows = await db.selectFrom('post_tags').select('name').where('post_id', '=', postId).orderBy('position').execute()
  return rows.map((r) => r.name)
}

/** The published neighbours of a post, by publication time. */
export async function neighbours(db: Db, now: string, post: { id: number; published_at: string }) {
  const base = () =>
    db
      .selectFrom('posts as p')
      .select(['p.id', 'p.slug', 'p.title', 'p.published_at'])
      .where('p.status', '=', 'published')
      .where('p.published_at', '<=', now)
      .where('p.id', '!=', post.id)
      .limit(1)
  const [previous, next] = await Promise.all([
    base()
      .where((eb) =>
        eb.or([
          eb('p.published_at', '<', post.published_at),
          eb.and([eb('p.published_at', '=', post.published_at), eb('p.id', '<', post.id)]),
        ]),
      )
      .orderBy('p.published_at', 'desc')
      .orderBy('p.id', 'desc')
      .executeTakeFirst(),
    base()
      .where((eb) =>
        eb.or([
          eb('p.published_at', '>', post.published_at),
          eb.and([eb('p.published_at', '=', post.published_at), eb('p.id', '>', post.id)]),
        ]),
      )
      .orderBy('p.published_at', 'asc')
      .orderBy('p.id', 'asc')
      .executeTakeFirst(),
  ])
  return { previous, next }
}

/** One page of a post's approved comments, oldest first. */
export async function approvedComments(db: Db, postId: number, limit: number, offset: number) {
  return db
    .selectFrom('comments')
    .select(['id', 'parent_id', 'author_name', 'author_url', 'body', 'created_at'])
    .where('post_id', '=', postId)
    .where('status', '=', 'approved')
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .execute()
}

/** How many approved comments of its post come before this one (null when readers cannot see it). */
export async function commentPosition(db: Db, commentId: number) {
  const c = await db
    .selectFrom('comments')
    .select(['id', 'post_id', 'created_at'])
    .where('id', '=', commentId)
    .where('status', '=', 'approved')
    .executeTakeFirst()
  if (!c) return null
  const row = await db
    .selectFrom('comments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('post_id', '=', c.post_id)
    .where('status', '=', 'approved')
    .where((eb) =>
      eb.or([eb('created_at', '<', c.created_at), eb.and([eb('created_at', '=', c.created_at), eb('id', '<', c.id)])]),
    )
    .executeTakeFirstOrThrow()
  return { postId: c.post_id, position: Number(row.n) }
}

/** Which of these comments of a post readers can see. */
export async function visibleCommentIds(db: Db, postId: number, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return []
  const rows = await db
    .selectFrom('comments')
    .select('id')
    .where('post_id', '=', postId)
    .where('status', '=', 'approved')
    .where('id', 'in', ids)
    .execute()
  return rows.map((r) => r.id)
}

/** A post by id, with what its permanent link needs. */
export async function findPostById(db: Db, id: number) {
  return db.selectFrom('posts').select(['id', 'slug', 'status', 'published_at']).where('id', '=', id).executeTakeFirst()
}

export type CommentRow = Awaited<ReturnType<typeof approvedComments>>[number]

// ---- Sidebar ----

export async function categoriesWithCounts(db: Db, now: string) {
  return db
    .selectFrom('categories as c')
    .innerJoin('post_categories as pc', 'pc.category_id', 'c.id')
    .innerJoin('posts as p', 'p.id', 'pc.post_id')
    .select(['c.name', 'c.slug'])
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('p.status', '=', 'published')
    .where('p.published_at', '<=', now)
    .groupBy(['c.id', 'c.name', 'c.slug'])
    .orderBy('c.name')
    .execute()
}

/** Publication times of published posts, newest first: the sidebar groups them into months in the blog's zone. */
export async function publishedTimes(db: Db, now: string): Promise<string[]> {
  const rows = await db
    .selectFrom('posts as p')
    .select('p.published_at')
    .where('p.status', '=', 'published')
    .where('p.published_at', '<=', now)
    .orderBy('p.published_at', 'desc')
    .execute()
  return rows.map((r) => r.published_at!)
}

export async function recentPosts(db: Db, now: string, limit: number) {
  return db
    .selectFrom('posts as p')
    .select(['p.slug', 'p.title', 'p.published_at'])
    .where('p.status', '=', 'published')
    .where('p.published_at', '<=', now)
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(limit)
    .execute()
}

export async function recentComments(db: Db, now: string, limit: number) {
  return db
    .selectFrom('comments as c')
    .innerJoin('posts as p', 'p.id', 'c.post_id')
    .select(['c.id', 'c.author_name', 'p.slug', 'p.title', 'p.published_at'])
    .where('c.status', '=', 'approved')
    .where('p.status', '=', 'published')
    .where('p.published_at', '<=', now)
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(limit)
    .execute()
}

/** Used by the demo loader: whether the blog has any post at all. */
export async function hasAnyPost(db: Db): Promise<boolean> {
  const row = await db.selectFrom('posts').select(sql<number>`1`.as('one')).limit(1).executeTakeFirst()
  return row !== undefined
}
