// The moderation queue: pending, approved and spam tabs, a filter by post, and one form for both the row
// buttons (approve / spam / delete one comment) and the bulk action on the checked ones.
import type { FastifyInstance } from 'fastify'
import type { CommentStatus } from '../db/schema.ts'
import { countCommentsByStatus, deleteComments, listComments, postsWithComments, setCommentStatus } from './admin.repository.ts'
import { commentListQuery, moderationForm, type ModerationAction } from './admin.schemas.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'
import { pager, toAdminCommentItem } from './view-models.ts'
import { reportedSection } from './reports.admin.ts'
import { assertOwnComments, authorScope } from './comment-scope.ts'

const PAGE_SIZE = 50
const STATUS_OF: Record<Exclude<ModerationAction, 'delete'>, CommentStatus> = { approve: 'approved', spam: 'spam' }

function queueUrl(status: CommentStatus, post: number | undefined, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ status, ...(post !== undefined ? { post: String(post) } : {}), ...extra })
  return `/admin/comments?${params.toString()}`
}

export default async function commentsRoutes(app: FastifyInstance) {
  app.get('/comments', { config: { permission: 'comments' } }, async (request, reply) => {
    const context = adminContext(app)
    const query = commentListQuery.parse(request.query ?? {})
    const postId = query.post ?? null
    const author = authorScope(request.admin!)
    const [rows, counts, posts, reported] = await Promise.all([
      listComments(app.db, query.status, postId, PAGE_SIZE + 1, (query.page - 1) * PAGE_SIZE, author),
      countCommentsByStatus(app.db, postId, author),
      postsWithComments(app.db, author),
      // Readers' reports come first (src/admin/reports.admin.ts).
      reportedSection(app, context, postId, author),
    ])
    const labels: Record<CommentStatus, string> = { pending: context.t.pending, approved: context.t.approved, spam: context.t.spam }
    const base = new URLSearchParams({ status: query.status, ...(postId !== null ? { post: String(postId) } : {}) })
    return reply.adminPage('admin/comments', {
      heading: context.t.comments,
      status: query.status,
      postId,
      page: query.page,
      tabs: (['pending', 'approved', 'spam'] as const).map((s) => ({
        status: s,
        label: `${labels[s]} (${counts[s]})`,
        url: queueUrl(s, query.post),
        current: s === query.status,
      })),
      posts: posts.map((p) => ({ id: p.id, title: p.title, selected: p.id === postId })),
      comments: rows.slice(0, PAGE_SIZE).map((r) => toAdminCommentItem(r, context)),
      // Each tab offers the actions that change something there.
      actions: (['approve', 'spam', 'delete'] as const)
        .filter((a) => a === 'delete' || STATUS_OF[a] !== query.status)
        .map((a) => ({ value: a, label: a === 'approve' ? context.t.approve : a === 'spam' ? context.t.markSpam : context.t.delete })),
      pager: pager(base, '/admin/comments', query.page, rows.length > PAGE_SIZE),
      reported,
      reportsDone: (request.query as Record<string, unknown> | undefined)?.reports === 'done',
      notice: query.done !== undefined ? context.t.moderated(query.done) : query.none === '1' ? context.t.nothingSelected : null,
    })
  })

  app.post('/comments', { config: { permission: 'comments' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const form = moderationForm.parse(request.body ?? {})
    const back = form.back
    const pageExtra: Record<string, string> = back.page > 1 ? { page: String(back.page) } : {}
    if (!form.action || form.ids.length === 0) {
      return reply.redirect(queueUrl(back.status, back.post, { ...pageExtra, none: '1' }), 303)
    }
    const action = form.action
    await assertOwnComments(app, request.admin!, form.ids)
    let changed: number
    if (action === 'delete') changed = await deleteComments(app.db, form.ids)
    else {
      // Approving is what lets a comment's mails go: they are queued in the same transaction (src/mail/).
      changed = await app.db.transaction().execute(async (trx) => {
        const newlyApproved =
          action === 'approve'
            ? (await trx.selectFrom('comments').select('id').where('id', 'in', form.ids).where('status', '!=', 'approved').execute()).map(
                (r) => r.id,
              )
            : []
        const n = await setCommentStatus(trx, form.ids, STATUS_OF[action])
        await app.mail.commentsApproved(trx, newlyApproved)
        return n
      })
      app.mail.wake()
    }
    if (changed > 0) {
      await audit(app.db, request.admin!, `comment.${form.action}`, `comments ${form.ids.join(', ')}`, { count: changed })
    }
    return reply.redirect(queueUrl(back.status, back.post, { ...pageExtra, done: String(changed) }), 303)
  })
}
