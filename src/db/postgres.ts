// Everything PostgreSQL-only lives here, as everything SQLite-only lives in sqlite.ts.
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  PostgresDriver,
  sql,
  type TransactionSettings,
} from 'kysely'
import pg from 'pg'
import type { Database } from './schema.ts'

/** PostgreSQL's type ids that the app reads as JavaScript numbers. */
const INT8 = 20
const NUMERIC = 1700

/**
 * `count(*)` and `sum()` are bigint (or numeric) in PostgreSQL, which `pg` returns as strings; SQLite returns
 * numbers. Our counts and ids stay far below 2^53, so they are read as numbers here, the one place, for every
 * query (Kysely's `countAll<number>()` types them so already).
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/**
 * SQLite stores a NUL character in text; PostgreSQL refuses any text parameter that holds one ("invalid byte
 * sequence"), which would make a 500 of a crafted address (`/archive/…/%00.html`). No stored text can hold one,
 * so a lookup with it can only miss: U+FFFD in its place keeps the miss a miss. Written text never gets here with
 * one (forms remove control characters).
 */
function withoutNul(value: unknown): unknown {
  return typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\ufffd') : value
}

/**
 * Named (prepared) statements: PostgreSQL parses and plans a statement once per connection instead of at every
 * query, as SQLite's StatementCache does. The app runs the same few dozen SQL texts over and over; texts seen
 * after the first NAMED_STATEMENTS (lists of ids make new ones) run unnamed, so that no connection keeps an
 * unbounded number of plans.
 */
const NAMED_STATEMENTS = 300
const statementNames = new Map<string, string>()
let generation = 0

function statementName(text: string): string | undefined {
  let name = statementNames.get(text)
  if (name === undefined && statementNames.size < NAMED_STATEMENTS) {
    name = `carnet_${generation}_${statementNames.size}`
    statementNames.set(text, name)
  }
  return name
}

/**
 * "cached plan must not change result type": another instance's migration changed a table that a prepared
 * `select *` reads. Every name is then made anew, so that the next queries are prepared again against the new
 * tables, and the query is sent again at once under its new name, unless it ran in a transaction, which the
 * failure aborted: that one fails (its request gets an error page), once. (Its SQLSTATE, 0A000, is "feature not
 * supported": any other error of that class only costs preparing the statements again, and one more try.)
 */
const PLAN_RESULT_CHANGED = '0A000'

class CarnetClient extends pg.Client {
  /** Between BEGIN and COMMIT or ROLLBACK (what the app sends: see ImmediateTransactionDriver). */
  inTransaction = false
}
const clientQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown
/** pg's error when a query's answer did not come within `query_timeout` (see createPool). */
export const READ_TIMEOUT = 'Query read timeout'
// Kysely calls query(sql, parameters).
CarnetClient.prototype.query = function (this: CarnetClient, ...args: unknown[]) {
  const result = sendQuery.apply(this, args)
  if (!(result instanceof Promise)) return result
  // A server that stopped answering: the connection still waits for the answer, and every query sent on it would
  // wait behind. Ended here (pg destroys the socket of a client with a query in flight), the pool drops it when it
  // comes back; the server rolls back whatever it had open when it sees the connection gone.
  return result.catch((err: unknown) => {
    if ((err as Error).message === READ_TIMEOUT) this.end().catch(() => {})
    throw err
  })
} as typeof pg.Client.prototype.query

function sendQuery(this: CarnetClient, ...args: unknown[]): unknown {
  const text = args[0]
  // Only queries with parameters: pg already sends those as one prepared (unnamed) statement; one without
  // (BEGIN, a migration's DDL, which may hold several statements) stays a simple query.
  if (typeof text === 'string' && Array.isArray(args[1]) && args[1].length > 0 && args.length === 2) {
    const values = args[1].map(withoutNul)
    const name = statementName(text)
    if (name === undefined) return clientQuery.call(this, text, values)
    const result = clientQuery.call(this, { text, values, name }) as Promise<unknown>
    return result.catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== PLAN_RESULT_CHANGED) throw err
      if (statementNames.get(text) === name) {
        statementNames.clear()
        generation++
      }
      if (this.inTransaction) throw err
      return clientQuery.call(this, { text, values, name: statementName(text) })
    })
  }
  if (typeof text === 'string') {
    const start = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase()
    if (start === 'begin' || start === 'start') this.inTransaction = true
    else if (start === 'commit' || start === 'rollback') this.inTransaction = false
  }
  if (Array.isArray(args[1])) args[1] = args[1].map(withoutNul)
  return clientQuery.apply(this, args)
}

