import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { messages, type Formatter } from '../i18n/index.ts'
import { categoryPath, commentPath, monthPath, postPath, searchPath, yearPath } from '../lib/urls.ts'
import { monthRange, zonedParts } from '../lib/time.ts'
import * as posts from '../content/posts.repository.ts'
import { compiled } from '../db/compiled.ts'
import { listedToReaders } from '../content/visibility.ts'
import { renderMarkdown } from '../content/markdown.ts'
import type { SidebarBlock } from '../settings/look.ts'
import type { Settings } from '../settings/settings.ts'
import * as counts from '../content/post-counts.ts'

/** How many months the archives widget lists before it goes by year. */
export const ARCHIVE_MONTHS = 12

export interface Archives {
  months: Array<{ label: string; url: string; count: number }>
  years: Array<{ year: number; url: string; count: number }>
}

export interface Sidebar {
  categories: Array<{ name: string; url: string; count: number }>
  /** The archives: the latest months that have posts, then the years before them, each a link to its page. */
  archives: Archives
  recentPosts: Array<{ title: string; url: string }>
  recentComments: Array<{ author: string; postTitle: string; url: string }>
  /** The blocks the admin chose, in their order (Sidebar screen); each is views/partials/sidebar/<type>.eta. */
  blocks: SidebarBlockView[]
  /** The most used tags, by name, each a search for it. */
  tags: Array<{ name: string; url: string; count: number }>
  /** The blogroll, in the admin's order. */
  links: Settings['links']
}

/** A block as its template gets it: a text block's Markdown already made safe HTML. */
export type SidebarBlockView =
  { type: Exclude<SidebarBlock['type'], 'text'>; id: string } | { type: 'text'; id: string; title: string; html: string }

/** How many tags the tags block lists (the most used ones). */
export const SIDEBAR_TAGS = 30

const tagsQuery = compiled((db, p: { now: string; limit: number }) =>
  db
    .selectFrom('post_tags as t')
    .innerJoin('posts as p', 'p.id', 't.post_id')
    .select('t.name')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where((eb) => listedToReaders(eb, p.now))
    .groupBy('t.name')
    .orderBy('count', 'desc')
    .orderBy('t.name')
    .limit(p.limit),
)

/** The most used tags of visible posts, in alphabetical order; each links to a search for it. */
export async function loadTags(db: Kysely<Database>, now: string): Promise<Sidebar['tags']> {
  const rows = await tagsQuery(db, { now, limit: SIDEBAR_TAGS })
  return rows.map((r) => ({ name: r.name, url: searchPath(r.name), count: Number(r.count) })).sort((a, b) => a.name.localeCompare(b.name))
}

/** The blocks as the templates get them: text blocks' Markdown rendered (and sanitised) like a post's. */
export function blockViews(blocks: readonly SidebarBlock[]): SidebarBlockView[] {
  return blocks.map((b) => (b.type === 'text' ? { type: 'text', id: b.id, title: b.title, html: renderMarkdown(b.markdown) } : b))
}

/**
 * The parts that depend only on posts, categories and the clock, which the caller keeps until one of those
 * changes, not at every comment (freshness.postsMemo). Their counts are read from those the database keeps
 * (src/content/post-counts.ts): a few dozen rows, whatever the blog's size.
 */
export async function loadPostsSidebar(
  db: Kysely<Database>,
  now: string,
  timeZone: string,
  fmt: Formatter,
): Promise<Omit<Sidebar, 'recentComments' | 'blocks' | 'tags' | 'links'>> {
  const [categories, archives, recent] = await Promise.all([
    counts.categoriesWithCounts(db, now),
    archiveLinks(db, now, timeZone, fmt),
    posts.recentPosts(db, { now, limit: 5 }),
  ])
  return {
    categories: categories.map((c) => ({ name: c.name, url: categoryPath(c.slug), count: c.count })),
    archives,
    recentPosts: recent.map((p) => ({ title: p.title, url: postPath(p, timeZone) })),
  }
}

