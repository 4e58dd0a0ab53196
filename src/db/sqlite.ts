// Everything SQLite-only lives here, so that a PostgreSQL dialect can replace this one module.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs'
import { userInfo } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type SqliteDatabase,
  type SqliteStatement,
} from 'kysely'
import { registerDirectRunner } from './compiled.ts'
import type { Database } from './schema.ts'

export type SqliteHandle = BetterSqlite3.Database

/** SQLite's page cache per connection, in KiB. */
export const CACHE_KB = 2000

/** The WAL is checkpointed at 1,000 pages (~4 MB) and cut back to this size when it is reused. */
export const WAL_SIZE_LIMIT = 4 * 1024 * 1024

/** The database cannot be written: the server refuses to start rather than fail at every comment. */
export class DatabaseNotWritableError extends Error {}

/** `busyTimeoutMs`: how long a write waits for another connection's lock (DATABASE_TIMEOUT_SECONDS for the app). */
export function openSqlite(path: string, busyTimeoutMs = 5000): SqliteHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let sqlite: SqliteHandle | undefined
  try {
    sqlite = new BetterSqlite3(path)
    // WAL lets readers go on while a comment is written, and survives a killed process: a transaction whose
    // COMMIT returned is in the WAL file and is replayed on the next open.
    sqlite.pragma('journal_mode = WAL')
    // NORMAL syncs the WAL at checkpoints, not at each commit: a crash of the process loses nothing, and only a
    // power cut can lose the last moments. That is the trade SQLite recommends for WAL.
    sqlite.pragma('synchronous = NORMAL')
    sqlite.pragma('foreign_keys = ON')
    // Several processes may share the file: wait for a writer rather than answer "database is locked".
    sqlite.pragma(`busy_timeout = ${Math.round(busyTimeoutMs)}`)
    // Checkpoints (copying the WAL back into the database file) at SQLite's default of 1,000 pages, ~4 MB of WAL.
    // A comment writes ~12 pages (~48 KB) to the WAL: at 10,000 pages the WAL reached 41 MB beside a 27 MB blog,
    // enough to fill a small volume, for ~10 % more comments a second at saturation (bench/RESULTS.md,
    // 2026-11-28). checkpointer.ts copies between requests what was written, once a second.
    sqlite.pragma('wal_autocheckpoint = 1000')
    // SQLite reuses the WAL file after a checkpoint rather than shrinking it: when a reader held checkpoints back
    // (a backup's snapshot, another process) and the WAL grew, it is cut back at its next reuse instead of
    // keeping its largest size for ever.
    sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`)
    // SQLite's own default page cache (2 MB) instead of better-sqlite3's build (16 MB): the demo blog's server held
    // ~14 MB more under reads, for no CPU per request measured (bench/RESULTS.md, 2026-12-07, branch `mem3`); the
    // pages it drops are read again from the OS's file cache.
    sqlite.pragma(`cache_size = -${CACHE_KB}`)
    probeWrite(sqlite)
  } catch (err) {
    sqlite?.close()
    // Anything else (a file that is not a database, a lock held too long) keeps SQLite's own message.
    if (!/^SQLITE_(READONLY|CANTOPEN|PERM|IOERR)/.test(String((err as { code?: unknown }).code))) throw err
    throw new DatabaseNotWritableError(
      `the database ${path} cannot be written (${err instanceof Error ? err.message : String(err)}). The file, its ` +
        `folder and any -wal and -shm files beside it must be writable by ${userName()} (check their modes and ` +
        `lsattr) on a volume mounted read-write.`,
    )
  }
  return sqlite
}

function userName(): string {
  try {
    return `user ${userInfo().username}`
  } catch {
    return 'this user'
  }
}

/**
 * A real write, rolled back: SQLite opens a file it may not write (mode 444, `chattr +i`, a read-only mount, a
 * `-wal` left by another user) read-only without a word, and every comment would then fail. `BEGIN IMMEDIATE`
 * takes the write lock, and re-setting `user_version` writes the first page; the rollback leaves the file as it
 * was (nothing reaches the disk).
 */
function probeWrite(sqlite: SqliteHandle): void {
  sqlite.exec('begin immediate')
  try {
    const version = sqlite.pragma('user_version', { simple: true }) as number
    sqlite.pragma(`user_version = ${version}`)
  } finally {
    sqlite.exec('rollback')
  }
}

/**
 * Copies the whole WAL back into the database file and empties it (start-up and shutdown: a WAL left large by a
 * crash or by an older version shrinks without waiting for the next write). Waits for other processes' writers
 * up to the busy timeout; returns false if readers kept it from finishing.
 */
export function truncateWal(sqlite: SqliteHandle): boolean {
  const [result] = sqlite.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>
  return result?.busy === 0
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
 * Given a request, `PRAGMA data_version` is read once for it: its hooks (the settings', then the page cache's)
 * ask one after the other as it comes in, and each read is a statement with its own WAL read lock, a few µs of
 * a cached page. Its own writes are seen at once all the same (total_changes() is read at every call).
 */
export function dataVersionReader(sqlite: SqliteHandle): {
  dataVersion: (request?: object) => string
  otherWrites: (request?: object) => string
} {
  // Two statements rather than one select of both: the pragma on its own skips the table-valued pragma's
  // virtual table, on every page served from the cache.
  const read = otherWritesReader(sqlite)
  const totalChanges = sqlite.prepare('select total_changes()').pluck(true)
  const seen = new WeakMap<object, number>()
  const otherWrites = (request?: object): number => {
    if (!request) return read()
    let v = seen.get(request)
    if (v === undefined) seen.set(request, (v = read()))
    return v
  }
  return {
    dataVersion: (request) => `${otherWrites(request)}.${totalChanges.get() as number}`,
    otherWrites: (request) => String(otherWrites(request)),
  }
}

/** `PRAGMA data_version`: a number that moves when another connection commits, not at this one's writes. */
export function otherWritesReader(sqlite: SqliteHandle): () => number {
  const dataVersion = sqlite.prepare('pragma data_version').pluck(true)
  return () => dataVersion.get() as number
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

export interface BackupProgress {
  /** `copy` while pages are copied, then `check` while the copy's integrity is checked. */
  phase: 'copy' | 'check'
  copiedBytes: number
  totalBytes: number
}

/**
 * Copies a database page by page with SQLite's online backup API, from ONE snapshot. The backup API starts over
 * from the first page whenever another connection commits between two of its steps: on a 120 MB blog taking a
 * comment every 200 ms the copy never finished. A read transaction held across every step pins one snapshot
 * (in WAL mode writers go on meanwhile), so the copy is a single pass, whatever the write load. The WAL cannot
 * be checkpointed past that snapshot until the copy ends: it grows by what is written meanwhile.
 */
export async function copyDatabase(
  sourcePath: string,
  destinationPath: string,
  onProgress?: (progress: BackupProgress) => void,
): Promise<number> {
  const source = new BetterSqlite3(sourcePath, { fileMustExist: true })
  try {
    source.pragma('busy_timeout = 5000')
    const pageSize = source.pragma('page_size', { simple: true }) as number
    source.exec('begin')
    // A deferred transaction takes its snapshot at its first read.
    source.prepare('select count(*) from sqlite_schema').get()
    const report = (totalPages: number, remainingPages: number) =>
      onProgress?.({ phase: 'copy', copiedBytes: (totalPages - remainingPages) * pageSize, totalBytes: totalPages * pageSize })
    const done = await source.backup(destinationPath, {
      progress({ totalPages, remainingPages }) {
        report(totalPages, remainingPages)
        // About a hundred steps, each short enough to keep the progress moving.
        return Math.max(256, Math.ceil(totalPages / 100))
      },
    })
    report(done.totalPages, 0)
    source.exec('commit')
    return done.totalPages * pageSize
  } finally {
    source.close()
  }
}

const SIDE_FILES = ['-wal', '-shm', '-journal']

function removeWithSideFiles(path: string): void {
  for (const suffix of ['', ...SIDE_FILES]) rmSync(path + suffix, { force: true })
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Backs up a live database into `destinationPath`: a consistent snapshot (see `copyDatabase`) written to a
 * temporary file beside the destination, made a self-contained file (rollback journal, no `-wal` to carry),
 * integrity-checked, synced, then renamed into place. The destination is never a half-written file: it is the
 * previous file (with `overwrite`) or nothing until the checked copy replaces it. Returns the copy's integrity
 * check (`ok` or SQLite's description; nothing is left behind unless it is `ok`) and its size.
 */
export async function backupDatabase(
  sourcePath: string,
  destinationPath: string,
  options: { overwrite?: boolean; onProgress?: (progress: BackupProgress) => void } = {},
): Promise<{ check: string; bytes: number }> {
  const destination = resolve(destinationPath)
  const temporary = join(dirname(destination), `.${basename(destination)}.${process.pid}.partial`)
  removeWithSideFiles(temporary)
  try {
    const bytes = await copyDatabase(sourcePath, temporary, options.onProgress)
    options.onProgress?.({ phase: 'check', copiedBytes: bytes, totalBytes: bytes })
    const copy = new BetterSqlite3(temporary, { fileMustExist: true })
    let check: string
    try {
      // The copied header says WAL, as the blog's file does; a backup is better as one file.
      copy.pragma('journal_mode = DELETE')
      check = String(copy.pragma('integrity_check', { simple: true }))
    } finally {
      copy.close()
    }
    if (check !== 'ok') return { check, bytes }
    fsyncPath(temporary)
    if (!options.overwrite && existsSync(destination)) throw new Error(`${destinationPath} exists`)
    // A -wal or hot -journal left beside an older file of that name would be replayed into the new one.
    for (const suffix of SIDE_FILES) rmSync(destination + suffix, { force: true })
    renameSync(temporary, destination)
    fsyncPath(dirname(destination))
    return { check, bytes }
  } finally {
    removeWithSideFiles(temporary)
  }
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
