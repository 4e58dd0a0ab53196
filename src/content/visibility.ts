// What readers may see: a published post whose time has come. `now` is passed in on every read, so a scheduled
// post appears without a write. The rule is written here once in each of the three forms the code needs, side by
// side so they stay the same; test/content/visibility.test.ts checks that they agree.
import { type ExpressionBuilder, type RawBuilder, sql } from 'kysely'
import type { Database, PostsTable } from '../db/schema.ts'

/** For Kysely queries on `posts as p`. */
export function visibleToReaders(eb: ExpressionBuilder<Database & { p: PostsTable }, 'p'>, now: string) {
  return eb.and([eb('p.status', '=', 'published'), eb('p.published_at', '<=', now)])
}

/**
 * For lists of posts (home, archives, categories, feeds, search, sitemap's posts, counts): a visible post that is
 * not a static page. Pages are visible at their own address only. kind first: the index begins with it.
 */
export function listedToReaders(eb: ExpressionBuilder<Database & { p: PostsTable }, 'p'>, now: string) {
  return eb.and([eb('p.kind', '=', 'post'), eb('p.status', '=', 'published'), eb('p.published_at', '<=', now)])
}

/** For raw SQL: the same condition on the posts table named `table` (an alias, or `posts` itself). */
export function visibleToReadersSql(table: string, now: string): RawBuilder<boolean> {
  return sql<boolean>`(${sql.ref(`${table}.status`)} = 'published' and ${sql.ref(`${table}.published_at`)} <= ${now})`
}

/** listedToReaders for raw SQL. */
export function listedToReadersSql(table: string, now: string): RawBuilder<boolean> {
  return sql<boolean>`(${sql.ref(`${table}.kind`)} = 'post' and ${visibleToReadersSql(table, now)})`
}

/** For a row already read. */
export function isVisibleToReaders(post: { status: string; published_at: string | null }, now: string): boolean {
  return post.status === 'published' && post.published_at !== null && post.published_at <= now
}
