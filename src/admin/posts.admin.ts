// Writing posts: the list (drafts, published, scheduled), the editor with a server-rendered preview, saving as
// draft / publishing / scheduling, closing a thread in one click, and deleting with a confirmation page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { renderBody } from '../content/markdown.ts'
import { applyNewsletterChoice, newsletterBox } from '../newsletter/editor.ts'
import { deletePost, insertPost, setCommentsOpen, slugTaken, uniqueSlug, updatePost } from '../content/posts.write.ts'
import type { PostKind } from '../db/schema.ts'
import { messages } from '../i18n/index.ts'
import { pageSlugProblem } from '../pages/pages.repository.ts'
import { postPath } from '../lib/urls.ts'
import { markdownOf } from '../media/store.ts'
import {
  categoryIdsOfPost,
  countComments,
  findPostById,
  lastSignature,
  listCategories,
  listPosts,
  type AdminPost,
} from './admin.repository.ts'
import {
  idParams,
  parsePostForm,
  postListQuery,
  threadForm,
  type FieldErrors,
  type ParsedPostForm,
  type PostFormValues,
} from './admin.schemas.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'
import { autosaveForm, autosaveOffer, conflictView, doneNotices, previewLinks, revisionCount } from './drafts.view.ts'
import { deleteAutosave, findAutosave, postKey } from './drafts.repository.ts'
import { refusal, safeNext } from './http.ts'
import { pageOf, parsePosition } from './keyset.ts'
import { readCsrfField, readUpload, uploadMessage, uploadStatus } from './uploads.ts'
import { can, editsEveryPost, mayEditPost, publishes } from './permissions.ts'
import { authorChoices, chosenAuthor } from './post-author.ts'
import { postState, stateLabel, threadLabel, threadState, toAdminPostItem, toLocalInput } from './view-models.ts'

const PAGE_SIZE = 50
/** Posts may be long; the app's 64 KB limit is for readers' comment forms. */
const POST_BODY_LIMIT = 2 * 1024 * 1024

/** The editor page, for a new post (`post` undefined) or an existing one. */
export interface EditorExtra {
  errors?: FieldErrors
  previewHtml?: string | null
  notice?: string | null
  upload?: { error: string | null; alt: string; decorative: boolean }
  /** The version the form says it is based on (default: the post's own). */
  version?: number
  /** Someone saved meanwhile: their version, shown beside the writer's (409). */
  conflict?: Record<string, unknown>
  /** Whether to look for an autosave to offer (an editor opened, not one sent back with errors). */
  offerAutosave?: boolean
  /** The author chosen in the form (editors), kept as typed. */
  authorId?: number | null
  /** A new page's editor (an existing row says what it is). */
  kind?: PostKind
  /** A page's "comments open" box as sent (default: as stored, or closed for a new page). */
  commentsOpen?: boolean
}

/** The post, if this writer may open it (their own, or anyone's for an editor; pages: editors); else a 403 page. */
export function editable(request: FastifyRequest, post: AdminPost): AdminPost {
  if (!mayEditPost(request.admin!, post)) throw refusal(403, 'not this writer’s post')
  if (post.kind === 'page' && !can(request.admin!.role, 'pages')) throw refusal(403, 'pages are for editors and above')
  return post
}

