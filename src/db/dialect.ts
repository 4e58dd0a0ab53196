// Which database a DATABASE_URL names. Only `postgres://` and `postgresql://` URLs open PostgreSQL; anything else is
// a SQLite file (the default).
import type { Kysely } from 'kysely'
import { PostgresAdapter } from 'kysely'
import type { Database } from './schema.ts'

export type Dialect = 'sqlite' | 'postgres'

export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//i.test(url) ? 'postgres' : 'sqlite'
}

/**
 * The dialect of an open Kysely instance, from its adapter (no query): how query builders choose between two
 * spellings of one thing (see portable.ts). Migrations do the same inline (they never import app code).
 */
export function dialectOfDb(db: Kysely<Database>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
}

/** A URL that can be written to a log: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'postgres://(unparsable URL)'
  }
}
