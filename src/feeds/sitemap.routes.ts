// What search engines read: /robots.txt (everything but the admin, and where the sitemap is) and /sitemap.xml, a
// sitemap index (sitemaps.org) pointing to sitemaps of at most URLS_PER_FILE addresses each:
// - /sitemap-lists-<n>.xml: the home page, each category and month that has a visible post;
// - /sitemap-posts-<n>.xml: the visible posts, oldest first, numbered: a new post changes only the last file, and
//   older files keep their lastmod (a crawler skips them).
// Each address comes with the time its page last changed (a post: its publication, edit or last approved comment;
// the home page and a month: the latest of their posts'; a category: the latest of those on its first page). Paged lists (?page=N) are left out: they only repeat the posts' own pages.
// Every file is a CACHEABLE route of its own (kept by the page cache until the next write). What the index and
// the lists need, the files' starts and lastmods, comes from what the database keeps at each write (the counts per
// month, the latest change per day, the days whose posts moved: see summary()), never from a walk over every post;
// a file of posts is read in batches of 1,000 with a rest between them.
//
// Another kind of page gets its own sitemap by adding a SitemapSource to SOURCES (its name makes its files'
// addresses, /sitemap-<name>-<n>.xml); the index lists a source's files only when it has any.
import { setImmediate as rest } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { type ExpressionBuilder, type Kysely, sql } from 'kysely'
import { CACHEABLE } from '../cache/policy.ts'
import { compiled } from '../db/compiled.ts'
import { dialectOfDb } from '../db/dialect.ts'
import { jsonPairs } from '../db/portable.ts'
import type { Database, PostsTable } from '../db/schema.ts'
import { categoriesWithCounts, countVisible } from '../content/post-counts.ts'
import { listedToReaders } from '../content/visibility.ts'
import { escapeHtml } from '../lib/html.ts'
import { archivePath, authorPath, categoryPath, monthPath, postPath } from '../lib/urls.ts'
import { later, monthRange, nowIso, wallClock, zonedParts } from '../lib/time.ts'
import * as repo from './feeds.repository.ts'

/**
 * Addresses per sitemap file. The protocol allows 50,000 (and 50 MB); WordPress puts 2,000 in a file, Yoast 1,000.
 * 1,000 (~150 KB): a file is one statement of BATCH posts, so its first answer after a write costs about what a
 * page of a list does (at 100,000 posts, in process on a busy machine, 4–49 ms against 48–417 ms for a file of
 * 10,000: bench/RESULTS.md, 2026-12-07), and the index, which grows by a line a file, stays small (100 lines at
 * 100,000 posts; 1,000 at a million, against the protocol's 50,000 per index).
 */
export const URLS_PER_FILE = 1_000

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

/** Whether a post at cursor `a` comes before one at `b` (oldest first, ties by id). */
const precedes = (a: Cursor, b: Cursor) => a.at < b.at || (a.at === b.at && a.id < b.id)

/** A post's latest approved comment, kept in post_stats by triggers (a primary-key lookup). */
function lastComment(eb: ExpressionBuilder<Database & { p: PostsTable }, 'p'>) {
  return eb.selectFrom('post_stats as ps').select('ps.last_comment_at').whereRef('ps.post_id', '=', 'p.id').as('last_comment_at')
}

/** Visible posts after a cursor, oldest first, each with its latest approved comment. */
const postsAfter = compiled((db, p: { now: string; at: string; id: number; limit: number }) =>
  db
    .selectFrom('posts as p')
    .select(['p.id', 'p.slug', 'p.published_at', 'p.updated_at'])
    .select(lastComment)
    .where((eb) => listedToReaders(eb, p.now))
    // The bound on published_at alone keeps this an index range; the OR only settles ties.
    .where('p.published_at', '>=', p.at)
    .where((eb) => eb.or([eb('p.published_at', '>', p.at), eb('p.id', '>', p.id)]))
    .orderBy('p.published_at')
    .orderBy('p.id')
    .limit(p.limit),
)

/** A post's page's last change: its publication, its last edit or its latest approved comment. */
const postLastmod = (p: { published_at: string | null; updated_at: string; last_comment_at: string | null }) =>
  later(later(p.published_at!, p.updated_at), p.last_comment_at)

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

