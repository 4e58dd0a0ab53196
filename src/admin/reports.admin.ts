// Readers' reports in the admin: the comment list shows reported comments first, with their reports, and the
// admin decides on each (dismiss the reports, approve, spam, delete). Every decision closes the comment's open
// reports and goes to the audit log.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { renderCommentBody } from '../comments/text.ts'
import { postPath } from '../lib/urls.ts'
import { reportedComments, resolveReports, type ReportedComment } from '../reports/reports.repository.ts'
import { deleteComments, setCommentStatus } from './admin.repository.ts'
import { audit } from './audit.ts'
import { assertOwnComments } from './comment-scope.ts'
import { postState, type AdminContext } from './view-models.ts'

const REPORT_ACTIONS = ['dismiss', 'approve', 'spam', 'delete'] as const

const reportDecision = z.object({
  action: z.enum(REPORT_ACTIONS),
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  back: z
    .string()
    .regex(/^\/admin\/comments(\?[^\s#]*)?$/)
    .max(500)
    .catch('/admin/comments'),
})

export interface ReportedItem {
  id: number
  authorName: string
  authorEmail: string | null
  bodyHtml: string
  date: string
  dateIso: string
  status: string
  statusLabel: string
  postTitle: string
  postUrl: string | null
  reportCount: string
  reports: Array<{ reason: string; note: string; date: string; dateIso: string }>
  actions: Array<{ value: (typeof REPORT_ACTIONS)[number]; label: string; danger: boolean }>
}

function toReportedItem(row: ReportedComment, context: AdminContext): ReportedItem {
  const { t, fmt } = context
  const post = { slug: row.post_slug, status: row.post_status, published_at: row.post_published_at, kind: row.post_kind }
  return {
    id: row.id,
    authorName: row.author_name,
    authorEmail: row.author_email,
    bodyHtml: renderCommentBody(row.body),
    date: `${fmt.commentDate(row.created_at)} ${fmt.time(row.created_at)}`,
    dateIso: row.created_at,
    status: row.status,
    statusLabel: t.reportedStatus[row.status] ?? row.status,
    postTitle: row.post_title,
    postUrl: postState(post, context.now) === 'published' ? postPath(post, context.settings.timezone) : null,
    reportCount: t.reportCount(row.reports),
    reports: row.list.map((r) => ({
      reason: t.reportReasonLabel[r.reason] ?? r.reason,
      note: r.note,
      date: `${fmt.commentDate(r.created_at)} ${fmt.time(r.created_at)}`,
      dateIso: r.created_at,
    })),
    actions: [
      { value: 'dismiss' as const, label: t.dismissReports, danger: false },
      ...(row.status !== 'approved' ? [{ value: 'approve' as const, label: t.approveAndDismiss, danger: false }] : []),
      ...(row.status !== 'spam' ? [{ value: 'spam' as const, label: t.markSpam, danger: false }] : []),
      { value: 'delete' as const, label: t.delete, danger: true },
    ],
  }
}

/** The reported comments the comment list shows first (of one post, when the list is filtered). */
export async function reportedSection(app: FastifyInstance, context: AdminContext, postId: number | null, authorId: number | null = null) {
  return (await reportedComments(app.db, postId, 50, authorId)).map((r) => toReportedItem(r, context))
}

export default async function reportsRoutes(app: FastifyInstance) {
  app.post('/comments/reports', { config: { permission: 'comments' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const parsed = reportDecision.safeParse(request.body ?? {})
    if (!parsed.success) return reply.redirect('/admin/comments', 303)
    const { action, id, back } = parsed.data
    await assertOwnComments(app, request.admin!, [id])
    const now = new Date().toISOString()
    const result = await app.db.transaction().execute(async (trx) => {
      const resolved = await resolveReports(trx, id, now)
      if (action === 'approve') await setCommentStatus(trx, [id], 'approved')
      if (action === 'spam') await setCommentStatus(trx, [id], 'spam')
      return resolved
    })
    // After the transaction: deleting takes its own (answers move up to the parent).
    const deleted = action === 'delete' ? await deleteComments(app.db, [id]) : 0
    if (result > 0 || deleted > 0) {
      const name = action === 'dismiss' ? 'comment.reports.dismiss' : `comment.${action}`
      await audit(app.db, request.admin!, name, `comment ${id}`, { reports: result })
    }
    const url = new URL(back, 'http://admin.invalid')
    url.searchParams.set('reports', 'done')
    return reply.redirect(`${url.pathname}${url.search}`, 303)
  })
}