/** The latest comments (an index range of five rows): recomputed at each write. */
export async function loadRecentComments(db: Kysely<Database>, now: string): Promise<Sidebar['recentComments']> {
  const comments = await posts.recentComments(db, { now, limit: 5 })
  return comments.map((c) => ({
    author: c.author_name,
    postTitle: c.title,
    // Through the comment's own address: it lands on the right page of a long thread.
    url: commentPath(c.id),
  }))
}

/**
 * The months that have posts, newest first, counted in the blog's time zone: the months are computed here as UTC
 * ranges, from the oldest visible post to now, and counted from the kept counts (src/content/post-counts.ts).
 * The widget lists the latest ARCHIVE_MONTHS of them, then one link per earlier year (with all its posts): a
 * blog of fifteen years would otherwise put 180 months on every page, a wall of links (and half of each page's
 * weight) that nobody reads past the first screen; each year's page lists its posts.
 */
export async function archiveLinks(
  db: Kysely<Database>,
  now: string,
  timeZone: string,
  fmt: Formatter,
  /** The archives page (src/pages/) lists every month. */
  monthsShown = ARCHIVE_MONTHS,
): Promise<Archives> {
  const first = await posts.firstPublished(db, now)
  if (!first) return { months: [], years: [] }
  const months: Array<{ year: number; month: number }> = []
  const start = zonedParts(first, timeZone)
  const end = zonedParts(now, timeZone)
  for (let { year, month } = end; year > start.year || (year === start.year && month >= start.month);) {
    months.push({ year, month })
    if (--month === 0) [year, month] = [year - 1, 12]
  }
  const monthCounts = await counts.countsVisibleInRanges(
    db,
    now,
    months.map((m) => monthRange(m.year, m.month, timeZone)),
  )
  const archives: Archives = { months: [], years: [] }
  const yearCounts = new Map<number, number>()
  const listedYears = new Set<number>()
  months.forEach((m, i) => {
    const count = monthCounts[i]
    if (!count) return
    yearCounts.set(m.year, (yearCounts.get(m.year) ?? 0) + count)
    if (archives.months.length < monthsShown) {
      archives.months.push({ label: fmt.monthYear(m.year, m.month), url: monthPath(m.year, m.month), count })
    } else if (!listedYears.has(m.year)) {
      listedYears.add(m.year)
      archives.years.push({ year: m.year, url: yearPath(m.year), count: 0 })
    }
  })
  for (const y of archives.years) y.count = yearCounts.get(y.year)!
  return archives
}

/**
 * Gives every page the sidebar. It costs a handful of queries: one object per freshness generation
 * (src/cache/freshness.ts), so any write or timed change recomputes it; its costly part (counts over every
 * published post) is kept until posts or categories change, not at every comment.
 */
async function sidebarPlugin(app: FastifyInstance) {
  app.setSidebar({
    template: '/partials/sidebar',
    load(request: FastifyRequest, fmt: Formatter): Promise<Sidebar> {
      const { timezone, sidebarBlocks, links } = app.settings.get()
      return app.freshness.memo(
        { name: 'sidebar' },
        async () => {
          const now = new Date().toISOString()
          // Tags are not counted in posts_version (post_tags has no trigger): counted at each generation, and
          // only when the block is shown.
          const showsTags = sidebarBlocks.some((b) => b.type === 'tags')
          const [postsPart, recentComments, tags] = await Promise.all([
            app.freshness.postsMemo({ name: 'sidebar' }, () => loadPostsSidebar(app.db, now, timezone, fmt)),
            loadRecentComments(app.db, now),
            showsTags ? loadTags(app.db, now) : [],
          ])
          return { ...postsPart, recentComments, tags, links, blocks: blockViews(sidebarBlocks) }
        },
        request,
      )
    },
    // The partial gets only the language and the feed links (views/partials/sidebar.eta).
    fragment(page) {
      const subscribe = page.subscribe ?? null
      return {
        key: [page.lang, subscribe?.rss ?? null, subscribe?.atom ?? null],
        // The subscribe form (src/newsletter/) is there whenever mail is on: the same for every page.
        data: { lang: page.lang, t: messages(page.lang), subscribe, newsletter: app.mail.enabled },
      }
    },
  })
}

export default fp(sidebarPlugin, { name: 'reader-sidebar', dependencies: ['render', 'freshness', 'settings'] })