// ---- the last changes, from what the database keeps (migrations/2026_12_06_21_00_00_sitemap_days.ts) ----

/** Per UTC day ('2017-10-01'), the latest change among that day's published posts (due or not), oldest first. */
const keptDays = compiled((db) => db.selectFrom('sitemap_days').select(['day', 'changed_at']).orderBy('day'))

/** Published posts (due or not) in [from, to) ranges of time, one index range each, in one statement. */
const postsInRanges = compiled((db, p: { ranges: string }) =>
  db
    .selectFrom(jsonPairs(db, p.ranges).as('r'))
    // CROSS JOIN: SQLite then walks the ranges first, and reads one index range of posts for each (given an
    // inner join, it walked every published post and tried each range on it).
    .crossJoin('posts as p')
    .select(['p.id', 'p.published_at', 'p.updated_at'])
    .select(lastComment)
    .where('p.kind', '=', 'post')
    .where('p.status', '=', 'published')
    .whereRef('p.published_at', '>=', 'r.first')
    .whereRef('p.published_at', '<', 'r.second'),
)

/** A post readers see, where it sorts and its page's last change. */
interface Change extends Cursor {
  lastmod: string
  /** Its own last change: its publication or its last edit (its comments aside). */
  own: string
}

/**
 * The posts readers see on some UTC days, oldest first, each with its last change: those of the days a file or a
 * month begins in (a day's kept figure cannot be split) and of today (some of its posts may not be due).
 */
async function postsOfDays(app: FastifyInstance, days: Iterable<string>, now: string): Promise<Change[]> {
  const ranges = [...new Set(days)].map((day) => [day, `${day}T99`])
  if (ranges.length === 0) return []
  const rows = await postsInRanges(app.db, { ranges: JSON.stringify(ranges) })
  return rows
    .filter((r) => r.published_at! <= now)
    .map((r) => ({ at: r.published_at!, id: r.id, lastmod: postLastmod(r), own: later(r.published_at!, r.updated_at) }))
    .sort((a, b) => (precedes(a, b) ? -1 : precedes(b, a) ? 1 : 0))
}

/** The published post (due or not) at a position, oldest first, from its UTC month's start (a short offset). */
function postAt(db: Kysely<Database>, from: string, offset: number) {
  return db
    .selectFrom('posts as p')
    .select(['p.published_at', 'p.id'])
    .where('p.kind', '=', 'post')
    .where('p.status', '=', 'published')
    .where('p.published_at', '>=', from)
    .orderBy('p.published_at')
    .orderBy('p.id')
    .limit(1)
    .offset(offset)
}

/** postAt compiled once, for SQLite (a statement costs no round trip there). */
const postAtCompiled = compiled((db, p: { from: string; offset: number }) => postAt(db, p.from, p.offset))

/**
 * On PostgreSQL, every file's start in one statement: one subquery, planned once, run for each wanted position
 * (LATERAL). A UNION ALL of a subquery each (the previous way) cost its planning a hundred times: 14 ms of the
 * index's 35 after a post at 100,000 posts.
 */
const postsAtLateral = compiled((db, p: { wanted: string }) =>
  db
    .selectFrom(jsonPairs(db, p.wanted).as('w'))
    .crossJoinLateral((eb) =>
      eb
        .selectFrom('posts as p')
        .select(['p.published_at', 'p.id'])
        .where('p.kind', '=', 'post')
        .where('p.status', '=', 'published')
        .whereRef('p.published_at', '>=', 'w.first')
        .orderBy('p.published_at')
        .orderBy('p.id')
        .limit(1)
        .offset(sql<number>`cast(w.second as integer)`)
        .as('s'),
    )
    .select(['s.published_at', 's.id']),
)

const keptMonths = compiled((db) => db.selectFrom('month_counts').select(['month', 'posts']).where('posts', '>', 0).orderBy('month'))

/**
 * Where files of posts start, from file `first` on: the posts at positions first × perFile, (first + 1) × perFile…
 * of the visible ones, found from the kept counts per UTC month (the published posts before each month) and a
 * short offset into one month. Posts not yet due all come after the visible ones, so they move no position below
 * `visible`.
 */
