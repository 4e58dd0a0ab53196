// Everything SQLite-only lives here, so that a PostgreSQL dialect can replace this one module.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { CompiledQuery, type DatabaseConnection, Kysely, SqliteDialect, SqliteDriver, type Driver } from 'kysely'
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
  return sqlite
}

/**
 * Every transaction we open writes. `BEGIN IMMEDIATE` takes the write lock at the start, where the busy timeout
 * applies; a plain `BEGIN` would read first and, if another process wrote meanwhile, fail at its first write
 * with "database is locked" whatever the timeout.
 */
class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

class CarnetSqliteDialect extends SqliteDialect {
  readonly #database: SqliteHandle
  constructor(database: SqliteHandle) {
    super({ database })
    this.#database = database
  }
  override createDriver(): Driver {
    return new ImmediateTransactionDriver({ database: this.#database })
  }
}

export function createKysely(sqlite: SqliteHandle): Kysely<Database> {
  return new Kysely<Database>({ dialect: new CarnetSqliteDialect(sqlite) })
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
