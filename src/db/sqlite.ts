// Everything SQLite-only lives here, so that a PostgreSQL dialect can replace this one module.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { CompiledQuery, type DatabaseConnection, type Driver, Kysely, SqliteDialect, SqliteDriver, type SqliteDatabase, type SqliteStatement } from 'kysely'
import { registerDirectRunner } from './compiled.ts'
import type { Database } from './schema.ts'

export type SqliteHandle = BetterSqlite3.Database

export function openSqlite(path: string): SqliteHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new BetterSqlite3(path)
  // WAL lets readers go on while a comment is written, and survives a killed process: a transaction whose
  // COMMIT returned is in the WAL file and is replayed on the next open.
  sqlite.pragma('journal_mode = WAL')
  // NORMAL syncs the WAL at checkpoints, not at each commit: a crash of the process loses nothing, and only a
  // power cut can lose the last moments. That is the trade SQLite recommends for WAL.
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  // Several processes may share the file: wait for a writer rather than answer "database is locked".
  sqlite.pragma('busy_timeout = 5000')
  // Checkpoints (copying the WAL back into the database file, with the only fsync of NORMAL) every 10,000 pages
  // (~40 MB of WAL) rather than SQLite's 1,000: each comment dirties ~10 pages (the row, seven indexes, the
  // counters), and a page written many times between checkpoints is copied once. Durability is unchanged (a
  // committed transaction is in the WAL either way); comment posting went from ~2,950 to ~3,400 a second.
  sqlite.pragma('wal_autocheckpoint = 10000')
  return sqlite
}

/**
 * Prepared statements kept by SQL text, least recently used dropped first. Kysely's SQLite driver calls
 * `prepare()` for every query; preparing (parsing and planning the SQL) costs more than running most of our
 * queries, and the same few dozen SQL texts come back on every page. A statement is safe to reuse: Kysely runs
 * one query at a time on its single connection, and SQLite re-prepares a statement by itself after a schema
 * change.
 */
export class StatementCache implements SqliteDatabase {
  readonly #sqlite: SqliteHandle
  readonly #max: number
  readonly #statements = new Map<string, BetterSqlite3.Statement>()

  constructor(sqlite: SqliteHandle, max = 500) {
    this.#sqlite = sqlite
    this.#max = max
  }

  prepare(sql: string): SqliteStatement {
    let stmt = this.#statements.get(sql)
    if (stmt) {
      // Map keeps insertion order: moving a hit to the end makes the first key the least recently used.
      this.#statements.delete(sql)
    } else {
      stmt = this.#sqlite.prepare(sql)
      if (this.#statements.size >= this.#max) this.#statements.delete(this.#statements.keys().next().value!)
    }
    this.#statements.set(sql, stmt)
    return stmt as unknown as SqliteStatement
  }

  /** The SQL texts prepared since the last clear(), least recently used first (tests read the plans). */
  sqlTexts(): string[] {
    return [...this.#statements.keys()]
  }

  clear(): void {
    this.#statements.clear()
  }

  close(): void {
    this.clear()
    this.#sqlite.close()
  }
}

/**
 * A token that changes whenever the database's content may have changed, by this connection or any other
 * (another process sharing the file, a command-line tool). Two cheap reads: `PRAGMA data_version` moves when
 * another connection commits; `total_changes()` counts the rows this connection has inserted, updated or
 * deleted (it may also move for a write that was rolled back: that only costs a cache refill).
 */
export function dataVersionReader(sqlite: SqliteHandle): () => string {
  // Two statements rather than one select of both: the pragma on its own skips the table-valued pragma's
  // virtual table (1.8 µs instead of 2.9, on every page served from the cache).
  const dataVersion = sqlite.prepare('pragma data_version').pluck(true)
  const totalChanges = sqlite.prepare('select total_changes()').pluck(true)
  return () => `${dataVersion.get() as number}.${totalChanges.get() as number}`
}

/**
 * Every transaction we open writes. `BEGIN IMMEDIATE` takes the write lock at the start, where the busy timeout
 * applies; a plain `BEGIN` would read first and, if another process wrote meanwhile, fail at its first write
 * with "database is locked" whatever the timeout.
 */
class ImmediateTransactionDriver extends SqliteDriver {
  readonly #sqlite: SqliteHandle
  constructor(database: SqliteDatabase, sqlite: SqliteHandle) {
    super({ database })
    this.#sqlite = sqlite
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }

  /**
   * After some errors (SQLITE_FULL or SQLITE_IOERR at COMMIT, or in a statement without a statement journal)
   * SQLite has already rolled the whole transaction back. A second ROLLBACK would then fail with "cannot
   * rollback - no transaction is active", and Kysely would throw that instead of the real cause (a full disk).
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#sqlite.inTransaction) await super.rollbackTransaction(connection)
  }
}

class CarnetSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase
  readonly #sqlite: SqliteHandle
  constructor(database: SqliteDatabase, sqlite: SqliteHandle) {
    super({ database })
    this.#database = database
    this.#sqlite = sqlite
  }
  override createDriver(): Driver {
    return new ImmediateTransactionDriver(this.#database, this.#sqlite)
  }
}

export function createKysely(sqlite: SqliteHandle, statements = new StatementCache(sqlite)): Kysely<Database> {
  const db = new Kysely<Database>({ dialect: new CarnetSqliteDialect(statements, sqlite) })
  // Compiled queries (src/db/compiled.ts) run straight on the same prepared statements, the way Kysely's driver
  // would (`all()` with the parameters as compiled), unless a transaction is open on the connection.
  registerDirectRunner(db, (sql, parameters) => (sqlite.inTransaction ? undefined : statements.prepare(sql).all(parameters as unknown[])))
  return db
}

/**
 * Copies a live database with SQLite's online backup API: a consistent snapshot even while the blog runs and
 * takes comments (readers and writers go on; pages are copied in steps). Returns the copy's integrity check.
 */
export async function backupDatabase(sourcePath: string, destinationPath: string): Promise<string> {
  const source = new BetterSqlite3(sourcePath, { fileMustExist: true })
  try {
    source.pragma('busy_timeout = 5000')
    await source.backup(destinationPath)
  } finally {
    source.close()
  }
  return integrityCheck(destinationPath)
}

/** `ok`, or SQLite's description of what is wrong. */
export function integrityCheck(path: string): string {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true })
  try {
    return String(db.pragma('integrity_check', { simple: true }))
  } finally {
    db.close()
  }
}
