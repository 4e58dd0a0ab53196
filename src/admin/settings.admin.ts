// The blog's settings page: every change goes through app.settings.update(), which refreshes readers' pages.
import type { FastifyInstance } from 'fastify'
import { runIpErasure } from '../content/ip-retention.ts'
import { settingsForm } from './admin.schemas.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'

export default async function settingsRoutes(app: FastifyInstance) {
  app.get('/settings', { config: { permission: 'settings' } }, async (request, reply) => {
    const context = adminContext(app)
    const settings = context.settings
    const saved = (request.query as Record<string, unknown>).done === 'saved'
    return reply.adminPage('admin/settings', {
      heading: context.t.settings,
      // The form shows every setting as typed text.
      values: Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, String(value)])),
      errors: {},
      notice: saved ? context.t.settingsSaved : null,
      siteHost: new URL(app.config.siteUrl).host,
    })
  })

  app.post('/settings', { config: { permission: 'settings' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const context = adminContext(app)
    const body = (request.body ?? {}) as Record<string, unknown>
    const form = settingsForm(context.t)
    const parsed = form.safeParse(body)
    if (!parsed.success) {
      const errors: Record<string, string> = {}
      for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message
      const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '')
      return reply.code(400).adminPage('admin/settings', {
        heading: context.t.settings,
        // Every field of the form, as typed.
        values: Object.fromEntries(Object.keys(form.shape).map((k) => [k, str(k)])),
        errors,
        notice: null,
        siteHost: new URL(app.config.siteUrl).host,
      })
    }
    const before = context.settings
    const after = await app.settings.update(parsed.data)
    // Compared as JSON: the look's settings are objects, new at each reload.
    const changed = Object.keys(after).filter(
      (k) => JSON.stringify(after[k as keyof typeof after]) !== JSON.stringify(before[k as keyof typeof before]),
    )
    if (changed.length > 0) await audit(app.db, request.admin!, 'settings.update', '', { changed })
    // A shorter retention applies at once, not at the next hourly run.
    if (changed.includes('ipRetentionDays')) await runIpErasure(app.db, after.ipRetentionDays, request.log)
    return reply.redirect('/admin/settings?done=saved', 303)
  })
}