/**
 * Every transaction the app opens writes (as on SQLite, where it is BEGIN IMMEDIATE): it takes one lock at its
 * start, so that a transaction that reads before it writes (the duplicate-comment check, the sign-in limit) sees
 * every transaction that committed before it, not a state another one is about to change. An advisory lock,
 * not a row's: it conflicts with nothing else.
 */
class ImmediateTransactionDriver extends PostgresDriver {
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel || settings.accessMode) {
      await super.beginTransaction(connection, settings)
      await connection.executeQuery(CompiledQuery.raw(`select pg_advisory_xact_lock(${WRITE_LOCK})`))
      return
    }
    // One round trip: two statements in one simple query (no parameters), run in order.
    await connection.executeQuery(CompiledQuery.raw(`begin; select pg_advisory_xact_lock(${WRITE_LOCK})`))
  }
}

/** The advisory lock's key (any constant: the database is the blog's own). */
const WRITE_LOCK = 0x6361726e // "carn"

class CarnetPostgresDialect extends PostgresDialect {
  readonly #pool: pg.Pool
  constructor(pool: pg.Pool) {
    super({ pool })
    this.#pool = pool
  }
  override createDriver(): Driver {
    return new ImmediateTransactionDriver({ pool: this.#pool })
  }
}

/**
 * How long a query waits for a connection (a new one to a server that does not answer, or a free one in a full
 * pool) before it fails as "database unavailable" (a 503): without it, a server cut off by the network (no
 * refusal, packets dropped) would hold every request for the system's TCP connect timeout, about two minutes.
 * The app's pool uses DATABASE_TIMEOUT_SECONDS instead (src/config.ts).
 */
export const CONNECT_TIMEOUT_MS = 10_000

/**
 * How much longer than a statement may run the client waits for its answer: a statement that is only slow is
 * cancelled by the server first (statement_timeout: a clean 57014, the connection kept); no answer at all within
 * the margin means a server that has stopped answering (frozen, or cut off mid-query).
 */
export const ANSWER_MARGIN_MS = 1_000

export interface PoolTimeouts {
  /** How long a query waits for a connection; CONNECT_TIMEOUT_MS by default. */
  connectMs?: number
  /**
   * How long a statement may run (the server's statement_timeout), plus ANSWER_MARGIN_MS for its answer to come
   * (pg's query_timeout), before it fails as "database unavailable". None by default: migrations and the command
   * line's copies may run long statements; the app sets one (DATABASE_TIMEOUT_SECONDS), below the reverse proxy's
   * read timeout, so that a database that stops answering gets the blog's own 503, the comment kept in its form,
   * rather than the proxy's 504 after its own wait (issue 30).
   */
  statementMs?: number
}

export function createPool(url: string, poolSize: number, { connectMs = CONNECT_TIMEOUT_MS, statementMs }: PoolTimeouts = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types,
    Client: CarnetClient,
    connectionTimeoutMillis: connectMs,
    // No JIT compilation: the server compiles a statement whose estimated cost is high, and ours are short index
    // reads it sometimes overestimates (the sitemap's join on a list of date ranges: 457 ms compiling for 0.5 ms
    // of work, the sitemap index 0.9 to 1.8 s at 100,000 posts). PostgreSQL's manual advises it off for such loads.
    options: '-c jit=off',
    ...(statementMs ? { statement_timeout: statementMs, query_timeout: statementMs + ANSWER_MARGIN_MS } : {}),
  })
  // An idle connection that the server closes (a restart, a failover) must not crash the process: the pool drops
  // it and opens a new one at the next query.
  pool.on('error', () => {})
  // The same for a connection checked out between two queries (inside a transaction, or a comment batch waiting on
  // its mail hook): the pool takes its own listener off while a client is lent, and a server that terminates the
  // connection then would be an uncaught 'error'. The next query on it fails (a 503) and the pool drops it when
  // it comes back (pg-pool releases no client that is not queryable).
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}

export function createPostgresKysely(pool: pg.Pool): Kysely<Database> {
  return new Kysely<Database>({ dialect: new CarnetPostgresDialect(pool) })
}

/**
 * A token that moves whenever any connection commits a write to any of our tables: `site_state.data_version`,
 * moved by a statement trigger on every table (see attachWriteTriggers). Read once per request (the request is
 * the key: the settings hook and the freshness check share one read; once it has answered, the request's later
 * asks get the version at once, without waiting for a promise).
 *
 * Callers share reads: one read at a time is in flight, and whoever asks meanwhile waits for the next, sent when
 * the current one has answered and the turn's I/O is done (setImmediate). Every read a caller gets began after it
 * asked, so it sees every write committed before it asked, this process's own included, which is all a caller
 * needs; a read already sent is never joined, as it may have begun before a write that committed since. (Reads
 * spaced a millisecond apart made a third as many, but cached pages slower: bench/RESULTS.md, 2026-11-29.)
 */
