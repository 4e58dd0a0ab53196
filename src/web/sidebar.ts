import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { Formatter } from '../i18n/index.ts'
import { categoryPath, commentPath, monthPath, postPath } from '../lib/urls.ts'
import { monthRange, zonedParts } from '../lib/time.ts'
import * as posts from '../posts/posts.repository.ts'

export interface Sidebar {
  categories: Array<{ name: string; url: string; count: number }>
  years: Array<{ year: number; months: Array<{ label: string; url: string; count: number }> }>
  recentPosts: Array<{ title: string; url: string }>
  recentComments: Array<{ author: string; postTitle: string; url: string }>
}

/**
 * The parts that depend only on posts, categories and the clock: the costly ones (the counts walk every published
 * post), which the caller keeps until one of those changes, not at every comment (freshness.postsMemo).
 */
export async function loadPostsSidebar(
  db: Kysely<Database>,
  now: string,
  timeZone: string,
  fmt: Formatter,
): Promise<Omit<Sidebar, 'recentComments'>> {
  const [categories, years, recent] = await Promise.all([
    posts.categoriesWithCounts(db, now),
    monthArchive(db, now, timeZone, fmt),
    posts.recentPosts(db, now, 5),
  ])
  return {
    categories: categories.map((c) => ({ name: c.name, url: categoryPath(c.slug), count: Number(c.count) })),
    years,
    recentPosts: recent.map((p) => ({ title: p.title, url: postPath(p, timeZone) })),
  }
}

/** The latest comments (an index range of five rows): recomputed at each write. */
export async function loadRecentComments(db: Kysely<Database>, now: string): Promise<Sidebar['recentComments']> {
  const comments = await posts.recentComments(db, now, 5)
  return comments.map((c) => ({
    author: c.author_name,
    postTitle: c.title,
    // Through the comment's own address: it lands on the right page of a long thread.
    url: commentPath(c.id),
  }))
}

/**
 * The months that have posts, newest first, counted in the blog's time zone. The database counts (one statement,
 * a slice of the status/published_at index per month): the months are computed here as UTC ranges, from the
 * oldest visible post to now, so no post's time is read into JavaScript.
 */
async function monthArchive(db: Kysely<Database>, now: string, timeZone: string, fmt: Formatter): Promise<Sidebar['years']> {
  const first = await posts.firstPublished(db, now)
  if (!first) return []
  const months: Array<{ year: number; month: number }> = []
  const start = zonedParts(first, timeZone)
  const end = zonedParts(now, timeZone)
  for (let { year, month } = end; year > start.year || (year === start.year && month >= start.month); ) {
    months.push({ year, month })
    if (--month === 0) [year, month] = [year - 1, 12]
  }
  const counts = await posts.countsInRanges(db, now, months.map((m) => monthRange(m.year, m.month, timeZone)))
  const years: Sidebar['years'] = []
  months.forEach((m, i) => {
    const count = counts.get(i)
    if (!count) return
    let y = years.at(-1)
    if (!y || y.year !== m.year) years.push((y = { year: m.year, months: [] }))
    y.months.push({ label: fmt.monthYear(m.year, m.month), url: monthPath(m.year, m.month), count })
  })
  return years
}
