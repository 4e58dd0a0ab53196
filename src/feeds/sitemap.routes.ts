// What search engines read: /robots.txt (everything but the admin, and where the sitemap is) and /sitemap.xml, a
// sitemap index (sitemaps.org) pointing to sitemaps of at most URLS_PER_FILE addresses each:
// - /sitemap-lists-<n>.xml: the home page, each category and month that has a visible post;
// - /sitemap-posts-<n>.xml: the visible posts, oldest first, numbered: a new post changes only the last file, and
//   older files keep their lastmod (a crawler skips them).
// Each address comes with the time its page last changed (a post: its publication, edit or last approved comment;
// the home page and a month: the latest of their posts'; a category: the latest of those on its first page). Paged lists (?page=N) are left out: they only repeat the posts' own pages.
// Every file is a CACHEABLE route of its own (kept by the page cache until the next write). What the index and
// the lists need, the files' lastmods, comes from one walk over the visible posts per freshness generation, in
// batches of 1,000 posts with a rest between them: a blog of 100,000 posts never holds the event loop for more than one batch.
//
// Another kind of page gets its own sitemap by adding a SitemapSource to SOURCES (its name makes its files'
// addresses, /sitemap-<name>-<n>.xml); the index lists a source's files only when it has any.
import { setImmediate as rest } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { CACHEABLE } from '../cache/policy.ts'
import { compiled } from '../db/compiled.ts'
import { categoriesWithCounts } from '../content/post-counts.ts'
import { listPublishedInCategory } from '../content/posts.repository.ts'
import { listedToReaders } from '../content/visibility.ts'
import { escapeHtml } from '../lib/html.ts'
import { authorPath, categoryPath, monthPath, postPath } from '../lib/urls.ts'
import { later, monthRange, nowIso, zonedParts } from '../lib/time.ts'
import * as repo from './feeds.repository.ts'

/**
 * Addresses per sitemap file. The protocol allows 50,000 (and 50 MB); 10,000 keeps a file near 1.5 MB, well within
 * what the page cache keeps per answer (src/cache/page-cache.ts), and quick to build after a write.
 */
export const URLS_PER_FILE = 10_000

/** Posts read per statement while walking the blog: each batch is one short statement, then a rest. */
const BATCH = 1_000

export interface SitemapUrl {
  path: string
  lastmod: string
}

export interface SitemapOptions {
  /** Addresses per file (tests lower it). */
  urlsPerFile?: number
}

/** The sitemaps of one kind of page: their files' lastmods, and one file's addresses. */
export interface SitemapSource {
  /** Lowercase letters: its files are /sitemap-<name>-<n>.xml. */
  name: string
  /** One lastmod per file, each file holding at most `perFile` addresses; none when it has no address. */
  files(app: FastifyInstance, perFile: number): Promise<string[]>
  /** File `n`'s addresses (1-based), or undefined when there is no such file. */
  urls(app: FastifyInstance, perFile: number, n: number): Promise<SitemapUrl[] | undefined>
}

type Cursor = { at: string; id: number }

/** Visible posts after a cursor, oldest first, with the last approved comment of each (an index seek each). */
const postsAfter = compiled((db, p: { now: string; at: string; id: number; limit: number }) =>
  db
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
    .where((eb) => listedToReaders(eb, p.now))
    // The bound on published_at alone keeps this an index range; the OR only settles ties.
    .where('p.published_at', '>=', p.at)
    .where((eb) => eb.or([eb('p.published_at', '>', p.at), eb('p.id', '>', p.id)]))
    .orderBy('p.published_at')
    .orderBy('p.id')
    .limit(p.limit),
)

type PostRow = Awaited<ReturnType<typeof postsAfter>>[number]

const postLastmod = (p: PostRow) => later(later(p.published_at!, p.updated_at), p.last_comment_at)

/** Every visible post from a cursor on, a batch at a time, with a rest between batches. */
async function* walkPosts(app: FastifyInstance, now: string, from: Cursor = { at: '', id: 0 }, max = Infinity) {
  let cursor = from
  for (let left = max; left > 0;) {
    const rows = await postsAfter(app.db, { now, at: cursor.at, id: cursor.id, limit: Math.min(BATCH, left) })
    if (rows.length === 0) return
    yield rows
    left -= rows.length
    const last = rows.at(-1)!
    cursor = { at: last.published_at!, id: last.id }
    await rest()
  }
}

