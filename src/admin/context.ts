import type { FastifyInstance } from 'fastify'
import { formatter, messages } from '../i18n/index.ts'
import { nowIso } from '../lib/time.ts'
import type { AdminContext } from './view-models.ts'

/** The language, formatter, settings and time an admin page is built with. */
export function adminContext(app: FastifyInstance): AdminContext {
  const settings = app.settings.get()
  return { t: messages(settings.language).admin, fmt: formatter(settings.language, settings.timezone), settings, now: nowIso() }
}