export function postgresVersionReader(pool: pg.Pool): (request?: object) => string | Promise<string> {
  const read = async () => {
    const result = await pool.query<{ v: number }>({
      text: 'select data_version as v from site_state where id = 1',
      name: 'carnet_data_version',
    })
    return String(result.rows[0]?.v ?? 0)
  }
  /** Whether a read is in flight. */
  let reading = false
  /** The read the next callers share, not yet sent; the requests that wait for it; what lets it go. */
  let next: Promise<string> | undefined
  let askers: Asker[] = []
  let letGo: (() => void) | undefined
  /**
   * Why the read in flight failed, for the callers that asked meanwhile: the database did not answer after they
   * asked, which is their answer too. Sending them another read would make each wait one more timeout behind it
   * (a server that stopped answering: issue 30).
   */
  let failedMeanwhile: unknown
  const send = async () => {
    // Sent now: whoever asks from here on waits for the next one.
    next = undefined
    const these = askers
    askers = []
    if (failedMeanwhile !== undefined) {
      const err = failedMeanwhile
      failedMeanwhile = undefined
      throw err
    }
    reading = true
    try {
      const version = await read()
      for (const request of these) request[VERSION] = version
      return version
    } catch (err) {
      if (letGo) failedMeanwhile = err
      throw err
    } finally {
      reading = false
      if (letGo) setImmediate(letGo)
      letGo = undefined
    }
  }
  const shared = () => (next ??= new Promise<void>((resolve) => (reading ? (letGo = resolve) : setImmediate(resolve))).then(send))
  return (request?: Asker) => {
    if (!request) return shared()
    // A property of the request rather than a WeakMap: no entry for the garbage collector to trace per request.
    const known = request[VERSION]
    if (known !== undefined) return known
    askers.push(request)
    return (request[VERSION] = shared())
  }
}

/** Where a request keeps its version: the read it waits for, then its answer. */
const VERSION = Symbol('carnet data version')
interface Asker {
  [VERSION]?: string | Promise<string>
}

/**
 * Attaches the data_version trigger (created by the migration 2026_11_29_05_00_00_postgres_data_version) to every
 * table of the schema that lacks it, after every migration: a table another migration adds is covered without its
 * author thinking of it, as SQLite's `PRAGMA data_version` covers every table. BEFORE STATEMENT: the version row is
 * locked at a write transaction's first statement, before any row it touches, so two writers always queue in the
 * same order (no deadlock between the version row and the rows they write).
 * rate_limits (pg-ops) is left out: its counters are no page's content, and a statement trigger would fire even
 * on a refused request's no-op upsert, emptying every instance's page cache at each refusal.
 */
export async function attachWriteTriggers(db: Kysely<Database>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Two instances starting together: one attaches, the other then finds nothing to do.
    await sql`select pg_advisory_xact_lock(hashtext('carnet_data_version'))`.execute(trx)
    const missing = await sql<{ name: string }>`
      select c.relname as name from pg_class c
      where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
        and c.relname not in ('kysely_migration', 'kysely_migration_lock', 'rate_limits')
        and not exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'carnet_data_version')`.execute(trx)
    for (const { name } of missing.rows) {
      // site_state's own row cannot be updated before a statement that updates it (PostgreSQL refuses a row
      // changed under the statement): after, there.
      const when = sql.raw(name === 'site_state' ? 'after' : 'before')
      await sql`
        create trigger carnet_data_version ${when} insert or update or delete or truncate on ${sql.table(name)}
        for each statement execute function carnet_data_version()`.execute(trx)
    }
  })
}

export { redactUrl } from './dialect.ts'

/**
 * After rows were inserted with their ids given (a copy from another database), moves every serial column's
 * sequence past the largest id, so that the next insert does not collide. Rows inserted without ids never need it.
 */
export async function resetSequences(db: Kysely<Database>): Promise<void> {
  const serials = await sql<{ table_name: string; column_name: string; sequence: string }>`
    select c.table_name, c.column_name, pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) as sequence
    from information_schema.columns c
    where c.table_schema = current_schema() and pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) is not null`.execute(db)
  for (const { table_name, column_name, sequence } of serials.rows) {
    // is_called false with 1: an empty table starts at 1 again.
    await sql`select setval(${sequence}, coalesce((select max(${sql.ref(column_name)}) from ${sql.table(table_name)}), 0) + 1, false)`.execute(
      db,
    )
  }
}