async function fileStarts(app: FastifyInstance, now: string, perFile: number, first: number): Promise<Cursor[]> {
  const [months, visible] = await Promise.all([keptMonths(app.db, {}), countVisible(app.db, now)])
  const wanted: Array<{ from: string; offset: number }> = []
  let i = 0
  let before = 0
  for (let position = first * perFile; position < visible; position += perFile) {
    while (i < months.length - 1 && before + Number(months[i]!.posts) <= position) before += Number(months[i++]!.posts)
    wanted.push({ from: months[i]?.month ?? '', offset: position - before })
  }
  const starts: Cursor[] = []
  if (wanted.length === 0) return starts
  if (dialectOfDb(app.db) === 'sqlite') {
    for (const w of wanted) {
      const row = await postAtCompiled.first(app.db, w)
      if (!row) break
      starts.push({ at: row.published_at!, id: row.id })
    }
    return starts
  }
  const rows = await postsAtLateral(app.db, { wanted: JSON.stringify(wanted.map((w) => [w.from, w.offset])) })
  starts.push(...rows.map((r) => ({ at: r.published_at!, id: r.id })))
  // Positions are in order, and so are their posts (a position past the end, after a concurrent change, has none).
  return starts.sort((a, b) => (precedes(a, b) ? -1 : precedes(b, a) ? 1 : 0))
}

/** A post on a day a file begins in (or today), in its file: its own last change (publication, edit). */
interface EdgePost {
  id: number
  day: string
  file: number
  own: string
}

/** A layout as read, and the posts' version it was read at. */
interface Built {
  version: number
  starts: Cursor[]
  edges: EdgePost[]
}

interface Layout {
  /** Per file of posts: its first post, and the latest own change of its posts on the days at its ends. */
  files: Array<{ from: Cursor; own: string }>
  /** JSON pairs, one per file in order: the UTC days strictly between its ends' (whole days of its own). */
  wholeDays: string
  /** JSON pairs [post id, file's position] of its posts on the days at its ends. */
  edgePosts: string
}

/**
 * The posts' version now, and the earliest UTC day whose posts were added, removed or moved since version `after`
 * (null if none): kept by triggers (migrations/2026_12_07_05_10_00_sitemap_moves.ts). One statement, so that the
 * two agree on PostgreSQL too.
 */
const movedSince = compiled((db, p: { after: number }) =>
  db
    .selectFrom('site_state as s')
    .select('s.posts_version')
    .select((eb) =>
      eb
        .selectFrom('sitemap_moves as m')
        .select((eb) => eb.fn.min<string>('m.day').as('day'))
        .where('m.moved', '>', p.after)
        .as('since'),
    )
    .where('s.id', '=', 1),
)

/** The UTC days whose posts were edited (not moved) since version `after`: a few rows of an index. */
const editedSince = compiled((db, p: { after: number }) => db.selectFrom('sitemap_moves').select('day').where('edited', '>', p.after))

/** Per app and file size, the layout read last: what a write leaves of it is kept (see layout()). */
const lastBuilt = new WeakMap<FastifyInstance, Map<number, Built>>()

/**
 * Where each file of posts starts and what of its last change moves only with the posts: kept until the posts
 * change (postsMemo), not redone at a comment. A file's last change is the latest of its whole days'
 * (sitemap_days) and of its posts on the days at its ends (a day's kept figure cannot be split): those posts are
 * known here, with their own changes; their comments' and the days' are read at each generation (fileChanges).
 * After a write, only the files from the earliest day a post was added to, removed from or moved on are read
 * again (sitemap_moves): the posts before that day, their order and their count are as they were, and so are the
 * files that end before it. A new post is the newest: its file, the last, is read again (one short statement, and
 * the posts of two days), whatever the blog's size; so is it when a scheduled post comes due (it comes after every
 * visible one). A post edited moves no file: the posts of its day are read again if a file begins that day. A post
 * added, removed or moved years back reads the files from its day on, up to every file (as each layout did).
 */
