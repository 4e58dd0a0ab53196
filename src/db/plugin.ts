// Opens the database, brings its schema up to date, and closes it when the app closes. Only the database:
// settings (src/settings/plugin.ts) and demo content (src/demo/plugin.ts) build on it.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import { startCheckpointer } from './checkpointer.ts'
import { migrateToLatest } from './migrate.ts'
import type { Database } from './schema.ts'
import { createKysely, dataVersionReader, openSqlite, StatementCache, truncateWal, type SqliteHandle } from './sqlite.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>
    sqlite: SqliteHandle
    /** The prepared statements behind `db` (tests read which SQL the pages ran). */
    statements: StatementCache
    /** Changes whenever any connection may have changed the database (caches compare it). */
    dataVersion: () => string
  }
}

export interface OpenDatabase {
  sqlite: SqliteHandle
  db: Kysely<Database>
  statements: StatementCache
}

/** Opens a database and migrates it (the app's plugin and src/blog.ts's openBlog). */
export async function openDatabase(databasePath: string): Promise<OpenDatabase> {
  const sqlite = openSqlite(databasePath)
  const statements = new StatementCache(sqlite)
  const db = createKysely(sqlite, statements)
  try {
    await migrateToLatest(db)
    return { sqlite, db, statements }
  } catch (err) {
    await db.destroy()
    throw err
  }
}

export interface DatabaseOptions {
  databasePath: string
}

async function databasePlugin(app: FastifyInstance, opts: DatabaseOptions) {
  const { sqlite, db, statements } = await openDatabase(opts.databasePath)
  app.decorate('sqlite', sqlite)
  app.decorate('statements', statements)
  app.decorate('dataVersion', dataVersionReader(sqlite))
  app.decorate('db', db)
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
