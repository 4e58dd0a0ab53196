// The moderation queue: pending, approved and spam tabs, a filter by post, and one form for both the row
// buttons (approve / spam / delete one comment) and the bulk action on the checked ones.
import type { FastifyInstance } from 'fastify'
import type { CommentStatus } from '../db/schema.ts'
import {
  countCommentsByStatus,
  deleteComments,
  findPostsForFilter,
  findPostTitle,
  listComments,
  shownCount,
  setCommentStatus,
} from './admin.repository.ts'
import { COMMENT_ORIGINS, commentListQuery, moderationForm, type ModerationAction } from './admin.schemas.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'
import { pageOf, parsePosition } from './keyset.ts'
import { toAdminCommentItem } from './view-models.ts'
import { reportedSection } from './reports.admin.ts'
import { assertOwnComments, authorScope } from './comment-scope.ts'

const PAGE_SIZE = 50
const STATUS_OF: Record<Exclude<ModerationAction, 'delete'>, CommentStatus> = { approve: 'approved', spam: 'spam' }

/** Posts offered when the filter's text matches several. */
const FILTER_MATCHES = 20

function queueUrl(status: CommentStatus, post: number | undefined, extra: Record<string, string | undefined> = {}): string {
  const defined = Object.entries(extra).filter((e): e is [string, string] => e[1] !== undefined)
  const params = new URLSearchParams({ status, ...(post !== undefined ? { post: String(post) } : {}), ...Object.fromEntries(defined) })
  return `/admin/comments?${params.toString()}`
}

export default async function commentsRoutes(app: FastifyInstance) {
  app.get('/comments', { config: { permission: 'comments' } }, async (request, reply) => {
    const context = adminContext(app)
    const query = commentListQuery.parse(request.query ?? {})
    // What was typed in the post filter: one post found is the filter; several are offered as links.
    const found = query.find.trim() ? await findPostsForFilter(app.db, query.find, FILTER_MATCHES + 1, authorScope(request.admin!)) : null
    const origin = query.origin
    if (found?.length === 1) return reply.redirect(queueUrl(query.status, found[0]!.id, { origin }), 303)
    const postId = query.post ?? null
    const author = authorScope(request.admin!)
    const at = parsePosition(query.page)
    const [rows, counts, filtered, reported] = await Promise.all([
      listComments(app.db, query.status, postId, PAGE_SIZE + 1, at, author, origin ?? null),
      countCommentsByStatus(app.db, postId, author),
      postId !== null ? findPostTitle(app.db, postId) : undefined,
      // Readers' reports come first (src/admin/reports.admin.ts).
      reportedSection(app, context, postId, author),
    ])
    const labels: Record<CommentStatus, string> = { pending: context.t.pending, approved: context.t.approved, spam: context.t.spam }
    const page = pageOf(
      rows,
      PAGE_SIZE,
      at,
      (r) => ({ key: r.created_at, id: r.id }),
      (position) => queueUrl(query.status, query.post, { origin, ...(position ? { page: position } : {}) }),
    )
    return reply.adminPage('admin/comments', {
      heading: context.t.comments,
      status: query.status,
      origin: origin ?? null,
      origins: COMMENT_ORIGINS,
      postId,
      page: query.page,
      tabs: (['pending', 'approved', 'spam'] as const).map((s) => ({
        status: s,
        label: `${labels[s]} (${shownCount(counts[s], context.settings.language)})`,
        url: queueUrl(s, query.post, { origin }),
        current: s === query.status,
      })),
      filter: {
        typed: query.find,
        current: filtered ? { title: filtered.title, clearUrl: queueUrl(query.status, undefined, { origin }) } : null,
        matches: found
          ? found.slice(0, FILTER_MATCHES).map((p) => ({ title: p.title, slug: p.slug, url: queueUrl(query.status, p.id, { origin }) }))
          : null,
      },
      comments: page.rows.map((r) => toAdminCommentItem(r, context)),
      // Each tab offers the actions that change something there.
      actions: (['approve', 'spam', 'delete'] as const)
        .filter((a) => a === 'delete' || STATUS_OF[a] !== query.status)
        .map((a) => ({ value: a, label: a === 'approve' ? context.t.approve : a === 'spam' ? context.t.markSpam : context.t.delete })),
      pager: page.pager,
      reported,
      reportsDone: (request.query as Record<string, unknown> | undefined)?.reports === 'done',
      notice: query.done !== undefined ? context.t.moderated(query.done) : query.none === '1' ? context.t.nothingSelected : null,
    })
  })

  app.post('/comments', { config: { permission: 'comments' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const form = moderationForm.parse(request.body ?? {})
    const back = form.back
    const pageExtra: Record<string, string | undefined> = { origin: form.origin, ...(back.page ? { page: back.page } : {}) }
    if (!form.action || form.ids.length === 0) {
      return reply.redirect(queueUrl(back.status, back.post, { ...pageExtra, none: '1' }), 303)
    }
    const action = form.action
    await assertOwnComments(app, request.admin!, form.ids)
    let changed: number
    if (action === 'delete') {
      // An admin's answer sent to the fediverse is deleted there too (src/fediverse/), once it is gone here.
      const withdraw = await app.fediverseAnswersWithdrawn(app.db, form.ids)
      changed = await deleteComments(app.db, form.ids)
      await withdraw()
    } else {
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
