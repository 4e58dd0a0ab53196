// Readers' counts of posts (in all, per category, per month or year of the blog's time zone), read from the
// counts the database keeps at each write (month_counts, category_counts: migrations/2026_12_06_19_30_00_post_counts.ts)
// instead of counted over every published post: a new post, a scheduled post coming due or a thread closing
// costs a few dozen rows read, whatever the blog's size.
// Those tables count published posts due or not, by UTC month: readers' counts subtract the scheduled posts not
// yet due (an index range over future dates), and a month of the blog's time zone is computed from the UTC months
// around it plus the few hours between their starts, read from the (status, published_at) index.
import type { Kysely } from 'kysely'
import { compiled } from '../db/compiled.ts'
import { jsonPairs } from '../db/portable.ts'
import type { Database } from '../db/schema.ts'

type Db = Kysely<Database>

const publishedInRangesQuery = compiled((db, p: { ranges: string }) =>
  db
    .selectFrom(jsonPairs(db, p.ranges).as('r'))
    .select('r.key as range')
    // A correlated count per range: SQLite walks the ranges and counts a slice of the (kind, status, published_at)
    // index for each. One lower and one upper bound only: given two upper bounds (a range's end and `now`), it
    // took the first and walked from the range's start to now, most of the blog for an old month.
    .select((eb) =>
      eb
        .selectFrom('posts as p')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('p.kind', '=', 'post')
        .where('p.status', '=', 'published')
        .whereRef('p.published_at', '>=', 'r.first')
        .whereRef('p.published_at', '<', 'r.second')
        .as('count'),
    ),
)

/** Published posts (due or not) in each short [from, to) range, in one statement. */
async function publishedInRanges(db: Db, ranges: ReadonlyArray<readonly [string, string]>): Promise<Map<number, number>> {
  const rows = await publishedInRangesQuery(db, { ranges: JSON.stringify(ranges) })
  return new Map(rows.map((r) => [Number(r.range), Number(r.count)]))
}

const monthCountsQuery = compiled((db) => db.selectFrom('month_counts').select(['month', 'posts']).where('posts', '>', 0).orderBy('month'))

const categoryCountsQuery = compiled((db) =>
  db
    .selectFrom('category_counts as cc')
    .innerJoin('categories as c', 'c.id', 'cc.category_id')
    .select(['c.id', 'c.name', 'c.slug', 'cc.posts'])
    .where('cc.posts', '>', 0)
    .orderBy('c.name'),
)

const categoryCountQuery = compiled((db, p: { categoryId: number }) =>
  db.selectFrom('category_counts').select('posts').where('category_id', '=', p.categoryId),
)

/** Published posts not yet due, with their categories (one row per pair; a post without one: null). */
const scheduledQuery = compiled((db, p: { now: string }) =>
  db
    .selectFrom('posts as p')
    .leftJoin('post_categories as pc', 'pc.post_id', 'p.id')
    .select(['p.id', 'p.published_at', 'pc.category_id'])
    .where('p.kind', '=', 'post')
    .where('p.status', '=', 'published')
    .where('p.published_at', '>', p.now),
)

interface Scheduled {
  id: number
  published_at: string
  category_id: number | null
}

async function scheduled(db: Db, now: string): Promise<Scheduled[]> {
  return (await scheduledQuery(db, { now })) as Scheduled[]
}

const distinctPosts = (rows: readonly Scheduled[]) => new Set(rows.map((r) => r.id)).size

/** The UTC month start nearest to an instant, and its month ('2017-10'). */
function nearestMonthStart(iso: string): { at: string; month: string } {
  const t = new Date(iso)
  const start = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1)
  const next = Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1)
  const at = new Date(t.getTime() - start <= next - t.getTime() ? start : next).toISOString()
  return { at, month: at.slice(0, 7) }
}

/**
 * For each instant, how many published posts (due or not) come before it: the kept months before the UTC month
 * start nearest to it, plus or minus the posts between that start and it (at most half a month, mostly a few hours:
 * the boundaries asked for are a time zone's month starts), all these in one statement.
 */
async function countsBefore(db: Db, instants: readonly string[]): Promise<number[]> {
  const months = await monthCountsQuery(db, {})
  // Posts before each kept month: prefix sums, searched by month.
  const before: number[] = []
  let sum = 0
  for (const m of months) {
    before.push(sum)
    sum += Number(m.posts)
  }
  const prefix = (month: string) => {
    let lo = 0
    let hi = months.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (months[mid]!.month < month) lo = mid + 1
      else hi = mid
    }
    return lo < months.length ? before[lo]! : sum
  }
  const nearest = instants.map(nearestMonthStart)
  const slices = instants.map((x, i) => (x >= nearest[i]!.at ? ([nearest[i]!.at, x] as const) : ([x, nearest[i]!.at] as const)))
  const sliceCounts = await publishedInRanges(db, slices)
  return instants.map((x, i) => prefix(nearest[i]!.month) + (x >= nearest[i]!.at ? 1 : -1) * (sliceCounts.get(i) ?? 0))
}

/** How many posts readers see at `now`. */
export async function countVisible(db: Db, now: string): Promise<number> {
  const [months, future] = await Promise.all([monthCountsQuery(db, {}), scheduled(db, now)])
  return months.reduce((n, m) => n + Number(m.posts), 0) - distinctPosts(future)
}

/** How many posts of a category readers see at `now`. */
export async function countVisibleInCategory(db: Db, now: string, categoryId: number): Promise<number> {
  const [row, future] = await Promise.all([categoryCountQuery.first(db, { categoryId }), scheduled(db, now)])
  return Number(row?.posts ?? 0) - future.filter((r) => r.category_id === categoryId).length
}

/** How many posts readers see at `now` published in each [from, to) range (the blog's months or years). */
export async function countsVisibleInRanges(db: Db, now: string, ranges: ReadonlyArray<readonly [string, string]>): Promise<number[]> {
  if (ranges.length === 0) return []
  const [before, future] = await Promise.all([countsBefore(db, ranges.flat()), scheduled(db, now)])
  const futureDates = [...new Map(future.map((r) => [r.id, r.published_at])).values()]
  return ranges.map(([from, to], i) => before[2 * i + 1]! - before[2 * i]! - futureDates.filter((at) => at >= from && at < to).length)
}

/** The categories that have posts readers see at `now`, by name, with how many. */
export async function categoriesWithCounts(db: Db, now: string) {
  const [rows, future] = await Promise.all([categoryCountsQuery(db, {}), scheduled(db, now)])
  const notDue = new Map<number, number>()
  for (const r of future) if (r.category_id !== null) notDue.set(r.category_id, (notDue.get(r.category_id) ?? 0) + 1)
  return rows
    .map((c) => ({ id: c.id, name: c.name, slug: c.slug, count: Number(c.posts) - (notDue.get(c.id) ?? 0) }))
    .filter((c) => c.count > 0)
}
