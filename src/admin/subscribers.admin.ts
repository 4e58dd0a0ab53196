// "Abonnés / Subscribers": readers who follow the blog by e-mail (src/newsletter/). Counts by state, the list
// (newest first, by pages), removal, the CSV export, and the import from another platform, which the admin must
// state was already confirmed there (kept in the audit log with the count).
import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import type { BlogCadence } from '../db/schema.ts'
import { messages } from '../i18n/index.ts'
import { nowIso } from '../lib/time.ts'
import { toCsv } from '../newsletter/csv.ts'
import {
  countSubscribers,
  listSubscribers,
  planImport,
  removeSubscriber,
  runImport,
  type ImportProblem,
  type SubscriberState,
} from '../newsletter/subscribers.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'
import { csrfFirst } from './uploads.ts'

const PAGE_SIZE = 100
const IMPORT_LIMIT_BYTES = 2 * 1024 * 1024
const query = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1).default(1),
  done: z.enum(['removed']).optional().catch(undefined),
})
const idParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
})

export default async function subscribersAdminRoutes(app: FastifyInstance) {
  const nt = () => messages(app.settings.get().language).newsletter

  async function page(
    reply: FastifyReply,
    opts: {
      page?: number
      notice?: string | null
      importError?: string | null
      problems?: ImportProblem[]
      cadence?: BlogCadence
      consent?: boolean
    } = {},
  ) {
    const t = nt()
    const context = adminContext(app)
    const at = opts.page ?? 1
    const [counts, rows] = await Promise.all([countSubscribers(app.db), listSubscribers(app.db, PAGE_SIZE + 1, (at - 1) * PAGE_SIZE)])
    const stateLabel: Record<SubscriberState, string> = {
      active: t.statusActive,
      pending: t.statusPending,
      unsubscribed: t.statusUnsubscribed,
      bounced: t.statusBounced,
    }
    const fmt = new Intl.DateTimeFormat(context.settings.language, { dateStyle: 'medium', timeZone: context.settings.timezone })
    return reply.adminPage('admin/subscribers', {
      heading: t.heading,
      nt: t,
      mailOff: !app.mail.enabled,
      counts: t.counts(counts.active, counts.pending, counts.unsubscribed, counts.bounced),
      rows: rows.slice(0, PAGE_SIZE).map((r) => ({
        id: r.id,
        email: r.email,
        name: r.name,
        state: stateLabel[r.state],
        cadence: r.cadence === 'post' ? t.cadencePost : t.cadenceWeekly,
        source: r.source === 'import' ? t.sourceImport : t.sourceForm,
        since: fmt.format(new Date(r.createdAt)),
        sinceIso: r.createdAt,
      })),
      next: rows.length > PAGE_SIZE ? `/admin/subscribers?page=${at + 1}` : null,
      previous: at > 1 ? `/admin/subscribers?page=${at - 1}` : null,
      notice: opts.notice ?? null,
      importError: opts.importError ?? null,
      problems: (opts.problems ?? []).map((p) =>
        p.kind === 'invalid'
          ? t.lineInvalid(p.line, p.value)
          : p.kind === 'duplicate'
            ? t.lineDuplicate(p.line, p.value)
            : p.kind === 'existing'
              ? t.lineExisting(p.line, p.value)
              : t.lineNotSubscribed(p.line, p.value),
      ),
      cadence: opts.cadence ?? 'post',
      consent: opts.consent ?? false,
    })
  }

  app.get('/subscribers', { config: { permission: 'settings' } }, async (request, reply) => {
    const q = query.parse(request.query ?? {})
    return page(reply, { page: q.page, notice: q.done === 'removed' ? nt().removed : null })
  })

  app.post('/subscribers/:id/remove', { config: { permission: 'settings' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const email = params.success ? await removeSubscriber(app.db, params.data.id) : null
    if (email) await audit(app.db, request.admin!, 'subscriber.remove', email)
    return reply.redirect('/admin/subscribers?done=removed', 303)
  })

  // A POST (with its CSRF token), as the blog's other exports: a list of addresses leaves only when an admin asks.
  app.post('/subscribers/export', { config: { permission: 'settings' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const rows = await listSubscribers(app.db)
    const csv = toCsv([
      ['email', 'name', 'status', 'cadence', 'source', 'created_at'],
      ...rows.map((r) => [r.email, r.name, r.state, r.cadence === 'post' ? 'each-post' : 'weekly', r.source, r.createdAt]),
    ])
    await audit(app.db, request.admin!, 'subscribers.export', '', { rows: rows.length })
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="subscribers.csv"')
      .header('cache-control', 'no-store')
      .send(csv)
  })

  const readCsrf = csrfFirst({ fileSize: IMPORT_LIMIT_BYTES, files: 1 })
  app.post(
    '/subscribers/import',
    { config: { permission: 'settings' }, preHandler: [readCsrf, app.csrfProtection] },
    async (request, reply) => {
      const t = nt()
      const fields: Record<string, string> = {}
      let file: Buffer | null = null
      let tooLarge = false
      for await (const part of request.uploadParts ?? []) {
        if (part.type === 'field') fields[part.fieldname] = String(part.value)
        else if (part.fieldname !== 'file' || file || !part.filename) part.file.resume()
        else {
          file = await part.toBuffer().catch(() => null)
          tooLarge = part.file.truncated || file === null
        }
      }
      const cadence: BlogCadence = fields.cadence === 'weekly' ? 'weekly' : 'post'
      const consent = fields.consent === '1'
      if (!file || file.length === 0 || tooLarge) return page(reply.code(400), { importError: t.errImportFile, cadence, consent })
      // Refused before anything is read into the list: the box is the admin's statement, the audit log its record.
      if (!consent) return page(reply.code(400), { importError: t.errImportConsent, cadence })
      const plan = await planImport(app.db, file.toString('utf8'))
      if (plan.empty || (plan.add.length === 0 && plan.problems.length === 0)) {
        return page(reply.code(400), { importError: t.errImportEmpty, cadence, consent })
      }
      const added = await runImport(app.db, plan, cadence, nowIso())
      await audit(app.db, request.admin!, 'subscribers.import', '', {
        added,
        skipped: plan.problems.length,
        statement: t.auditImport(added),
      })
      return page(reply, {
        notice: t.imported(added, plan.problems.length),
        problems: plan.problems,
        cadence,
      })
    },
  )
}
