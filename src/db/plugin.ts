// Opens the database, brings its schema up to date, fills the settings of a new blog (and its demo content),
// and closes everything when the app closes.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Config } from '../config.ts'
import { loadDemoContent } from '../demo/demo.ts'
import { hasAnyPost } from '../posts/posts.repository.ts'
import { DEFAULT_SETTINGS, SettingsStore } from '../settings/settings.ts'
import { migrateToLatest } from './migrate.ts'
import type { Database } from './schema.ts'
import { createKysely, dataVersionReader, openSqlite, StatementCache, type SqliteHandle } from './sqlite.ts'

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
  app.addHook('onClose', async () => {
    await db.destroy()
  })
}

export default fp(databasePlugin, { name: 'database' })
