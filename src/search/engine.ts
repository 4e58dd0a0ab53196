// One search interface, two engines: FTS5 on SQLite (fts.sqlite.ts), tsvector on PostgreSQL (fts.postgres.ts).
import type { Kysely } from 'kysely'
import type { Language } from '../config.ts'
import { dialectOfDb } from '../db/dialect.ts'
import type { Database } from '../db/schema.ts'
import * as postgres from './fts.postgres.ts'
import * as sqlite from './fts.sqlite.ts'
import { queryWords, toMatchQuery } from './query.ts'

export { HIT_END, HIT_START, type SearchHit, type SearchResults } from './fts.sqlite.ts'

type Db = Kysely<Database>

/**
 * How many matching posts a search ranks and counts at most: the newest ones. Beyond it the page says "more
 * than 1,000 results" and the pager stops; a word in 60,000 posts then costs what one in 1,000 costs.
 */
export const RESULTS_CAP = 1000

/**
 * Indexes at most `max` queued posts in one short transaction; gives how many it took from the queue, or null when
 * another instance is indexing (PostgreSQL) and `wait` is false.
 */
export async function indexBatch(db: Db, language: Language, max: number, wait: boolean): Promise<number | null> {
  if (dialectOfDb(db) === 'postgres') {
    await postgres.queueOtherLanguage(db, language)
    return postgres.indexBatch(db, max, language, wait)
  }
  return sqlite.indexBatch(db, max)
}

/** Before indexing: SQLite's index merged by the indexer rather than inside commits (fts.sqlite.ts). */
export async function prepareIndex(db: Db): Promise<void> {
  if (dialectOfDb(db) === 'sqlite') await sqlite.takeOverMerges(db)
}

/**
 * One step of merging the index's segments, at most about `pages` pages (SQLite; PostgreSQL's GIN index merges
 * its pending entries itself): whether there was anything to merge.
 */
export async function mergeStep(db: Db, pages: number): Promise<boolean> {
  return dialectOfDb(db) === 'sqlite' ? sqlite.mergeStep(db, pages) : false
}

/**
 * After a long backlog: PostgreSQL's planner statistics on the index (autovacuum would take them, later), so that
 * searches choose between the GIN index and the primary key on what the index now holds.
 */
export async function afterBacklog(db: Db): Promise<void> {
  if (dialectOfDb(db) === 'postgres') await postgres.analyzeIndex(db)
}

/** Posts waiting to be indexed, counted up to `upTo` (enough to tell "a few" from "a backlog"). */
export async function queuedPosts(db: Db, language: Language, upTo = Infinity): Promise<number> {
  if (dialectOfDb(db) === 'postgres') await postgres.queueOtherLanguage(db, language)
  let query = db.selectFrom('search_queue').select('post_id')
  if (Number.isFinite(upTo)) query = query.limit(upTo)
  const row = await db
    .selectFrom(query.as('q'))
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Visible posts matching every word of what a reader typed, best first; nothing for a query with no word. */
export async function searchPosts(db: Db, query: string, now: string, limit: number, offset: number, language: Language) {
  if (dialectOfDb(db) === 'postgres') {
    const words = queryWords(query)
    return words.length ? postgres.searchPosts(db, words, now, limit, offset, language, RESULTS_CAP) : { total: 0, hits: [] }
  }
  const match = toMatchQuery(query, language)
  if (match) return sqlite.searchPosts(db, match, now, limit, offset, RESULTS_CAP)
  // Only words as common as `le`: nothing searched, as on PostgreSQL, and the reader is told why.
  return { total: 0, hits: [], onlyCommonWords: queryWords(query).length > 0 }
}
