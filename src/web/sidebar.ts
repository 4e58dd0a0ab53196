import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { Formatter } from '../i18n/index.ts'
import { categoryPath, commentPath, monthPath, postPath } from '../lib/urls.ts'
import { zonedParts } from '../lib/time.ts'
import * as posts from '../posts/posts.repository.ts'

export interface Sidebar {
  categories: Array<{ name: string; url: string; count: number }>
  years: Array<{ year: number; months: Array<{ label: string; url: string; count: number }> }>
  recentPosts: Array<{ title: string; url: string }>
  recentComments: Array<{ author: string; postTitle: string; url: string }>
}

export async function loadSidebar(db: Kysely<Database>, now: string, timeZone: string, fmt: Formatter): Promise<Sidebar> {
  const [categories, times, recent, comments] = await Promise.all([
    posts.categoriesWithCounts(db, now),
    posts.publishedTimes(db, now),
    posts.recentPosts(db, now, 5),
    posts.recentComments(db, now, 5),
  ])
  // Months are counted in the blog's time zone, which SQL cannot do portably: group here.
  const months = new Map<string, { year: number; month: number; count: number }>()
  for (const t of times) {
    const { year, month } = zonedParts(t, timeZone)
    const key = `${year}-${month}`
    const m = months.get(key)
    if (m) m.count++
    else months.set(key, { year, month, count: 1 })
  }
  const years: Sidebar['years'] = []
  for (const m of months.values()) {
    let y = years.at(-1)
    if (!y || y.year !== m.year) years.push((y = { year: m.year, months: [] }))
    y.months.push({ label: fmt.monthYear(m.year, m.month), url: monthPath(m.year, m.month), count: m.count })
  }
  return {
    categories: categories.map((c) => ({ name: c.name, url: categoryPath(c.slug), count: Number(c.count) })),
    years,
    recentPosts: recent.map((p) => ({ title: p.title, url: postPath(p, timeZone) })),
    recentComments: comments.map((c) => ({
      author: c.author_name,
      postTitle: c.title,
      // Through the comment's own address: it lands on the right page of a long thread.
      url: commentPath(c.id),
    })),
  }
}
