// Queries for feeds and the sitemap. Only what readers may see: published posts whose time has come, and
// approved comments on them. Static pages (kind 'page') are in the sitemap only.
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { listedToReaders, visibleToReaders } from '../content/visibility.ts'

type Db = Kysely<Database>

export const FEED_SIZE = 20

/** The newest visible posts, with everything an entry shows; optionally those of one category, or of one writer. */
export async function latestPosts(db: Db, now: string, limit: number, categoryId?: number, authorId?: number) {
  let q = db
    .selectFrom('posts as p')
    .select(['p.id', 'p.slug', 'p.title', 'p.body_html', 'p.excerpt', 'p.signature', 'p.published_at', 'p.created_at', 'p.updated_at'])
    .where((eb) => listedToReaders(eb, now))
  if (categoryId !== undefined) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('post_categories as pc')
          .select('pc.post_id')
          .whereRef('pc.post_id', '=', 'p.id')
          .where('pc.category_id', '=', categoryId),
      ),
    )
  }
  if (authorId !== undefined) q = q.where('p.author_id', '=', authorId)
  return q.orderBy('p.published_at', 'desc').orderBy('p.id', 'desc').limit(limit).execute()
}

export type FeedPostRow = Awaited<ReturnType<typeof latestPosts>>[number]

/** The newest approved comments on visible posts; optionally those of one post. */
export async function latestComments(db: Db, now: string, limit: number, postId?: number) {
  let q = db
    .selectFrom('comments as c')
    .innerJoin('posts as p', 'p.id', 'c.post_id')
    .select(['c.id', 'c.author_name', 'c.author_url', 'c.body', 'c.created_at', 'p.slug', 'p.title', 'p.published_at'])
    .where('c.status', '=', 'approved')
    .where((eb) => listedToReaders(eb, now))
  if (postId !== undefined) q = q.where('c.post_id', '=', postId)
  return q.orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(limit).execute()
}

export type FeedCommentRow = Awaited<ReturnType<typeof latestComments>>[number]

/** Every visible post with the last time its page changed (an edit or an approved comment). */
export async function sitemapPosts(db: Db, now: string) {
  return db
    .selectFrom('posts as p')
    .select(['p.id', 'p.slug', 'p.published_at', 'p.updated_at'])
    .select((eb) =>
      eb
        .selectFrom('comments as c')
        .select((eb) => eb.fn.max('c.created_at').as('m'))
        .whereRef('c.post_id', '=', 'p.id')
        .where('c.status', '=', 'approved')
        .as('last_comment_at'),
    )
    .where((eb) => listedToReaders(eb, now))
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc')
    .execute()
}

/** Every visible static page with its last change (an edit or an approved comment): in the sitemap, in no list. */
export async function sitemapPages(db: Db, now: string) {
  return db
    .selectFrom('posts as p')
    .select(['p.id', 'p.slug', 'p.published_at', 'p.updated_at', 'p.kind'])
    .select((eb) =>
      eb
        .selectFrom('comments as c')
        .select((eb) => eb.fn.max('c.created_at').as('m'))
        .whereRef('c.post_id', '=', 'p.id')
        .where('c.status', '=', 'approved')
        .as('last_comment_at'),
    )
    .where('p.kind', '=', 'page')
    .where((eb) => visibleToReaders(eb, now))
    .orderBy('p.slug')
    .execute()
}

/** Writers with posts readers see, each with their newest post's dates (an index walk from the newest post). */
export async function sitemapAuthors(db: Db, now: string) {
  const writers = await db.selectFrom('users as u').select(['u.id', 'u.slug']).where('u.slug', 'is not', null).orderBy('u.slug').execute()
  const found: Array<{ slug: string; published_at: string; updated_at: string }> = []
  for (const w of writers) {
    const newest = await db
      .selectFrom('posts as p')
      .select(['p.published_at', 'p.updated_at'])
      .where('p.author_id', '=', w.id)
      .where((eb) => listedToReaders(eb, now))
      .orderBy('p.published_at', 'desc')
      .limit(1)
      .executeTakeFirst()
    if (newest && w.slug) found.push({ slug: w.slug, published_at: newest.published_at!, updated_at: newest.updated_at })
  }
  return found
}

/** (post, category) pairs of visible posts, for the categories of the sitemap. */
export async function visiblePostCategories(db: Db, now: string) {
  return db
    .selectFrom('post_categories as pc')
    .innerJoin('posts as p', 'p.id', 'pc.post_id')
    .innerJoin('categories as c', 'c.id', 'pc.category_id')
    .select(['pc.post_id', 'c.slug'])
    .where((eb) => listedToReaders(eb, now))
    .execute()
}

export async function categoriesOf(db: Db, postIds: readonly number[]) {
  const byPost = new Map<number, string[]>()
  if (postIds.length === 0) return byPost
  const rows = await db
    .selectFrom('post_categories as pc')
    .innerJoin('categories as c', 'c.id', 'pc.category_id')
    .select(['pc.post_id', 'c.name'])
    .where('pc.post_id', 'in', postIds)
    .orderBy('c.name')
    .execute()
  for (const r of rows) byPost.set(r.post_id, [...(byPost.get(r.post_id) ?? []), r.name])
  return byPost
}

export async function contentChangedAt(db: Db): Promise<string | null> {
  const row = await db.selectFrom('site_state').select('changed_at').where('id', '=', 1).executeTakeFirst()
  return row?.changed_at ?? null
}
