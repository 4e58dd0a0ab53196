// Opens the database, brings its schema up to date, fills the settings of a new blog (and its demo content),
// and closes everything when the app closes.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Config } from '../config.ts'
import { loadDemoContent } from '../demo/demo.ts'
import { hasAnyPost } from '../content/posts.repository.ts'
import { DEFAULT_SETTINGS, SettingsStore } from '../settings/settings.ts'
import { startCheckpointer } from './checkpointer.ts'
import { migrateToLatest } from './migrate.ts'
import type { Database } from './schema.ts'
import { createKysely, dataVersionReader, openSqlite, StatementCache, truncateWal, type SqliteHandle } from './sqlite.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Readonly<Config>
    db: Kysely<Database>
    sqlite: SqliteHandle
    settings: SettingsStore
    /** The prepared statements behind `db` (tests read which SQL the pages ran). */
    statements: StatementCache
    /** Changes whenever any connection may have changed the database (caches compare it). */
    dataVersion: () => string
  }
}

/** Opens and prepares a database: used by the app and by the command line. */
export async function openDatabase(config: Pick<Config, 'databasePath' | 'initialSettings' | 'demoContent'>) {
  const sqlite = openSqlite(config.databasePath)
  const statements = new StatementCache(sqlite)
  const db = createKysely(sqlite, statements)
  try {
    await migrateToLatest(db)
    const settings = new SettingsStore(db)
    const isNew = await settings.initialize({ ...DEFAULT_SETTINGS, ...config.initialSettings })
    // Demo content goes only into a blog that was just created and has no posts: never twice, never over
    // someone's writing.
    if (isNew && config.demoContent && !(await hasAnyPost(db))) await loadDemoContent(db, settings.get().language)
    return { sqlite, db, settings, statements }
  } catch (err) {
    await db.destroy()
    throw err
  }
}

async function databasePlugin(app: FastifyInstance) {
  const { sqlite, db, settings, statements } = await openDatabase(app.config)
  app.decorate('sqlite', sqlite)
  app.decorate('statements', statements)
  app.decorate('dataVersion', dataVersionReader(sqlite))
  app.decorate('db', db)
  app.decorate('settings', settings)
  // A WAL left large (a crash, an older version, a reader that held checkpoints back) is emptied now and at
  // shutdown; between the two, wal_autocheckpoint and journal_size_limit keep it to a few MB (see sqlite.ts).
  emptyWal(app, sqlite, 'start-up')
  const checkpointer = app.config.databasePath === ':memory:' ? undefined : startCheckpointer(app.config.databasePath)
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
