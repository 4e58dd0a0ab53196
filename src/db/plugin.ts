// Opens the database, brings its schema up to date, and closes it when the app closes. Only the database:
// settings (src/settings/plugin.ts) and demo content (src/demo/plugin.ts) build on it.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import { startCheckpointer } from './checkpointer.ts'
import { migrateToLatest } from './migrate.ts'
import type { Database } from './schema.ts'
import { dialectOf, type Dialect } from './dialect.ts'
import { createKysely, dataVersionReader, openSqlite, StatementCache, truncateWal, type SqliteHandle } from './sqlite.ts'
import { lazy } from '../lib/lazy.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>
    /** Which database `db` runs on. */
    dialect: Dialect
    /** The SQLite connection behind `db`; throws on PostgreSQL (only SQLite-only code and tests may use it). */
    sqlite: SqliteHandle
    /** The prepared statements behind `db` (tests read which SQL the pages ran); throws on PostgreSQL. */
    statements: StatementCache
    /**
     * Changes whenever any connection may have changed the database (caches compare it). Synchronous on SQLite;
     * on PostgreSQL a read of site_state.data_version, done once per request given.
     */
    dataVersion: (request?: object) => string | Promise<string>
    /** Changes when ANOTHER connection may have written (the settings are read again); same forms as dataVersion. */
    otherWrites: (request?: object) => string | Promise<string>
  }
}

export interface OpenDatabase {
  dialect: Dialect
  db: Kysely<Database>
  /** SQLite only. */
  sqlite?: SqliteHandle
  /** SQLite only. */
  statements?: StatementCache
  dataVersion: (request?: object) => string | Promise<string>
  otherWrites: (request?: object) => string | Promise<string>
}

export interface OpenOptions {
  /** PostgreSQL's connection pool size (DATABASE_POOL_SIZE). */
  poolSize?: number
  /**
   * PostgreSQL: how long a query waits for a connection, and a statement may run, before it fails as
   * unavailable (DATABASE_TIMEOUT_SECONDS; see createPool). None by default (the command line).
   * SQLite: how long a write waits for another connection's lock (busy_timeout; 5 s by default).
   */
  timeoutMs?: number
}

/**
 * Opens the database a DATABASE_URL names (a `postgres://` URL, or a SQLite file path) and migrates it: the
 * app's plugin, src/blog.ts's openBlog, and the command line's copy between the two.
 */
export async function openDatabase(url: string, options: OpenOptions = {}): Promise<OpenDatabase> {
  return dialectOf(url) === 'postgres'
    ? openPostgres(url, options.poolSize ?? 10, options.timeoutMs)
    : openSqliteDatabase(url, options.timeoutMs)
}

async function openSqliteDatabase(databasePath: string, busyTimeoutMs?: number): Promise<OpenDatabase> {
  const sqlite = openSqlite(databasePath, busyTimeoutMs)
  const statements = new StatementCache(sqlite)
  const db = createKysely(sqlite, statements)
  try {
    await migrateToLatest(db)
    return { dialect: 'sqlite', sqlite, db, statements, ...dataVersionReader(sqlite) }
  } catch (err) {
    await db.destroy()
    throw err
  }
}

// pg and the code around it are loaded only for a PostgreSQL database (src/lib/lazy.ts).
const loadPostgres = lazy(() => import('./postgres.ts'))

async function openPostgres(url: string, poolSize: number, timeoutMs?: number): Promise<OpenDatabase> {
  const { createPool, createPostgresKysely, postgresVersionReader } = await loadPostgres()
  if (timeoutMs) {
    // A migration may run a long statement (an index on a large table): on a connection of its own, without the
    // timeouts the blog's requests get.
    const migrating = createPostgresKysely(createPool(url, 1))
    try {
      await prepareSchema(migrating)
    } finally {
      await migrating.destroy()
    }
  }
  const pool = createPool(url, poolSize, timeoutMs ? { connectMs: timeoutMs, statementMs: timeoutMs } : {})
  const db = createPostgresKysely(pool)
  try {
    if (!timeoutMs) await prepareSchema(db)
    // One version for both: this process's own writes move it too, which only costs a settings reload after
    // a write (settings.update() reloads anyway).
    const version = postgresVersionReader(pool)
    return { dialect: 'postgres', db, dataVersion: version, otherWrites: version }
  } catch (err) {
    await db.destroy()
    throw err
  }
}

async function prepareSchema(db: Kysely<Database>): Promise<void> {
  await migrateToLatest(db)
  await (await loadPostgres()).attachWriteTriggers(db)
}

export interface DatabaseOptions {
  /** DATABASE_URL: a SQLite file path or a postgres:// URL. */
  databasePath: string
  poolSize?: number
  /** DATABASE_TIMEOUT_SECONDS, in milliseconds (PostgreSQL). */
  timeoutMs?: number
}

function sqliteOnly(what: string): never {
  throw new Error(`app.${what} exists only on SQLite (this app runs on PostgreSQL)`)
}

async function databasePlugin(app: FastifyInstance, opts: DatabaseOptions) {
  const opened = await openDatabase(opts.databasePath, { poolSize: opts.poolSize, timeoutMs: opts.timeoutMs })
  const { db, sqlite, statements } = opened
  app.decorate('dialect', opened.dialect)
  app.decorate('sqlite', { getter: () => sqlite ?? sqliteOnly('sqlite') })
  app.decorate('statements', { getter: () => statements ?? sqliteOnly('statements') })
  app.decorate('dataVersion', opened.dataVersion)
  app.decorate('otherWrites', opened.otherWrites)
  app.decorate('db', db)
  if (!sqlite) {
    app.addHook('onClose', async () => {
      await db.destroy()
    })
    return
  }
  // A WAL left large (a crash, an older version, a reader that held checkpoints back) is emptied now and at
  // shutdown; between the two, wal_autocheckpoint and journal_size_limit keep it to a few MB (see sqlite.ts).
  emptyWal(app, sqlite, 'start-up')
  const checkpointer = opts.databasePath === ':memory:' ? undefined : startCheckpointer(opts.databasePath)
  app.addHook('onClose', async () => {
    await checkpointer?.stop()
    emptyWal(app, sqlite, 'shutdown')
    await db.destroy()
  })
}

function emptyWal(app: FastifyInstance, sqlite: SqliteHandle, when: string): void {
  try {
    // Another process reading keeps part of it until its next checkpoint: nothing to worry about.
    if (!truncateWal(sqlite)) app.log.info(`the WAL could not be emptied at ${when}: another connection is reading`)
  } catch (err) {
    // A full disk can keep the checkpoint from growing the database file; the blog can still serve pages.
    app.log.warn({ err }, `the WAL could not be emptied at ${when}`)
  }
}

export default fp(databasePlugin, { name: 'database' })
