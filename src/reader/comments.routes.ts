// Posting comments. The form posts to the post's own permanent link; success is a 303 back to it
// (post/redirect/get), errors re-render the post page with the form as typed. Post pages carry no per-visitor
// token (so they stay cacheable): cross-site posts are refused from the Origin / Sec-Fetch-Site headers instead.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod, RouteShorthandOptions } from 'fastify'
import fp from 'fastify-plugin'
import { messages } from '../i18n/index.ts'
import { commentAnchor, COMMENTS_PER_PAGE, postPath, withCommentPage } from '../lib/urls.ts'
import { nowIso } from '../lib/time.ts'
import { commentPosition, findPostById, findPostBySlug, type PostRow } from '../content/posts.repository.ts'
import { postPageData } from './pages.routes.ts'
import { pageParams as pageSlugParams, postParams } from '../lib/url-params.ts'
import { viewContext, type CommentView } from './view-models.ts'
import type { Settings } from '../settings/settings.ts'
import { isDatabaseUnavailable } from '../db/errors.ts'
import { PublicError, RETRY_AFTER_UNAVAILABLE, renderError } from '../http/errors.ts'
import {
  commentForm,
  commentParams,
  fieldErrors,
  postPageQuery,
  typedValues,
  type FieldErrors,
  type FormValues,
} from '../comments/comments.schemas.ts'
import { submitComment } from '../comments/comments.service.ts'
import { forget, readRemembered, remember, COMMENTER_COOKIE } from './commenter-cookie.ts'
import { commentFormView, findComment } from './comment-form.ts'
import { threadIsOpen } from '../content/policy.ts'
import { keptWith } from '../cache/kept-with.ts'
import { isVisibleToReaders } from '../content/visibility.ts'
import { isCrossSite } from '../http/cross-site.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Called when a comment is stored, before the redirect is sent (src/own-comments gives its author the right
     * to edit it here).
     */
    commentStoredHooks: Array<(request: FastifyRequest, reply: FastifyReply, comment: { id: number; createdAt: string }) => void>
  }
}

/** The address a held comment's author comes back to: the page says the comment awaits moderation. */
export function pendingUrl(postUrl: string): string {
  return `${postUrl}?moderation=pending#respond`
}

/**
 * Far more than the longest comment in any script once form-encoded (10,000 emoji are 120 KB): a text pasted
 * well over the limit still comes back in the form with the message, rather than lost to a 413 page. Only
 * bodies no form could hold are refused unread.
 */
export const COMMENT_BODY_LIMIT = 1024 * 1024

