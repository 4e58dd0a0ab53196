// A commenter edits or deletes their own comment for `commentEditMinutes` after posting it, from the browser that
// posted it (src/own-comments/capability.ts). The post page shows them "Modifier" / "Supprimer" beside their
// comments; the edit and delete forms are pages of their own (no JavaScript needed). An edit follows the rules of
// a new comment: the same checks of the text, a refuse word refuses it, a hold word or too many links (or the
// "all" moderation mode) sends the comment back to moderation.
//
// Pages that show those links are personal: the capabilities cookie is declared private, so no cache keeps or
// serves them, and the links are added to this request's copy of the comment list, never to the list's HTML kept
// for every reader.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { z } from 'zod'
import { judgeComment } from '../comments/rules.ts'
import { threadIsOpen } from '../content/policy.ts'
import { isVisibleToReaders } from '../content/visibility.ts'
import { isCrossSite } from '../http/cross-site.ts'
import { PublicError } from '../http/errors.ts'
import { messages, type Messages } from '../i18n/index.ts'
import { now as clockNow } from '../lib/time.ts'
import { commentPath, postPath } from '../lib/urls.ts'
import { pendingUrl } from '../reader/comments.routes.ts'
import { commentForm, commentParams, fieldErrors, typedValues } from '../comments/comments.schemas.ts'
import { bodyKey } from '../comments/comments.service.ts'
import type { CommentView } from '../reader/view-models.ts'
import { capabilityKey, holds, OWN_COMMENTS_COOKIE, readCapabilities, sign, timeLeft, writeCapabilities } from './capability.ts'
import { deleteOwnComment, findOwnTarget, updateOwnComment, type OwnTarget } from './own-comments.repository.ts'

/** What the comment list shows beside a comment of this browser's (views/own-comments/actions.eta). */
export interface OwnCommentLinks {
  editUrl: string
  deleteUrl: string
  minutesLeft: number
}

const editBody = z.object({ body: commentForm.shape.body })

const minutesOf = (ms: number) => Math.max(1, Math.ceil(ms / 60_000))