interface Summary {
  /** Per file of posts: where it starts and its lastmod. */
  postFiles: Array<{ from: Cursor; lastmod: string }>
  /** The home page, then the categories by address, then the months, newest first. */
  lists: SitemapUrl[]
}

/** One walk over the visible posts, kept for the freshness generation: everything but the posts' own lines. */
/**
 * The blog's months in its time zone, oldest first, as UTC ranges, from the month of `first` to the month of
 * `now`: the walk below finds each post's month by moving along them (posts come oldest first), without asking
 * Intl for each of 100,000 posts.
 */
function monthsFrom(first: string, now: string, timeZone: string): Array<{ path: string; to: string }> {
  const months: Array<{ path: string; to: string }> = []
  const end = zonedParts(now, timeZone)
  for (let { year, month } = zonedParts(first, timeZone); year < end.year || (year === end.year && month <= end.month);) {
    months.push({ path: monthPath(year, month), to: monthRange(year, month, timeZone)[1] })
    if (++month === 13) [year, month] = [year + 1, 1]
  }
  return months
}

/** One walk over the visible posts, kept for the freshness generation: everything but the posts' own lines. */
function summary(app: FastifyInstance, perFile: number): Promise<Summary> {
  return app.freshness.memo({ name: 'sitemap', args: [perFile] }, async () => {
    const now = nowIso()
    const tz = app.settings.get().timezone
    const postFiles: Summary['postFiles'] = []
    const months = new Map<string, string>()
    const categories = new Map<string, string>()
    let home: string | undefined
    let previous: Cursor = { at: '', id: 0 }
    let n = 0
    // A category's address is its first page: it changes with the posts listed there (their titles, excerpts,
    // comment counts). Those posts (from the kept counts and one page of each category) are noted before the walk.
    const perPage = app.settings.get().postsPerPage
    const firstPages = new Map<number, string[]>()
    for (const c of await categoriesWithCounts(app.db, now)) {
      for (const p of await listPublishedInCategory(app.db, { now, categoryId: c.id, limit: perPage, offset: 0 })) {
        firstPages.set(p.id, [...(firstPages.get(p.id) ?? []), categoryPath(c.slug)])
      }
    }
    let calendar: Array<{ path: string; to: string }> | undefined
    let m = 0
    for await (const rows of walkPosts(app, now)) {
      calendar ??= monthsFrom(rows[0]!.published_at!, now, tz)
      for (const p of rows) {
        const lastmod = postLastmod(p)
        if (n++ % perFile === 0) postFiles.push({ from: previous, lastmod })
        const file = postFiles.at(-1)!
        file.lastmod = later(file.lastmod, lastmod)
        home = later(lastmod, home)
        while (m < calendar.length - 1 && p.published_at! >= calendar[m]!.to) m++
        const month = calendar[m]!.path
        months.set(month, later(lastmod, months.get(month)))
        for (const path of firstPages.get(p.id) ?? []) categories.set(path, later(lastmod, categories.get(path)))
        previous = { at: p.published_at!, id: p.id }
      }
    }
    const byPath = (a: SitemapUrl, b: SitemapUrl) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
    const urls = (m: Map<string, string>) => [...m].map(([path, lastmod]) => ({ path, lastmod }))
    return {
      postFiles,
      lists: [
        { path: '/', lastmod: home ?? (await repo.contentChangedAt(app.db)) ?? now },
        ...urls(categories).sort(byPath),
        ...urls(months).sort(byPath).reverse(),
      ],
    }
  })
}

/** A whole list of addresses cut into files of `perFile`: each file's lastmod, the latest of its addresses'. */
function fileLastmods(urls: readonly SitemapUrl[], perFile: number): string[] {
  const files: string[] = []
  for (let i = 0; i < urls.length; i += perFile) files.push(urls.slice(i, i + perFile).reduce((m, u) => later(m, u.lastmod), ''))
  return files
}

/** File `n` (1-based) of a whole list cut into files of `perFile`; undefined past the end. */
function fileOf(urls: readonly SitemapUrl[], perFile: number, n: number): SitemapUrl[] | undefined {
  const file = urls.slice((n - 1) * perFile, n * perFile)
  return file.length ? file : undefined
}