async function commentsRoutes(app: FastifyInstance) {
  // A commenter's post pages show the form filled in with their name: theirs alone.
  app.requestPrivacy.declarePrivateCookie(COMMENTER_COOKIE)
  app.decorate('commentStoredHooks', [])
  const siteOrigin = new URL(app.config.siteUrl).origin

  // The post page gets its form here, so the posts feature does not need to know about it: a fresh form,
  // pre-filled from the remember-me cookie, answering `?reply=<id>`, with the notice of `?moderation=pending`.
  app.pageDataHooks.push((request, data) => {
    if (data.commentForm !== undefined || !data.post || !Array.isArray(data.comments)) return
    const post = data.post
    if (!post.commentsOpen) return
    const parsed = postPageQuery.safeParse(request.query ?? {})
    const query = parsed.success ? parsed.data : {}
    const parent = query.reply ? findComment(data.comments, query.reply) : undefined
    data.commentForm = commentFormView({
      t: data.t,
      postUrl: post.url,
      values: readRemembered(request) ?? undefined,
      mail: app.mail.enabled,
      replyTo: parent ? { id: parent.id, authorName: parent.authorName } : null,
      pending: query.moderation === 'pending',
    })
  })

  // The list of comments is the costliest part of a post page to render, and the same for every reader: its
  // HTML is kept with the comments it shows (the post page's data is shared by every request of a freshness
  // generation: src/reader/pages.routes.ts), per language and the two fields of the post it reads. The partial
  // gets ONLY these, so that nothing else a page holds can change it behind the key's back.
  const commentLists = keptWith<readonly CommentView[], string>()
  app.pageDataHooks.push((_request, data) => {
    if (data.commentListHtml !== undefined || !data.post || !Array.isArray(data.comments) || !data.comments.length) return
    const comments = data.comments
    const { commentsOpen, url } = data.post
    data.commentListHtml = commentLists(comments, [data.lang, commentsOpen, url], () =>
      app.renderFragment('/comments/list', { t: messages(data.lang), post: { commentsOpen, url }, comments }),
    )
  })

  /** The post page again, with the form as the commenter typed it and what is wrong with it. */
  async function formAgain(
    reply: FastifyReply,
    status: number,
    row: PostRow,
    settings: Readonly<Settings>,
    form: { values: FormValues; errors?: FieldErrors; formError?: string | null; parent: number | null },
  ) {
    const t = messages(settings.language)
    // The page of the comments that holds the comment being answered (the first page when it is gone).
    const around = form.parent === null ? undefined : form.parent
    const data = (await postPageData(app, row, viewContext(settings), { around }))!
    const parent = form.parent === null ? undefined : findComment(data.comments, form.parent)
    const formError = form.formError ?? (form.parent !== null && !parent ? t.errParentGone : null)
    reply.code(status)
    return reply.page('posts/show', {
      ...data,
      title: t.errorDocumentTitle(data.title),
      commentForm: commentFormView({
        t,
        postUrl: data.post.url,
        values: form.values,
        errors: form.errors,
        formError,
        mail: app.mail.enabled,
        replyTo: parent ? { id: parent.id, authorName: parent.authorName } : null,
      }),
    })
  }

  /** The permanent link of a comment: its post's page of comments that holds it, at its anchor. */
  async function commentUrl(postUrl: string, id: number): Promise<string> {
    const at = await commentPosition(app.db, id)
    const page = at ? Math.floor(at.position / COMMENTS_PER_PAGE) + 1 : 1
    return `${withCommentPage(postUrl, page)}#${commentAnchor(id)}`
  }

  /**
   * Where a stored comment's author is sent: its permanent link, or the post's address at the comment's anchor
   * when the database fails now, after the commit. Never an error page: "try again" for a comment already kept
   * would have it sent twice.
   */
  async function storedCommentUrl(request: FastifyRequest, postUrl: string, id: number): Promise<string> {
    try {
      return await commentUrl(postUrl, id)
    } catch (err) {
      if (isDatabaseUnavailable(err)) app.databaseOutage.failed(request, err)
      else request.log.error({ err, comment: id }, 'comment stored, but its page could not be read')
      return `${postUrl}#${commentAnchor(id)}`
    }
  }

  // A stable address for every comment, whatever page of a long thread it ends up on.
  app.get('/comment/:id', async (request, reply) => {
    const params = commentParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const at = await commentPosition(app.db, params.data.id)
    const post = at ? await findPostById(app.db, at.postId) : undefined
    if (!at || !post || !isVisibleToReaders(post, nowIso())) {
      return reply.callNotFound()
    }
    const page = Math.floor(at.position / COMMENTS_PER_PAGE) + 1
    // 302: the page a comment is on changes when earlier ones are removed.
    return reply.redirect(`${withCommentPage(postPath(post, app.settings.get().timezone), page)}#${commentAnchor(params.data.id)}`, 302)
  })

  /** The published post a comment is sent to, if any. */
  async function postOf(request: FastifyRequest): Promise<PostRow | undefined> {
    // A static page's address, /<slug>.html (src/pages/), or a post's.
    const page = pageSlugParams.safeParse(request.params)
    const params = postParams.safeParse(request.params)
    if (!page.success && !params.success) return undefined
    const slug = page.success ? page.data.slug : params.data!.file.slice(0, -'.html'.length)
    const row = await findPostBySlug.first(app.db, { slug })
    if (!row || !isVisibleToReaders(row, nowIso()) || (row.kind === 'page') !== page.success) return undefined
    return row
  }

  /** The form again, as typed, with a message about the whole form: a refusal never loses the text. */
  async function refused(request: FastifyRequest, reply: FastifyReply, status: number, row: PostRow, formError: string) {
    const values = typedValues(request.body)
    const parent = commentForm.shape.parent.safeParse(values.parent)
    return formAgain(reply, status, row, app.settings.get(), {
      values: values.form,
      formError,
      parent: parent.success ? parent.data : null,
    })
  }

  /** The comment as typed, in a page of its own with the message: for when the post page cannot be read. */
  async function unsent(request: FastifyRequest, reply: FastifyReply, error: unknown) {
    app.databaseOutage.failed(request.log, error)
    const t = messages(app.settings.get().language)
    const values = typedValues(request.body)
    const parent = commentForm.shape.parent.safeParse(values.parent)
    const path = request.url.split('?')[0]!
    const html = await app.renderPage(request, 'errors/comment-unsent', {
      title: t.unavailableTitle,
      message: t.unavailableText,
      sidebar: null,
      noindex: true,
      commentForm: commentFormView({
        t,
        postUrl: path,
        values: values.form,
        formError: t.errSaveFailed,
        replyTo: parent.success && parent.data !== null ? { id: parent.data, authorName: '' } : null,
      }),
    })
    return reply.code(503).header('retry-after', String(RETRY_AFTER_UNAVAILABLE)).type('text/html; charset=utf-8').send(html)
  }

  const limit = app.config.commentRateLimit
  /** The same route for a post's comments and a static page's (/<slug>.html, src/pages/), when its comments are on. */
  const commentRoutes = (options: RouteShorthandOptions, handler: RouteHandlerMethod) => {
    app.post('/archive/:year/:month/:day/:file', options, handler)
    app.post('/:slug.html', options, handler)
  }
  commentRoutes(
    {
      // Before the body is read: a refused post costs nothing.
      onRequest: async (request) => {
        if (isCrossSite(request, siteOrigin)) {
          const t = messages(app.settings.get().language)
          throw new PublicError(403, t.crossSiteTitle, t.crossSiteText)
        }
      },
      // Counted once the body is read, so that a comment over the limit can be given back (below).
      config: limit > 0 ? { rateLimit: { max: limit, timeWindow: 60_000, hook: 'preHandler' } } : {},
      bodyLimit: COMMENT_BODY_LIMIT,
      // The rate limit's refusal (429, Retry-After already set by the plugin) is the post page with the comment
      // in the form; everything else goes to the one error handler.
      errorHandler: async (error, request, reply) => {
        const row = error.statusCode === 429 && !reply.sent ? await postOf(request).catch(() => undefined) : undefined
        if (row) return refused(request, reply, 429, row, messages(app.settings.get().language).errTooManyComments)
        // The database could not even be read (PostgreSQL down, the rate limit's counter unreachable): the post
        // page cannot be built, but the comment comes back in a form of its own, as typed.
        if (isDatabaseUnavailable(error) && !reply.sent) return unsent(request, reply, error)
        return renderError(app, error, request, reply)
      },
    },
    async (request, reply) => {
      const row = await postOf(request)
      if (!row) return reply.callNotFound()
      const settings = app.settings.get()
      const t = messages(settings.language)
      const values = typedValues(request.body)
      if (!threadIsOpen(row, settings)) {
        // Closed while the comment was being written: the post page says so, and gives the text back to keep.
        const data = (await postPageData(app, row, viewContext(settings)))!
        reply.code(403)
        return reply.page('posts/show', {
          ...data,
          title: t.errorDocumentTitle(data.title),
          unsentComment: values.form.body.trim() || null,
        })
      }
      const postUrl = postPath(row, settings.timezone)

      // A robot filled the trap: it gets what a person gets, and nothing is kept.
      if (values.honeypot) {
        request.log.info({ post: row.id }, 'comment dropped: honeypot filled')
        return reply.redirect(`${postUrl}#comments`, 303)
      }
      const parsed = commentForm.safeParse(request.body ?? {})
      // Notifications need an address to go to: said beside the e-mail field, with the rest of the form.
      const wantsMail = app.mail.enabled && (values.form.notify || values.form.notifyAll)
      const notifyWithoutEmail = wantsMail && parsed.success && parsed.data.email === null
      if (!parsed.success || notifyWithoutEmail) {
        const parent = commentForm.shape.parent.safeParse(values.parent)
        const errors = parsed.success ? {} : fieldErrors(parsed.error, t, values.form)
        if (wantsMail && !errors.email && !values.form.email.trim()) errors.email = t.mail.errNotifyNeedsEmail
        return formAgain(reply, 400, row, settings, {
          values: values.form,
          errors,
          parent: parent.success ? parent.data : null,
        })
      }

      const comment = parsed.data
      const choice = { replies: comment.notify || comment.notify_all, all: comment.notify_all }
      let result: Awaited<ReturnType<typeof submitComment>>
      try {
        // Written by an admin signed in (the session cookie is only read, never set, here): the "author" mark.
        const userId = (await app.signedInAdmin(request))?.id ?? null
        result = await submitComment(app.db, {
          postId: row.id,
          comment,
          ip: request.ip,
          settings,
          userId,
          afterStore: async (trx, stored) => {
            await app.mail.commentStored(trx, stored, { id: row.id, title: row.title }, choice)
            // An admin's answer to a comment from the fediverse goes back there (src/fediverse/); nobody else's.
            await app.fediverseAnswer(trx, { id: stored.id, parent_id: stored.parent_id, user_id: userId })
          },
        })
      } catch (err) {
        // Nothing was stored (the transaction rolled back). The log gets the real cause; the commenter gets the
        // text back, with "try again later" when the failure is SQLite's "not now" (a full disk above all).
        const transient = isDatabaseUnavailable(err)
        if (transient) app.databaseOutage.failed(request.log, err)
        else request.log.error({ err, post: row.id }, 'comment not saved: the database failed')
        if (transient) reply.header('retry-after', String(RETRY_AFTER_UNAVAILABLE))
        try {
          return await refused(request, reply, transient ? 503 : 500, row, t.errSaveFailed)
        } catch (pageError) {
          // Writes and then reads failed (the database went away meanwhile): the form alone.
          if (isDatabaseUnavailable(pageError)) return unsent(request, reply, pageError)
          throw pageError
        }
      }
      if (result.kind === 'duplicate' && result.resent) {
        // The second request of a double click (or the same person sending again within the window): the answer
        // the first got, so the browser, which follows the last answer, lands on the comment rather than on a
        // page that reads as a failure. The right to edit it stays with the first answer (src/own-comments).
        const { id, status } = result.resent
        request.log.info({ post: row.id, comment: id }, 'comment sent again: answered as the first')
        if (comment.remember) remember(reply, app.config.siteUrl, comment)
        return reply.redirect(status === 'approved' ? await storedCommentUrl(request, postUrl, id) : pendingUrl(postUrl), 303)
      }
      if (result.kind === 'duplicate') {
        return formAgain(reply, 409, row, settings, { values: values.form, formError: t.errDuplicate, parent: comment.parent })
      }
      if (result.kind === 'refused') {
        // A word of the refuse list: the commenter is told no more than that the blog will not publish it.
        request.log.info({ post: row.id, ban: result.ban }, result.ban ? 'comment refused: banned' : 'comment refused: refuse word list')
        return formAgain(reply, 400, row, settings, { values: values.form, formError: t.errCommentRefused, parent: comment.parent })
      }
      if (result.kind === 'parent-gone') {
        return formAgain(reply, 400, row, settings, { values: values.form, parent: comment.parent })
      }
      // Only a comment from elsewhere (src/comments/remote.ts) is ever an update.
      if (result.kind !== 'stored') throw new Error(`a form comment cannot be ${result.kind}`)

      for (const hook of app.commentStoredHooks) hook(request, reply, { id: result.id, createdAt: result.createdAt })
      app.mail.wake()
      if (comment.remember) remember(reply, app.config.siteUrl, comment)
      else if (request.cookies[COMMENTER_COOKIE] !== undefined) forget(reply, app.config.siteUrl)
      request.log.info({ post: row.id, comment: result.id, status: result.status, held: result.held }, 'comment posted')
      return reply.redirect(result.status === 'approved' ? await storedCommentUrl(request, postUrl, result.id) : pendingUrl(postUrl), 303)
    },
  )
}

// Not encapsulated, so that other features see `commentStoredHooks`.
export default fp(commentsRoutes, { name: 'comments', dependencies: ['render', 'request-privacy'] })
