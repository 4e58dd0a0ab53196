// Demo content for a new blog (DEMO_CONTENT): loaded once, when the settings were just created.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import { hasAnyPost } from '../content/posts.repository.ts'
import type { Database } from '../db/schema.ts'
import type { SettingsStore } from '../settings/settings.ts'
import { loadDemoContent } from './demo.ts'

/**
 * Only into a blog whose settings were just created and that has no posts: never twice (the settings exist at the
 * next start), never over someone's writing.
 */
export async function loadDemoIntoNewBlog(db: Kysely<Database>, settings: SettingsStore): Promise<boolean> {
  if (!settings.createdNow || (await hasAnyPost(db))) return false
  await loadDemoContent(db, settings.get().language)
  return true
}

async function demoPlugin(app: FastifyInstance, opts: { enabled: boolean }) {
  if (opts.enabled) await loadDemoIntoNewBlog(app.db, app.settings)
}

export default fp(demoPlugin, { name: 'demo', dependencies: ['database', 'settings'] })
