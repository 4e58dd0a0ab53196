// The blog's settings, read from the database at start-up (a new blog gets the configured ones).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Config } from '../config.ts'
import type { Database } from '../db/schema.ts'
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
  app.decorate('settings', await openSettings(app.db, opts.initialSettings))
}

export default fp(settingsPlugin, { name: 'settings', dependencies: ['database'] })