/** The editor and the save, shared by the routes below and by a save resumed after signing in again. */
export function postEditing(app: FastifyInstance) {
  async function editor(reply: FastifyReply, post: AdminPost | undefined, values: PostFormValues, extra: EditorExtra = {}) {
    const context = adminContext(app)
    const user = reply.request.admin!
    const categories = await listCategories(app.db)
    const state = post ? postState(post, context.now) : null
    const thread = post ? threadState(post, context.settings) : null
    // A static page (src/pages/): the same editor, without categories and labels, with its comments box.
    // A new one is a page when the admin asked for one (/admin/posts/new?kind=page, linked from Pages).
    const asked = (reply.request.query as Record<string, unknown> | undefined)?.kind === 'page' ? 'page' : 'post'
    const kind = post?.kind ?? extra.kind ?? asked
    const pages = messages(context.settings.language).pages
    return reply.adminPage('admin/post-edit', {
      kind,
      pageCommentsOpen: extra.commentsOpen ?? post?.comments_open === 1,
      siteUrl: app.config.siteUrl,
      heading: kind === 'page' ? (post ? pages.editPage : pages.newPage) : post ? context.t.editPost : context.t.newPost,
      action: post ? `/admin/posts/${post.id}` : '/admin/posts',
      post: post
        ? {
            id: post.id,
            state,
            stateLabel: stateLabel(state!, context.t),
            publicUrl: state === 'published' ? postPath(post, context.settings.timezone) : null,
            thread,
            threadLabel: threadLabel(thread!, context.t),
            commentsOpen: post.comments_open === 1,
            commentsUrl: `/admin/comments?status=${Number(post.pending_count) > 0 ? 'pending' : 'approved'}&post=${post.id}`,
            comments: context.t.approvedPending(Number(post.approved_count), Number(post.pending_count)),
          }
        : null,
      values,
      categories: categories.map((c) => ({ id: c.id, name: c.name, checked: values.categoryIds.includes(c.id) })),
      errors: extra.errors ?? {},
      hasErrors: Object.keys(extra.errors ?? {}).length > 0,
      previewHtml: extra.previewHtml ?? null,
      notice: extra.notice ?? null,
      timezone: context.settings.timezone,
      uploadAction: post ? `/admin/posts/${post.id}/upload` : '/admin/posts/upload',
      upload: extra.upload ?? { error: null, alt: '', decorative: false },
      maxImageMb: Math.round((app.config.mediaMaxBytes / (1024 * 1024)) * 10) / 10,
      missingAlt: await imagesWithoutAlt(values.body),
      version: extra.version ?? post?.version ?? 0,
      conflict: extra.conflict ?? null,
      autosave: extra.offerAutosave ? await autosaveOffer(app, context, user, post, values) : null,
      // Opened afresh (not sent back with what was posted): the browser's copy may be offered.
      fresh: extra.offerAutosave === true,
      autosaveUrl: post ? `/admin/posts/${post.id}/autosave` : '/admin/posts/autosave',
      draftKey: `${user.id}:${postKey(post?.id)}`,
      revisions: post ? { count: await revisionCount(app.db, post.id), url: `/admin/posts/${post.id}/revisions` } : null,
      previewLinks: post ? await previewLinks(app, post.id) : null,
      // Writers (src/admin/permissions.ts): who may choose the author, upload, publish.
      authors: editsEveryPost(user.role) ? await authorChoices(app.db, extra.authorId ?? post?.author_id ?? user.id) : null,
      mayUpload: can(user.role, 'media'),
      publishes: publishes(user.role),
      newsletterBox: await newsletterBox(
        app,
        post,
        kind,
        extra.errors || extra.previewHtml ? (reply.request.body as Record<string, unknown>) : undefined,
      ),
    })
  }

  /** Images of a body with an empty alt text that are not marked decorative in the library: the editor flags them. */
  async function imagesWithoutAlt(body: string): Promise<string[]> {
    const empty = [...body.matchAll(/!\[\s*\]\(\s*<?([^\s)>]+)>?[^)]*\)/g)].map((m) => m[1]!)
    if (empty.length === 0) return []
    const names = empty.map((url) => /^\/media\/([^/?#]+)$/.exec(url)?.[1] ?? '')
    const rows = await app.media.byNames(names.filter(Boolean))
    return [...new Set(empty.filter((url, i) => rows.get(names[i]!)?.decorative !== 1))]
  }

  /**
   * Works out status and publication time from the button pressed, or adds an error.
   * - draft: unpublished, keeps the date typed (if any);
   * - publish: visible now, or at the typed date when that is in the past (back-dating, or keeping a published
   *   post's date when it is edited);
   * - schedule: visible at the typed date, which must be in the future.
   */
  function publication(form: ParsedPostForm, post: AdminPost | undefined, now: Date) {
    const context = adminContext(app)
    const typed = form.clean.publishedAt
    // datetime-local has minute precision: an unchanged field keeps the stored instant exactly.
    const unchanged = post?.published_at && form.values.publishedAt === toLocalInput(post.published_at, context.settings.timezone)
    const typedIso = typed ? (unchanged ? post!.published_at! : typed.toISOString()) : null
    if (form.action === 'schedule') {
      if (!typed) return { error: form.errors.publishedAt ?? context.t.dateNotFuture }
      if (typed.getTime() <= now.getTime()) return { error: context.t.dateNotFuture }
      return { status: 'published' as const, publishedAt: typedIso }
    }
    if (form.action === 'publish') {
      const past = typed && typed.getTime() <= now.getTime()
      return { status: 'published' as const, publishedAt: past ? typedIso : now.toISOString() }
    }
    return { status: 'draft' as const, publishedAt: typedIso }
  }

  /** Create (post undefined) or update from the submitted form; preview and errors re-render the editor. */
  /**
   * Someone saved the post since the writer's form was opened: nothing is written, and the writer sees the saved
   * version beside their own, still editable (its version now the current one: saving again is deliberate).
   */
  async function conflict(reply: FastifyReply, postId: number, form: ParsedPostForm) {
    const current = await findPostById(app.db, postId)
    if (!current) return reply.callNotFound()
    const context = adminContext(app)
    const theirs = await conflictView(app, context, current, form.values.body)
    return editor(reply.code(409), current, form.values, { version: current.version, conflict: theirs })
  }

  /**
   * Create (post undefined) or update from the submitted form (`body`: the request's, or a save held while its
   * writer signed in again); preview and errors re-render the editor, keeping the version the form was based on.
   */
  async function save(request: FastifyRequest, reply: FastifyReply, post: AdminPost | undefined, body: unknown = request.body) {
    const context = adminContext(app)
    const actor = request.admin!
    // Checked here too: a save held while its writer signed in again comes back without its route.
    if (post) editable(request, post)
    const form = parsePostForm(body, context.t, context.settings.timezone)
    const version = form.baseVersion
    const fieldsSent = (body ?? {}) as Record<string, unknown>
    const kind: PostKind = post?.kind ?? (fieldsSent.kind === 'page' ? 'page' : 'post')
    // Pages are the blog's own (about, legal notice): editors and above.
    if (kind === 'page' && !can(actor.role, 'pages')) throw refusal(403, 'pages are for editors and above')
    const page: { kind?: PostKind; commentsOpen?: boolean } = kind === 'page' ? { kind, commentsOpen: fieldsSent.commentsOpen === '1' } : {}
    // Editors and above choose the author; a new post is otherwise its writer's own.
    const authorId = editsEveryPost(actor.role) ? await chosenAuthor(app.db, body) : undefined
    // A contributor's draft goes to an editor: what would publish it submits it for review instead (nothing lost).
    if (!publishes(actor.role) && (form.action === 'publish' || form.action === 'schedule')) form.action = 'review'
    if (form.action === 'preview') {
      return editor(reply, post, form.values, {
        ...page,
        errors: form.errors,
        previewHtml: renderBody(form.values.format, form.values.body),
        version,
        authorId,
      })
    }
    if (post && version !== undefined && version !== post.version) return conflict(reply, post.id, form)
    const errors: FieldErrors = { ...form.errors }
    if (kind === 'page' && !errors.slug) {
      // A page's address is /<slug>.html: neither another row's nor one of the blog's own (/feed.rss, /admin…).
      const slug = form.clean.slug || (await uniqueSlug(app.db, form.clean.title, post?.id))
      const problem = await pageSlugProblem(app.db, app.routeNames, slug, post?.id)
      // A page that has it already (imported, or older than a route) keeps its address until the admin changes it.
      if (problem && !(problem === 'reserved' && slug === post?.slug))
        errors.slug =
          problem === 'reserved'
            ? messages(context.settings.language).pages.slugReserved(slug)
            : messages(context.settings.language).pages.slugTaken
    } else if (form.clean.slug && !errors.slug && (await slugTaken(app.db, form.clean.slug, post?.id))) errors.slug = context.t.slugTaken
    const when = publication(form, post, new Date())
    if ('error' in when) errors.publishedAt = when.error
    if (Object.keys(errors).length > 0 || 'error' in when)
      return editor(reply.code(400), post, form.values, { ...page, errors, version, authorId })

    // Only categories that exist (a stale form may name a deleted one).
    const known = new Set((await listCategories(app.db)).map((c) => c.id))
    const categoryIds = form.values.categoryIds.filter((id) => known.has(id))
    const state = postState({ status: when.status, published_at: when.publishedAt }, new Date().toISOString())
    const by = request.admin!
    // What the form sets on a new post and an edited one alike.
    const fields = {
      title: form.clean.title,
      body: form.clean.body,
      format: form.clean.format,
      signature: form.clean.signature,
      status: when.status,
      publishedAt: when.publishedAt,
      categoryIds: kind === 'page' ? [] : categoryIds,
      tags: kind === 'page' ? [] : form.clean.tags,
      // Submitted for review: kept until an editor publishes it (or it is submitted again).
      submittedAt: form.action === 'review' ? new Date().toISOString() : when.status === 'published' ? null : undefined,
      by,
    }
    let id: number
    if (post) {
      const slug = form.clean.slug || (await uniqueSlug(app.db, form.clean.title, post.id))
      // "Send to subscribers" unticked: said before the write that may make the post public.
      await applyNewsletterChoice(app, post.id, body)
      // Checked again by the write itself: a save that came in meanwhile wins, this one gets the conflict page.
      if (!(await updatePost(app.db, post.id, { ...fields, slug, authorId, expectedVersion: version })))
        return conflict(reply, post.id, form)
      if (page.commentsOpen !== undefined && page.commentsOpen !== (post.comments_open === 1)) {
        await setCommentsOpen(app.db, post.id, page.commentsOpen)
      }
      id = post.id
      const details: Record<string, unknown> = { title: form.clean.title, state }
      if (slug !== post.slug) details.slug = `${post.slug} → ${slug}`
      await audit(app.db, by, 'post.update', `post ${id}`, details)
    } else {
      // The post and its newsletter choice in one transaction: a post published at once is never seen without it.
      const created = await app.db.transaction().execute(async (trx) => {
        const row = await insertPost(trx, { ...fields, ...page, slug: form.clean.slug || undefined, authorId: authorId ?? actor.id })
        await applyNewsletterChoice(app, row.id, body, trx)
        return row
      })
      id = created.id
      await audit(app.db, by, 'post.create', `post ${id}`, { title: form.clean.title, state, slug: created.slug })
    }
    // Saved: the copy kept while typing has served.
    await deleteAutosave(app.db, by.id!, postKey(post?.id))
    return reply.redirect(`/admin/posts/${id}?done=saved`, 303)
  }

  return { editor, save }
}

export default async function postsRoutes(app: FastifyInstance) {
  const { editor, save } = postEditing(app)

  app.get('/posts', { config: { permission: 'posts.write' } }, async (request, reply) => {
    const context = adminContext(app)
    const query = postListQuery.parse(request.query ?? {})
    const actor = request.admin!
    const own = editsEveryPost(actor.role) ? null : actor.id
    const review = messages(context.settings.language).writers.awaitingReview
    const at = parsePosition(query.page)
    const page = pageOf(
      await listPosts(app.db, context.now, query.state ?? null, PAGE_SIZE + 1, at, own),
      PAGE_SIZE,
      at,
      (r) => ({ key: r.order_key, id: r.id }),
      (position) => {
        const params = new URLSearchParams({ ...(query.state ? { state: query.state } : {}), ...(position ? { page: position } : {}) })
        return params.size ? `/admin/posts?${params.toString()}` : '/admin/posts'
      },
    )
    return reply.adminPage('admin/posts', {
      heading: context.t.posts,
      state: query.state ?? null,
      tabs: [
        { label: context.t.allPosts, url: '/admin/posts', current: !query.state },
        { label: context.t.drafts, url: '/admin/posts?state=draft', current: query.state === 'draft' },
        { label: context.t.scheduled, url: '/admin/posts?state=scheduled', current: query.state === 'scheduled' },
        { label: context.t.published, url: '/admin/posts?state=published', current: query.state === 'published' },
      ],
      posts: page.rows.map((r) => {
        const item = toAdminPostItem(r, context)
        return r.submitted_at && r.status === 'draft' ? { ...item, stateLabel: `${item.stateLabel} (${review})` } : item
      }),
      pager: page.pager,
      back: request.url,
      notice: query.done === 'deleted' ? context.t.deleted : null,
    })
  })

  /**
   * "Add the image" in the editor without JavaScript: the whole form comes in as multipart; the editor comes back
   * with the images' Markdown at the end of the text and everything else as typed (nothing is saved yet).
   */
  async function upload(request: FastifyRequest, reply: FastifyReply, post: AdminPost | undefined) {
    const context = adminContext(app)
    const result = await readUpload(app, request)
    const form = parsePostForm(result.fields, context.t, context.settings.timezone)
    const values = form.values
    // A new page's upload keeps it a page, with its comments box as ticked.
    const page =
      (post?.kind ?? result.fields.kind) === 'page' ? { kind: 'page' as const, commentsOpen: result.fields.commentsOpen === '1' } : {}
    for (const row of result.added) {
      await audit(app.db, request.admin!, 'media.upload', `media ${row.id}`, { name: row.name, post: post?.id ?? null })
    }
    if (result.added.length > 0)
      values.body = `${values.body.trimEnd()}${values.body.trim() ? '\n\n' : ''}${result.added.map(markdownOf).join('\n\n')}\n`
    if (result.error) {
      const typed = typeof result.fields.imageAlt === 'string' ? result.fields.imageAlt : ''
      return editor(reply.code(uploadStatus(result.error)), post, values, {
        upload: {
          error: uploadMessage(context.t, result.error, app.config.mediaMaxBytes),
          alt: typed,
          decorative: 'imageDecorative' in result.fields,
        },
        notice: result.added.length > 0 ? context.t.imageInserted(result.added.length) : null,
        ...page,
      })
    }
    return editor(reply, post, values, { notice: context.t.imageInserted(result.added.length), ...page })
  }

  app.post(
    '/posts/upload',
    { config: { permission: 'media', keepsText: true }, preHandler: [readCsrfField, app.csrfProtection] },
    async (request, reply) => upload(request, reply, undefined),
  )

  app.post(
    '/posts/:id/upload',
    { config: { permission: 'media', keepsText: true }, preHandler: [readCsrfField, app.csrfProtection] },
    async (request, reply) => {
      const params = idParams.safeParse(request.params)
      const found = params.success ? await findPostById(app.db, params.data.id) : undefined
      if (!found) return reply.callNotFound()
      const post = editable(request, found)
      return upload(request, reply, post)
    },
  )

  /** `?restore=autosave`: the editor filled with the copy kept while typing (not saved until the writer saves). */
  async function restoredAutosave(request: FastifyRequest, reply: FastifyReply, post: AdminPost | undefined) {
    if ((request.query as Record<string, unknown>).restore !== 'autosave') return undefined
    const context = adminContext(app)
    const row = await findAutosave(app.db, request.admin!.id!, postKey(post?.id))
    if (!row) return undefined
    const form = parsePostForm(autosaveForm(row), context.t, context.settings.timezone)
    return editor(reply, post, form.values, { version: row.base_version, notice: context.t.autosaveRestored })
  }

  app.get('/posts/new', { config: { permission: 'posts.write' } }, async (request, reply) => {
    const actor = request.admin!
    if ((request.query as Record<string, unknown>)?.kind === 'page' && !can(actor.role, 'pages'))
      throw refusal(403, 'pages are for editors and above')
    const restored = await restoredAutosave(request, reply, undefined)
    if (restored) return restored
    // With several writers, a new post is signed as the writer signed their last one, else with their name.
    const signature = (await lastSignature(app.db, actor.id)) ?? actor.displayName
    return editor(
      reply,
      undefined,
      {
        title: '',
        slug: '',
        body: '',
        format: 'markdown',
        tags: '',
        signature,
        publishedAt: '',
        categoryIds: [],
      },
      { offerAutosave: true },
    )
  })

  app.get('/posts/:id', { config: { permission: 'posts.write' } }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const found = params.success ? await findPostById(app.db, params.data.id) : undefined
    if (!found) return reply.callNotFound()
    const post = editable(request, found)
    const restored = await restoredAutosave(request, reply, post)
    if (restored) return restored
    const context = adminContext(app)
    const [categoryIds, tags] = await Promise.all([
      categoryIdsOfPost(app.db, post.id),
      app.db.selectFrom('post_tags').select('name').where('post_id', '=', post.id).orderBy('position').execute(),
    ])
    const done = (request.query as Record<string, unknown>).done
    return editor(
      reply,
      post,
      {
        title: post.title,
        slug: post.slug,
        body: post.body_source,
        format: post.format,
        tags: tags.map((r) => r.name).join(', '),
        signature: post.signature,
        publishedAt: toLocalInput(post.published_at, context.settings.timezone),
        categoryIds,
      },
      { notice: typeof done === 'string' ? (doneNotices(context.t)[done] ?? null) : null, offerAutosave: true },
    )
  })

  app.post(
    '/posts',
    { bodyLimit: POST_BODY_LIMIT, config: { permission: 'posts.write', keepsText: true }, preHandler: app.csrfProtection },
    async (request, reply) => save(request, reply, undefined),
  )

  app.post(
    '/posts/:id',
    { bodyLimit: POST_BODY_LIMIT, config: { permission: 'posts.write', keepsText: true }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const params = idParams.safeParse(request.params)
      const found = params.success ? await findPostById(app.db, params.data.id) : undefined
      if (!found) return reply.callNotFound()
      const post = editable(request, found)
      return save(request, reply, post)
    },
  )

  // One click, from the list or the editor: `open=1` reopens, `open=0` closes; then back where it came from.
  app.post('/posts/:id/thread', { config: { permission: 'posts.write' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const found = params.success ? await findPostById(app.db, params.data.id) : undefined
    if (!found) return reply.callNotFound()
    const post = editable(request, found)
    const form = threadForm.parse(request.body ?? {})
    const open = form.open === '1'
    await setCommentsOpen(app.db, post.id, open)
    await audit(app.db, request.admin!, open ? 'thread.reopen' : 'thread.close', `post ${post.id}`, { title: post.title })
    const back = safeNext(form.back)
    return reply.redirect(back.startsWith('/admin') ? back : `/admin/posts/${post.id}`, 303)
  })

  app.get('/posts/:id/delete', { config: { permission: 'posts.write' } }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const found = params.success ? await findPostById(app.db, params.data.id) : undefined
    if (!found) return reply.callNotFound()
    const post = editable(request, found)
    const context = adminContext(app)
    return reply.adminPage('admin/post-delete', {
      heading: context.t.deleteTitle(post.title),
      title: `${context.t.deletePost} – ${context.t.title}`,
      post: { id: post.id, title: post.title },
      warning: context.t.deleteWarning(await countComments(app.db, post.id)),
    })
  })

  app.post('/posts/:id/delete', { config: { permission: 'posts.write' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const found = params.success ? await findPostById(app.db, params.data.id) : undefined
    if (!found) return reply.callNotFound()
    const post = editable(request, found)
    await deletePost(app.db, post.id)
    await audit(app.db, request.admin!, 'post.delete', `post ${post.id}`, { title: post.title, slug: post.slug })
    return reply.redirect(post.kind === 'page' ? '/admin/pages?done=deleted' : '/admin/posts?done=deleted', 303)
  })
}
