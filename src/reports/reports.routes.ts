// "Signaler" / "Report" under every approved comment: a page of its own with a reason (spam, abuse, other) and an
// optional note, no JavaScript needed. One report per comment and reporter (a keyed hash of the IP address: no
// address is kept), rate-limited per address; `reportHoldThreshold` reports hold the comment for moderation until
// an admin decides (src/admin/reports.admin.ts). The pages are not cacheable (no route here opts in).
import { createHmac, hkdfSync } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { z } from 'zod'
import { isVisibleToReaders } from '../content/visibility.ts'
import type { ReportReason } from '../db/schema.ts'
import { isCrossSite } from '../http/cross-site.ts'
import { PublicError, renderError } from '../http/errors.ts'
import { messages, type Messages } from '../i18n/index.ts'
import { now as clockNow } from '../lib/time.ts'
import { commentPath, postPath } from '../lib/urls.ts'
import { cleanText, commentParams } from '../comments/comments.schemas.ts'
import { addReport, findReportable } from './reports.repository.ts'

export const REPORT_REASONS = ['spam', 'abuse', 'other'] as const satisfies readonly ReportReason[]
export const NOTE_MAX_CHARS = 1000
/** Reports one address may send in an hour (a reader flagging a whole troll thread stays below). */
export const REPORTS_PER_HOUR = 10

const chars = (s: string) => [...s].length
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v)

const reportForm = z.object({
  reason: z.preprocess(first, z.enum(REPORT_REASONS)),
  note: z.preprocess(
    first,
    z
      .string()
      .catch('')
      .transform(cleanText)
      .refine((s) => chars(s) <= NOTE_MAX_CHARS),
  ),
})

/** What was sent, as typed, to show again. */
function typed(body: unknown): { reason: string; note: string } {
  const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
  const get = (k: string) => {
    const v = first(raw[k])
    return typeof v === 'string' ? v : ''
  }
  return { reason: get('reason'), note: get('note') }
}

async function reports(app: FastifyInstance, opts: { sessionKey: Buffer }) {
  const reporterKey = Buffer.from(hkdfSync('sha256', opts.sessionKey, Buffer.alloc(0), 'carnet comment reporter v1', 32))
  const reporterOf = (ip: string) => createHmac('sha256', reporterKey).update(ip).digest('base64url').slice(0, 22)
  const siteOrigin = new URL(app.config.siteUrl).origin

  async function reportable(request: FastifyRequest, t: Messages, approvedOnly = true) {
    const params = commentParams.safeParse(request.params)
    const comment = params.success ? await findReportable(app.db, params.data.id, { approvedOnly }) : undefined
    if (!comment || !isVisibleToReaders({ status: comment.post_status, published_at: comment.published_at }, clockNow().toISOString())) {
      throw new PublicError(404, t.notFoundTitle, t.notFoundText)
    }
    return comment
  }

  function formPage(
    reply: FastifyReply,
    t: Messages,
    comment: NonNullable<Awaited<ReturnType<typeof findReportable>>>,
    form: { reason: string; note: string; errors?: { reason?: string; note?: string }; formError?: string | null; sent?: boolean },
  ) {
    const postUrl = postPath(comment, app.settings.get().timezone)
    const errors = form.errors ?? {}
    const failed = Boolean(errors.reason || errors.note || form.formError)
    const excerpt = [...comment.body]
    return reply.page('reports/form', {
      title: form.sent ? t.reportThanksTitle : failed ? t.errorDocumentTitle(t.reportTitle) : t.reportTitle,
      noindex: true,
      sidebar: null,
      report: {
        sent: form.sent ?? false,
        action: `${commentPath(comment.id)}/report`,
        commentUrl: `${postUrl}#comment-${comment.id}`,
        postUrl,
        postTitle: comment.post_title,
        authorName: comment.author_name,
        excerpt: excerpt.length > 300 ? `${excerpt.slice(0, 300).join('')}…` : comment.body,
        reasons: REPORT_REASONS.map((value) => ({ value, label: t.reportReasons[value]!, checked: form.reason === value })),
        note: form.note,
        errors,
        formError: form.formError ?? null,
      },
    })
  }

  app.get('/comment/:id/report', async (request, reply) => {
    const t = messages(app.settings.get().language)
    const sent = (request.query as Record<string, unknown> | undefined)?.sent === '1'
    // The thanks page also follows the report that held its comment.
    const comment = await reportable(request, t, !sent)
    return formPage(reply, t, comment, { reason: '', note: '', sent })
  })

  app.post(
    '/comment/:id/report',
    {
      onRequest: async (request) => {
        if (isCrossSite(request, siteOrigin)) {
          const t = messages(app.settings.get().language)
          throw new PublicError(403, t.crossSiteTitle, t.crossSiteText)
        }
      },
      // Counted once the body is read, so that a refused report comes back in the form.
      config: { rateLimit: { max: REPORTS_PER_HOUR, timeWindow: 3_600_000, hook: 'preHandler' } },
      errorHandler: async (error, request, reply) => {
        if (error.statusCode === 429 && !reply.sent) {
          const t = messages(app.settings.get().language)
          const comment = await reportable(request, t).catch(() => undefined)
          if (comment) {
            reply.code(429)
            return formPage(reply, t, comment, { ...typed(request.body), formError: t.errTooManyReports })
          }
        }
        return renderError(app, error, request, reply)
      },
    },
    async (request, reply) => {
      const settings = app.settings.get()
      const t = messages(settings.language)
      const comment = await reportable(request, t)
      const parsed = reportForm.safeParse(request.body ?? {})
      if (!parsed.success) {
        const values = typed(request.body)
        const errors: { reason?: string; note?: string } = {}
        for (const issue of parsed.error.issues) {
          if (issue.path[0] === 'reason') errors.reason = t.errReportReason
          if (issue.path[0] === 'note') errors.note = t.errReportNoteTooLong(chars(cleanText(values.note)))
        }
        reply.code(400)
        return formPage(reply, t, comment, { ...values, errors })
      }
      const result = await addReport(app.db, {
        commentId: comment.id,
        reason: parsed.data.reason,
        note: parsed.data.note,
        reporter: reporterOf(request.ip),
        now: clockNow().toISOString(),
        threshold: settings.reportHoldThreshold,
      })
      // A second report by the same reader is thanked the same way, and changes nothing.
      request.log.info({ comment: comment.id, ...result }, 'comment reported')
      return reply.redirect(`${commentPath(comment.id)}/report?sent=1`, 303)
    },
  )
}

export default fp(reports, { name: 'reports', dependencies: ['render', 'errors'] })