async function ownComments(app: FastifyInstance, opts: { sessionKey: Buffer }) {
  const key = capabilityKey(opts.sessionKey)
  const siteOrigin = new URL(app.config.siteUrl).origin
  app.requestPrivacy.declarePrivateCookie(OWN_COMMENTS_COOKIE)

  // A stored comment: its browser gets the right to change it.
  app.commentStoredHooks.push((request, reply, comment) => {
    const windowMinutes = app.settings.get().commentEditMinutes
    if (windowMinutes <= 0) return
    const now = clockNow()
    writeCapabilities(request, reply, {
      siteUrl: app.config.siteUrl,
      windowMinutes,
      now,
      add: {
        id: comment.id,
        madeAt: Math.floor(Date.parse(comment.createdAt) / 1000),
        signature: sign(key, comment.id, comment.createdAt),
      },
    })
  })

  // The post page of a browser holding capabilities: its own comments on this page get their links, in a copy of
  // the list rendered for this request only (the kept list is every reader's).
  app.pageDataHooks.push((request, data) => {
    if (!data.post || !Array.isArray(data.comments) || data.comments.length === 0) return
    const windowMinutes = app.settings.get().commentEditMinutes
    const capabilities = windowMinutes > 0 ? readCapabilities(request) : []
    if (capabilities.length === 0) return
    const now = clockNow()
    const own: Record<number, OwnCommentLinks> = {}
    let any = false
    const visit = (list: readonly CommentView[]) => {
      for (const c of list) {
        const left = timeLeft(c.createdAt, windowMinutes, now)
        if (left > 0 && holds(key, capabilities, c.id, c.createdAt)) {
          own[c.id] = { editUrl: `${commentPath(c.id)}/edit`, deleteUrl: `${commentPath(c.id)}/delete`, minutesLeft: minutesOf(left) }
          any = true
        }
        visit(c.replies)
      }
    }
    visit(data.comments)
    if (!any) return
    const { commentsOpen, url } = data.post
    if (!commentsOpen) return
    data.commentListHtml = app.renderFragment('/comments/list', {
      t: messages(data.lang),
      post: { commentsOpen, url },
      comments: data.comments,
      own,
    })
  })

  // A page made for a browser with capabilities is its own: no shared cache may keep it.
  app.addHook('onSend', async (request, reply) => {
    if (request.headers.cookie?.includes(`${OWN_COMMENTS_COOKIE}=`) && !reply.hasHeader('cache-control')) {
      reply.header('cache-control', 'private, no-cache')
    }
  })

  /**
   * The comment this request may change, with the time left; otherwise a refusal (404 for no such comment, 403
   * for no valid capability, a window passed or a closed thread). Nothing is changed before this passes.
   */
  async function target(request: FastifyRequest, t: Messages): Promise<{ comment: OwnTarget; left: number; postUrl: string }> {
    const params = commentParams.safeParse(request.params)
    const comment = params.success ? await findOwnTarget(app.db, params.data.id) : undefined
    const now = clockNow()
    if (!comment || !isVisibleToReaders({ status: comment.post_status, published_at: comment.published_at }, now.toISOString())) {
      throw new PublicError(404, t.notFoundTitle, t.notFoundText)
    }
    const settings = app.settings.get()
    const left = timeLeft(comment.created_at, settings.commentEditMinutes, now)
    if (left <= 0 || !holds(key, readCapabilities(request), comment.id, comment.created_at)) {
      request.log.info({ comment: comment.id }, 'own comment change refused: no valid capability or window passed')
      throw new PublicError(403, t.ownRefusedTitle, t.ownRefusedText)
    }
    if (!threadIsOpen(comment, settings, now)) throw new PublicError(403, t.ownRefusedTitle, t.ownClosedText)
    return { comment, left, postUrl: postPath(comment, settings.timezone) }
  }

  function refuseCrossSite(request: FastifyRequest) {
    if (isCrossSite(request, siteOrigin)) {
      const t = messages(app.settings.get().language)
      throw new PublicError(403, t.crossSiteTitle, t.crossSiteText)
    }
  }

  function editPage(
    reply: FastifyReply,
    t: Messages,
    found: { comment: OwnTarget; left: number; postUrl: string },
    form: { body: string; error?: string | null; formError?: string | null },
  ) {
    const { comment, left, postUrl } = found
    return reply.page('own-comments/edit', {
      title: form.error || form.formError ? t.errorDocumentTitle(t.editTitle) : t.editTitle,
      noindex: true,
      sidebar: null,
      own: {
        action: `${commentPath(comment.id)}/edit`,
        deleteUrl: `${commentPath(comment.id)}/delete`,
        cancelUrl: `${postUrl}#comment-${comment.id}`,
        postTitle: comment.post_title,
        postUrl,
        intro: t.editIntro(minutesOf(left)),
        body: form.body,
        error: form.error ?? null,
        formError: form.formError ?? null,
      },
    })
  }

  app.get('/comment/:id/edit', async (request, reply) => {
    const t = messages(app.settings.get().language)
    const found = await target(request, t)
    return editPage(reply, t, found, { body: found.comment.body })
  })

  app.post('/comment/:id/edit', { onRequest: async (request) => refuseCrossSite(request) }, async (request, reply) => {
    const settings = app.settings.get()
    const t = messages(settings.language)
    const found = await target(request, t)
    const { comment } = found
    const typed = typedValues(request.body).form
    const parsed = editBody.safeParse(request.body ?? {})
    if (!parsed.success) {
      reply.code(400)
      return editPage(reply, t, found, { body: typed.body, error: fieldErrors(parsed.error, t, typed).body ?? t.badRequestText })
    }
    const body = parsed.data.body
    const verdict = judgeComment(
      { author: comment.author_name, email: comment.author_email, url: comment.author_url, body, ip: request.ip },
      settings,
    )
    if (verdict.kind === 'refuse') {
      request.log.info({ comment: comment.id }, 'comment edit refused: refuse word list')
      reply.code(400)
      return editPage(reply, t, found, { body: typed.body, formError: t.errCommentRefused })
    }
    if (body !== comment.body) {
      // Held words, too many links, or every comment moderated: the changed text waits for an admin.
      const status = verdict.kind === 'hold' || settings.moderation === 'all' ? 'pending' : comment.status
      await updateOwnComment(app.db, comment.id, { body, bodyKey: bodyKey(body), status, editedAt: clockNow().toISOString() })
      request.log.info({ comment: comment.id, status }, 'comment edited by its author')
      if (status !== 'approved') return reply.redirect(pendingUrl(found.postUrl), 303)
    }
    return reply.redirect(commentPath(comment.id), 303)
  })

  app.get('/comment/:id/delete', async (request, reply) => {
    const t = messages(app.settings.get().language)
    const { comment, left, postUrl } = await target(request, t)
    return reply.page('own-comments/delete', {
      title: t.deleteTitle,
      noindex: true,
      sidebar: null,
      own: {
        action: `${commentPath(comment.id)}/delete`,
        cancelUrl: `${postUrl}#comment-${comment.id}`,
        postTitle: comment.post_title,
        postUrl,
        intro: t.editIntro(minutesOf(left)),
        body: comment.body,
      },
    })
  })

  app.post('/comment/:id/delete', { onRequest: async (request) => refuseCrossSite(request) }, async (request, reply) => {
    const settings = app.settings.get()
    const t = messages(settings.language)
    const { comment, postUrl } = await target(request, t)
    await deleteOwnComment(app.db, comment.id)
    request.log.info({ comment: comment.id }, 'comment deleted by its author')
    writeCapabilities(request, reply, {
      siteUrl: app.config.siteUrl,
      windowMinutes: settings.commentEditMinutes,
      now: clockNow(),
      remove: comment.id,
    })
    return reply.redirect(`${postUrl}#comments`, 303)
  })
}

export default fp(ownComments, { name: 'own-comments', dependencies: ['render', 'request-privacy', 'comments'] })
