// Queries compiled once. Kysely builds and compiles a query's SQL on every call, which costs more than SQLite
// takes to run most of our (prepared, indexed) queries. A fixed-shape query only differs by its parameters, so
// `compiled()` builds it once with stand-ins for the parameters, keeps the SQL, and on each call fills the
// stand-ins' slots with the values given. The SQL stays written in Kysely, typed as before.
import type { CompiledQuery, Compilable, Kysely } from 'kysely'
import type { Database } from './schema.ts'

const STAND_IN = '\u0000carnet-parameter:'

/**
 * Runs compiled SQL at once and synchronously, past Kysely's executor (its connection queue and promise chain
 * cost more than our indexed queries take to run), or returns undefined when it must not: while a transaction
 * holds the connection, a query has to wait its turn in Kysely's queue, or it would read that transaction's
 * uncommitted rows. The dialect module registers one for the Kysely instances it creates.
 */
export type DirectRunner = (sql: string, parameters: readonly unknown[]) => unknown[] | undefined
const runners = new WeakMap<Kysely<Database>, DirectRunner>()

export function registerDirectRunner(db: Kysely<Database>, runner: DirectRunner): void {
  runners.set(db, runner)
}

type Slot = { name: string } | { value: unknown }

/**
 * `compiled((db, p) => db.selectFrom('posts').selectAll().where('slug', '=', p.slug))` returns
 * `(db, { slug }) => Promise<rows>`, with `.first` and `.firstOrThrow` for one row and `.sql` for its SQL. The builder must use each `p.x` only as a value given to Kysely (a
 * comparison, a limit, a function argument), never in JavaScript logic: it runs once, with stand-ins. A
 * value that is not a parameter (a constant in the builder) is kept as it was compiled.
 */
export function compiled<P extends Record<string, unknown>, R>(build: (db: Kysely<Database>, p: P) => Compilable<R>) {
  // By Kysely instance: the SQL depends on the dialect only, but a cache per instance keeps that an assumption
  // we never need to make.
  const cache = new WeakMap<Kysely<Database>, { query: CompiledQuery<R>; slots: Slot[] }>()
  const standIns = new Proxy({} as P, {
    get: (_, name) => `${STAND_IN}${String(name)}`,
  })

  function prepare(db: Kysely<Database>) {
    let entry = cache.get(db)
    if (!entry) {
      const query = build(db, standIns).compile()
      const slots = query.parameters.map((value): Slot =>
        typeof value === 'string' && value.startsWith(STAND_IN) ? { name: value.slice(STAND_IN.length) } : { value },
      )
      entry = { query, slots }
      cache.set(db, entry)
    }
    return entry
  }

  /** All rows. */
  async function query(db: Kysely<Database>, params: P): Promise<R[]> {
    const { query, slots } = prepare(db)
    const parameters = slots.map((s) => ('name' in s ? params[s.name] : s.value))
    const rows = runners.get(db)?.(query.sql, parameters)
    if (rows) return rows as R[]
    const result = await db.executeQuery<R>({ ...query, parameters })
    return result.rows
  }
  return Object.assign(query, {
    async first(db: Kysely<Database>, params: P): Promise<R | undefined> {
      return (await query(db, params))[0]
    },
    /** The first row, for a query that always has one (an aggregate): its absence is a bug, not a miss. */
    async firstOrThrow(db: Kysely<Database>, params: P): Promise<R> {
      const [row] = await query(db, params)
      if (row === undefined) throw new Error(`no row from a query that must return one: ${prepare(db).query.sql}`)
      return row
    },
    /** The compiled SQL (for tests and EXPLAIN). */
    sql(db: Kysely<Database>): string {
      return prepare(db).query.sql
    },
  })
}
