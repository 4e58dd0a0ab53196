// What both engines share once they have read a query's window (the newest matching posts, up to the cap, each
// with its engine's score): the order of the results, the page shown, and the count the page gives, estimated
// when the window is full. Nothing here is either engine's SQL.
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'

/** One post of the window: its engine's score (higher is better), then the newest first among equal scores. */
export interface Ranked {
  id: number
  published_at: string
  score: number
}

export interface RankedWindow {
  /** How many posts the page says match: exact below the cap, else an estimate (see estimateTotal). */
  total: number
  /** The count is an estimate: more posts match than the window holds. */
  capped: boolean
  /** Posts of the window that can be shown (the pager stops there). */
  pageable: number
  /** The ids of the requested page, best first. */
  ids: number[]
}

/**
 * Orders a window of at most `cap + 1` posts (`capped`: more match than it holds) and cuts the page out of it. Sorting these few rows here costs
 * under a millisecond and is the same code on both databases: the same scores give the same order.
 */
export function rankWindow(
  rows: readonly Ranked[],
  cap: number,
  limit: number,
  offset: number,
  span: IdSpan,
  capped = rows.length > cap,
): RankedWindow {
  const window = rows.length > cap ? [...rows].sort((a, b) => b.id - a.id).slice(0, cap) : [...rows]
  window.sort((a, b) => b.score - a.score || cmp(b.published_at, a.published_at) || b.id - a.id)
  const pageable = window.length
  const total = capped ? estimateTotal(cap, Math.min(...window.map((r) => r.id)), span) : pageable
  return { total, capped, pageable, ids: window.slice(offset, offset + limit).map((r) => r.id) }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The lowest and highest post ids (posts of every kind and state: an estimate needs no more). */
export interface IdSpan {
  min: number
  max: number
}

/**
 * The lowest and highest post ids, for the estimated count: two seeks in the primary key, on either database. Each
 * in a subquery of its own: SQLite seeks for min() or max() only when it is the statement's one aggregate, and
 * read every post's id for both in one select (3.6 ms at 100,000 posts, in every capped search).
 */
export async function idSpan(db: Kysely<Database>): Promise<IdSpan> {
  const row = await idSpanQuery(db).executeTakeFirstOrThrow()
  return { min: Number(row.min ?? 0), max: Number(row.max ?? 0) }
}

export function idSpanQuery(db: Kysely<Database>) {
  return db.selectNoFrom((eb) => [
    eb
      .selectFrom('posts')
      .select((s) => s.fn.min<number>('id').as('id'))
      .as('min'),
    eb
      .selectFrom('posts')
      .select((s) => s.fn.max<number>('id').as('id'))
      .as('max'),
  ])
}

/**
 * How many posts match in all, when the window stopped at the cap: the window holds the `cap` newest matches,
 * found among the posts from its oldest id to the newest; the word is assumed as frequent in the older posts as
 * in those. Two significant digits ("about 62,000"): it is no more precise than that, and the same on both
 * databases (ids, not either engine's statistics).
 */
export function estimateTotal(cap: number, oldestId: number, span: IdSpan): number {
  const all = span.max - span.min + 1
  const inWindow = Math.max(1, span.max - oldestId + 1)
  const estimate = Math.min(all, (cap * all) / inWindow)
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(estimate)) - 1)
  const rounded = Math.round(estimate / magnitude) * magnitude
  // Never "about 1,000" when more than 1,000 were found.
  return rounded > cap ? rounded : Math.ceil((cap + 1) / magnitude) * magnitude
}