async function layout(app: FastifyInstance, perFile: number): Promise<Layout> {
  const now = nowIso()
  const byFileSize = lastBuilt.get(app) ?? new Map<number, Built>()
  lastBuilt.set(app, byFileSize)
  let kept = byFileSize.get(perFile)
  const moved = await movedSince.first(app.db, { after: kept?.version ?? -1 })
  const version = Number(moved?.posts_version ?? 0)
  // A version gone back (a database restored under the server): nothing kept is known to hold.
  if (kept && version < kept.version) kept = undefined
  // The last file is always read again (it ends now: today's posts, a scheduled post come due), and so is the
  // first file that ends on or after the earliest day moved, with every file after it.
  let first = 0
  if (kept && kept.starts.length) {
    const ends = kept.starts.slice(1).map((s) => s.at.slice(0, 10))
    const since = moved?.since
    first = since ? ends.findIndex((day) => day >= since) : -1
    if (first < 0) first = kept.starts.length - 1
  }
  let starts = [...(kept?.starts.slice(0, first) ?? []), ...(await fileStarts(app, now, perFile, first))]
  // The kept files' next start, read again, is where it was (else something moved unseen: read them all).
  if (first > 0 && !sameCursor(starts[first], kept!.starts[first])) {
    first = 0
    starts = await fileStarts(app, now, perFile, 0)
  }
  // The kept files' posts at their ends are kept, but those of a day edited since (their own last change moved).
  const edited = new Set<string>()
  if (first > 0) {
    const ends = new Set(starts.slice(0, first + 1).map((s) => s.at.slice(0, 10)))
    for (const { day } of await editedSince(app.db, { after: kept!.version })) if (ends.has(day)) edited.add(day)
  }
  const edges = first > 0 ? kept!.edges.filter((e) => e.file < first && !edited.has(e.day)) : []
  // The days files from `first` on begin in, and today (some of its posts may not be due: the last file ends now).
  const days = [...edited, ...starts.slice(first).map((s) => s.at.slice(0, 10)), now.slice(0, 10)]
  // Both sorted: each post goes to the last file starting at or before it; before `first`, only an edited day's.
  let k = 0
  for (const e of await postsOfDays(app, days, now)) {
    while (k + 1 < starts.length && !precedes(e, starts[k + 1]!)) k++
    if (!starts[k] || precedes(e, starts[k]!)) continue
    const day = e.at.slice(0, 10)
    if (k >= first || edited.has(day)) edges.push({ id: e.id, day, file: k, own: e.own })
  }
  byFileSize.set(perFile, { version, starts, edges })
  const files = starts.map((from) => ({ from, own: '' }))
  for (const e of edges) files[e.file]!.own = later(files[e.file]!.own, e.own)
  const wholeDays = starts.map((from, i) => [from.at.slice(0, 10), (starts[i + 1]?.at ?? now).slice(0, 10)])
  return { files, wholeDays: JSON.stringify(wholeDays), edgePosts: JSON.stringify(edges.map((e) => [e.id, e.file])) }
}

const sameCursor = (a: Cursor | undefined, b: Cursor | undefined) => a?.at === b?.at && a?.id === b?.id

/**
 * What moves with comments, per file (its position): the latest change of its whole days, and the latest
 * approved comment of its posts on the days at its ends. One statement for every file (one round trip on
 * PostgreSQL): an index range of sitemap_days and a primary-key lookup per post, two rows per file back.
 */
const fileChanges = compiled((db, p: { wholeDays: string; edgePosts: string }) =>
  db
    .selectFrom(jsonPairs(db, p.wholeDays).as('r'))
    // CROSS JOIN: the files first, then one index range of days each.
    .crossJoin('sitemap_days as d')
    .select([sql<number>`r.key`.as('file'), (eb) => eb.fn.max<string | null>('d.changed_at').as('changed_at')])
    .whereRef('d.day', '>', 'r.first')
    .whereRef('d.day', '<', 'r.second')
    .groupBy('r.key')
    .unionAll(
      db
        .selectFrom(jsonPairs(db, p.edgePosts).as('e'))
        .crossJoin('post_stats as ps')
        .select([sql<number>`cast(e.second as integer)`.as('file'), (eb) => eb.fn.max('ps.last_comment_at').as('changed_at')])
        .where('ps.post_id', '=', sql<number>`cast(e.first as integer)`)
        .groupBy('e.second'),
    ),
)

interface Summary {
  now: string
  /** Per file of posts: its first post and its lastmod. */
  postFiles: Array<{ from: Cursor; lastmod: string }>
  /** The latest change of every visible post (the home page's), when there is any. */
  home: string | undefined
  /** The first visible post, when there is one. */
  first: Cursor | undefined
}

