// The blog's settings, read from the database at start-up (a new blog gets the configured ones), and read again
// when another connection (a second instance, the command line) may have changed them.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Config } from '../config.ts'
import type { Database } from '../db/schema.ts'
import { otherWritesReader } from '../db/sqlite.ts'
import { DEFAULT_SETTINGS, SettingsStore } from './settings.ts'

declare module 'fastify' {
  interface FastifyInstance {
    settings: SettingsStore
  }
}

/** A store filled from the database, the configured values written first into a new blog. */
export async function openSettings(db: Kysely<Database>, initial: Config['initialSettings']): Promise<SettingsStore> {
  const settings = new SettingsStore(db)
  await settings.initialize({ ...DEFAULT_SETTINGS, ...initial })
  return settings
}

async function settingsPlugin(app: FastifyInstance, opts: { initialSettings: Config['initialSettings'] }) {
  const settings = await openSettings(app.db, opts.initialSettings)
  app.decorate('settings', settings)

  // PRAGMA data_version moves when ANOTHER connection commits (this process's own changes go through
  // settings.update(), which reloads): then the settings row is read again, before anything of the request uses
  // them. This hook is registered before the page cache's (which depends on this plugin), so a cached page
  // is never looked up, nor a new one rendered, with settings older than the database.
  const otherWrites = otherWritesReader(app.sqlite)
  let seen = otherWrites()
  let reloading: Promise<void> | undefined
  app.addHook('onRequest', (request, _reply, done) => {
    if (!reloading) {
      const now = otherWrites()
      if (now === seen) return done()
      // Recorded first: a write during the reload moves it again and is read at the next request.
      seen = now
      reloading = settings
        .reload()
        .then(
          () => {},
          // Settings another process left unreadable: the blog goes on with the last good ones.
          (err: unknown) => request.log.error({ err }, 'the settings could not be read again'),
        )
        .finally(() => (reloading = undefined))
    }
    reloading.then(() => done(), done)
  })
}

export default fp(settingsPlugin, { name: 'settings', dependencies: ['database'] })