const lists: SitemapSource = {
  name: 'lists',
  files: async (app, perFile) => fileLastmods((await summary(app, perFile)).lists, perFile),
  urls: async (app, perFile, n) => fileOf((await summary(app, perFile)).lists, perFile, n),
}

const posts: SitemapSource = {
  name: 'posts',
  async files(app, perFile) {
    return (await summary(app, perFile)).postFiles.map((f) => f.lastmod)
  },
  async urls(app, perFile, n) {
    const file = (await summary(app, perFile)).postFiles[n - 1]
    if (!file) return undefined
    const tz = app.settings.get().timezone
    const urls: SitemapUrl[] = []
    for await (const rows of walkPosts(app, nowIso(), file.from, perFile)) {
      for (const p of rows) urls.push({ path: postPath(p, tz), lastmod: postLastmod(p) })
    }
    return urls
  },
}

/** A source whose addresses are few (static pages, authors): read whole once per freshness generation. */
function smallSource(name: string, read: (app: FastifyInstance, now: string) => Promise<SitemapUrl[]>): SitemapSource {
  const all = (app: FastifyInstance) => app.freshness.memo({ name: `sitemap-${name}`, args: [] }, () => read(app, nowIso()))
  return {
    name,
    files: async (app, perFile) => fileLastmods(await all(app), perFile),
    urls: async (app, perFile, n) => fileOf(await all(app), perFile, n),
  }
}

/** Static pages (/about.html): their last edit or approved comment. */
const pages = smallSource('pages', async (app, now) => {
  const tz = app.settings.get().timezone
  return (await repo.sitemapPages(app.db, now)).map((p) => ({
    path: postPath(p, tz),
    lastmod: later(later(p.published_at!, p.updated_at), p.last_comment_at),
  }))
})

/** Authors' pages (/author/<slug>) of writers with posts readers see: their newest post. */
const authors = smallSource('authors', async (app, now) =>
  (await repo.sitemapAuthors(app.db, now)).map((a) => ({ path: authorPath(a.slug), lastmod: later(a.published_at, a.updated_at) })),
)

/** The kinds of pages the index lists, in this order. */
export const SOURCES: readonly SitemapSource[] = [lists, posts, pages, authors]

/** W3C Datetime without the milliseconds: `2017-10-01T17:08:00Z`. */
function w3cDate(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z')
}

const XML = 'application/xml; charset=utf-8'

export default async function sitemapRoutes(app: FastifyInstance, options: SitemapOptions) {
  const perFile = options.urlsPerFile ?? URLS_PER_FILE
  const loc = (path: string) => escapeHtml(app.config.siteUrl + path)

  app.get('/sitemap.xml', { config: CACHEABLE }, async (request, reply) => {
    const entries: string[] = []
    for (const source of SOURCES) {
      const files = await source.files(app, perFile)
      files.forEach((lastmod, i) => {
        entries.push(`<sitemap><loc>${loc(`/sitemap-${source.name}-${i + 1}.xml`)}</loc><lastmod>${w3cDate(lastmod)}</lastmod></sitemap>`)
      })
    }
    const body = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
      ...entries,
      '</sitemapindex>',
      '',
    ].join('\n')
    return reply.type(XML).send(body)
  })

  app.get<{ Params: { name: string; n: string } }>(
    '/sitemap-:name(^[a-z]+)-:n(^[1-9]\\d{0,5}).xml',
    { config: CACHEABLE },
    async (request, reply) => {
      const source = SOURCES.find((s) => s.name === request.params.name)
      const urls = source && (await source.urls(app, perFile, Number(request.params.n)))
      if (!urls) return reply.callNotFound()
      const body = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        ...urls.map((u) => `<url><loc>${loc(u.path)}</loc><lastmod>${w3cDate(u.lastmod)}</lastmod></url>`),
        '</urlset>',
        '',
      ].join('\n')
      return reply.type(XML).send(body)
    },
  )

  app.get('/robots.txt', { config: CACHEABLE }, async (request, reply) => {
    const body = ['User-agent: *', 'Disallow: /admin', '', `Sitemap: ${app.config.siteUrl}/sitemap.xml`, ''].join('\n')
    return reply.type('text/plain; charset=utf-8').send(body)
  })
}