/**
 * What the index needs, kept for the freshness generation: each file of posts' start and last change, from kept
 * data, never from a walk over every post. At 100,000 posts, after a comment: one statement (fileChanges, 200
 * rows back); after a post, also the starts of the files from its day on (a short statement each; on PostgreSQL
 * one for them all) and the posts of the days they begin in: for a new post, the last file's (see layout()).
 */
function summary(app: FastifyInstance, perFile: number): Promise<Summary> {
  return app.freshness.memo({ name: 'sitemap', args: [perFile] }, async () => {
    const now = nowIso()
    const kept = await app.freshness.postsMemo({ name: 'sitemap-layout', args: [perFile] }, () => layout(app, perFile))
    const postFiles = kept.files.map((f) => ({ from: f.from, lastmod: f.own }))
    if (postFiles.length) {
      for (const c of await fileChanges(app.db, kept)) {
        const file = postFiles[Number(c.file)]
        if (file) file.lastmod = later(file.lastmod, c.changed_at)
      }
    }
    const home = postFiles.reduce<string | undefined>((m, f) => later(f.lastmod, m), undefined)
    return { now, postFiles, home, first: postFiles[0]?.from }
  })
}

/**
 * The blog's months in its time zone, oldest first, as UTC ranges, from the month of `first` to the month of
 * `now`.
 */
function monthsFrom(first: string, now: string, timeZone: string): Array<{ path: string; from: string; to: string }> {
  const months: Array<{ path: string; from: string; to: string }> = []
  const end = zonedParts(now, timeZone)
  for (let { year, month } = zonedParts(first, timeZone); year < end.year || (year === end.year && month <= end.month);) {
    const [from, to] = monthRange(year, month, timeZone)
    months.push({ path: monthPath(year, month), from, to })
    if (++month === 13) [year, month] = [year + 1, 1]
  }
  return months
}

/** A category's first page's posts (as its page lists them), each with its last change. */
const categoryFirstPage = compiled((db, p: { now: string; categoryId: number; limit: number }) =>
  db
    .selectFrom('post_categories as pc')
    .innerJoin('posts as p', 'p.id', 'pc.post_id')
    .select(['p.published_at', 'p.updated_at'])
    .select(lastComment)
    .where('pc.category_id', '=', p.categoryId)
    .where((eb) => listedToReaders(eb, p.now))
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(p.limit),
)

/** Statements run between two rests. */
const STATEMENTS_PER_REST = 25

/**
 * The lists' addresses with their last changes: the home page, then the categories by address, then the months,
 * newest first. A month's last change is the latest of its whole UTC days' and of its posts on the days its ends
 * fall in (a time zone's month starts at some hour of a UTC day), so never a walk over every post.
 */
