// The few spellings SQLite and PostgreSQL do not share, each written here once for both. Query builders call
// these with the Kysely instance they build on (compiled() gives it), so the dialect is known at build time.
import { type Kysely, type RawBuilder, sql } from 'kysely'
import { dialectOfDb } from './dialect.ts'
import type { Database } from './schema.ts'

/**
 * The numbers of a JSON array given as one parameter (`[1,2,3]`), as a subquery for `in`: a list of any length
 * keeps one statement (and one compiled SQL text).
 */
export function jsonNumbers(db: Kysely<Database>, json: unknown): RawBuilder<number> {
  return dialectOfDb(db) === 'postgres'
    ? sql<number>`(select value::bigint from json_array_elements_text(${json}::json))`
    : sql<number>`(select value from json_each(${json}))`
}

/**
 * The rows of a JSON array of pairs given as one parameter (`[["a","b"],…]`), as a table with `key` (the
 * position, from 0) and the pair's halves as `first` and `second` (text).
 */
export function jsonPairs(db: Kysely<Database>, json: unknown): RawBuilder<{ key: number; first: string; second: string }> {
  return dialectOfDb(db) === 'postgres'
    ? sql`(select (r.ordinality - 1)::integer as key, r.value ->> 0 as first, r.value ->> 1 as second
           from json_array_elements(${json}::json) with ordinality as r)`
    : sql`(select key, json_extract(value, '$[0]') as first, json_extract(value, '$[1]') as second from json_each(${json}))`
}
