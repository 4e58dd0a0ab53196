// One search interface, two engines: FTS5 on SQLite (fts.sqlite.ts), tsvector on PostgreSQL (fts.postgres.ts).
import type { Kysely } from 'kysely'
import type { Language } from '../config.ts'
import { dialectOfDb } from '../db/dialect.ts'
import type { Database } from '../db/schema.ts'
import * as postgres from './fts.postgres.ts'
import * as sqlite from './fts.sqlite.ts'
import { queryWords, toMatchExpression } from './query.ts'

export { HIT_END, HIT_START, type SearchHit, type SearchResults } from './fts.sqlite.ts'

type Db = Kysely<Database>

/** Indexes what the triggers queued (at start-up; every search does it first too). */
export async function refreshIndex(db: Db, language: Language): Promise<number> {
  return dialectOfDb(db) === 'postgres' ? postgres.refreshIndex(db, language) : sqlite.refreshIndex(db)
}

/** Visible posts matching every word of what a reader typed, best first; nothing for a query with no word. */
export async function searchPosts(db: Db, query: string, now: string, limit: number, offset: number, language: Language) {
  if (dialectOfDb(db) === 'postgres') {
    const words = queryWords(query)
    return words.length ? postgres.searchPosts(db, words, now, limit, offset, language) : { total: 0, hits: [] }
  }
  const match = toMatchExpression(query)
  return match ? sqlite.searchPosts(db, match, now, limit, offset) : { total: 0, hits: [] }
}