function listUrls(app: FastifyInstance, perFile: number): Promise<SitemapUrl[]> {
  return app.freshness.memo({ name: 'sitemap-lists', args: [perFile] }, async () => {
    const s = await summary(app, perFile)
    const { now, first } = s
    const days = await keptDays(app.db, {})
    const tz = app.settings.get().timezone
    // A category's address is its first page: it changes with the posts listed there (their titles, excerpts,
    // comment counts).
    const perPage = app.settings.get().postsPerPage
    const categories: SitemapUrl[] = []
    let statements = 0
    for (const c of await categoriesWithCounts(app.db, now)) {
      const rows = await categoryFirstPage(app.db, { now, categoryId: c.id, limit: perPage })
      if (rows.length) categories.push({ path: categoryPath(c.slug), lastmod: rows.map(postLastmod).reduce((m, l) => later(m, l)) })
      if (++statements % STATEMENTS_PER_REST === 0) await rest()
    }
    const months = new Map<string, string>()
    if (first) {
      const calendar = monthsFrom(first.at, now, tz)
      const today = now.slice(0, 10)
      // The days a month of the time zone begins in, unless at midnight UTC, and today: read post by post.
      const split = new Set([today, ...calendar.filter((m) => !m.from.endsWith('T00:00:00.000Z')).map((m) => m.from.slice(0, 10))])
      const monthOf = (at: string) => {
        let lo = 0
        let hi = calendar.length - 1
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1
          if (calendar[mid]!.from <= at) lo = mid
          else hi = mid - 1
        }
        return calendar[lo]!.path
      }
      const note = (at: string, lastmod: string) => {
        const path = monthOf(at)
        months.set(path, later(lastmod, months.get(path)))
      }
      for (const d of days) if (d.day < today && !split.has(d.day)) note(`${d.day}T00:00:00.000Z`, d.changed_at)
      for (const e of await postsOfDays(app, split, now)) note(e.at, e.lastmod)
    }
    const byPath = (a: SitemapUrl, b: SitemapUrl) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
    return [
      { path: '/', lastmod: await homeLastmod(app, s) },
      ...categories.sort(byPath),
      ...[...months]
        .map(([path, lastmod]) => ({ path, lastmod }))
        .sort(byPath)
        .reverse(),
    ]
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

/** The home page's last change: its newest post's, or the blog's last change when it has none. */
async function homeLastmod(app: FastifyInstance, s: Summary): Promise<string> {
  return s.home ?? (await repo.contentChangedAt(app.db)) ?? s.now
}

const lists: SitemapSource = {
  name: 'lists',
  async files(app, perFile) {
    const s = await summary(app, perFile)
    // The usual case, one file (the home page, the categories and the months: a few hundred addresses): its last
    // change is the home page's, the latest of all, known without the months'.
    const months = s.first
      ? 12 * (Number(s.now.slice(0, 4)) - Number(s.first.at.slice(0, 4))) + Number(s.now.slice(5, 7)) - Number(s.first.at.slice(5, 7)) + 2
      : 0
    if (1 + (await categoriesWithCounts(app.db, s.now)).length + months <= perFile) return [await homeLastmod(app, s)]
    return fileLastmods(await listUrls(app, perFile), perFile)
  },
  urls: async (app, perFile, n) => fileOf(await listUrls(app, perFile), perFile, n),
}

/** A UTC day's offset from UTC in a time zone when the same all day long, else null (keyed `<zone> <day>`). */
const dayOffsets = new Map<string, number | null>()

/** How far an instant's wall clock in a zone is ahead of UTC, in ms (to the second, as offsets are). */
const offsetAt = (iso: string, timeZone: string) => Date.parse(`${wallClock(iso, timeZone)}Z`) - Math.floor(Date.parse(iso) / 1000) * 1000

/**
 * A post's day in the blog's time zone, computed once per UTC day instead of once per post (an Intl call each:
 * 4–20 ms for the 1,000 posts of a file, a busy machine's figures): on a UTC day that begins and ends with the same
 * offset, an instant's day is the UTC day of the instant moved by that offset; on a day the offset changes, each
 * post's own (zonedParts).
 */
function zonedDay(iso: string, timeZone: string) {
  const key = `${timeZone} ${iso.slice(0, 10)}`
  let offset = dayOffsets.get(key)
  if (offset === undefined) {
    const start = offsetAt(`${iso.slice(0, 10)}T00:00:00.000Z`, timeZone)
    offset = start === offsetAt(`${iso.slice(0, 10)}T23:59:59.999Z`, timeZone) ? start : null
    // Bounded: a blog's days are a few thousand.
    if (dayOffsets.size >= 100_000) dayOffsets.clear()
    dayOffsets.set(key, offset)
  }
  if (offset === null) return zonedParts(iso, timeZone)
  const local = new Date(Date.parse(iso) + offset)
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() }
}

const posts: SitemapSource = {
  name: 'posts',
  async files(app, perFile) {
    return (await summary(app, perFile)).postFiles.map((f) => f.lastmod)
  },
  async urls(app, perFile, n) {
    const s = await summary(app, perFile)
    const file = s.postFiles[n - 1]
    if (!file) return undefined
    const tz = app.settings.get().timezone
    const urls: SitemapUrl[] = []
    // The walk starts after its cursor: one id before the file's first post is the same place.
    for await (const rows of walkPosts(app, s.now, { at: file.from.at, id: file.from.id - 1 }, perFile)) {
      for (const p of rows) urls.push({ path: archivePath(p.slug, zonedDay(p.published_at!, tz)), lastmod: postLastmod(p) })
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
