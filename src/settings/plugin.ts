// The blog's settings, read from the database at start-up (a new blog gets the configured ones), and read again
// when another connection (a second instance, the command line) may have changed them.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Config } from '../config.ts'
import type { Database } from '../db/schema.ts'
import { DEFAULT_SETTINGS, recordSiteUrl, SettingsStore } from './settings.ts'

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

async function settingsPlugin(app: FastifyInstance, opts: { initialSettings: Config['initialSettings']; siteUrl?: string }) {
  const settings = await openSettings(app.db, opts.initialSettings)
  app.decorate('settings', settings)
  if (opts.siteUrl) await recordSiteUrl(app.db, opts.siteUrl)

  // app.otherWrites() moves when ANOTHER connection commits (SQLite's PRAGMA data_version; on PostgreSQL the
  // data_version row, read once per request): then the settings row is read again, before anything of the
  // request uses them. This process's own changes go through settings.update(), which reloads. This hook is
  // registered before the page cache's (which depends on this plugin), so a cached page is never looked up, nor
  // a new one rendered, with settings older than the database.
  let seen = await app.otherWrites()
  let reloading: Promise<void> | undefined
  const compare = (request: FastifyRequest, now: string, done: (err?: Error) => void) => {
    if (!reloading) {
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
  }
  app.addHook('onRequest', (request, _reply, done) => {
    const now = app.otherWrites(request)
    if (typeof now === 'string') return compare(request, now, done)
    // PostgreSQL: the read fails when the database is down; the request goes on, with the last settings read, to
    // meet that in its own queries (failing here, before the body is read, would lose a comment being posted).
    now.then(
      (v) => compare(request, v, done),
      () => done(),
    )
  })
}

export default fp(settingsPlugin, { name: 'settings', dependencies: ['database'] })
