// Writing posts: the list (drafts, published, scheduled), the editor with a server-rendered preview, saving as
// draft / publishing / scheduling, closing a thread in one click, and deleting with a confirmation page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { renderBody } from '../content/markdown.ts'
import { createPost, deletePost, setCommentsOpen, slugTaken, uniqueSlug, updatePost } from '../content/posts.write.ts'
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
import { pageOf, parsePosition } from './keyset.ts'
import { safeNext } from './http.ts'
import { readCsrfField, readUpload, uploadMessage, uploadStatus } from './uploads.ts'
import { postState, stateLabel, threadLabel, threadState, toAdminPostItem, toLocalInput } from './view-models.ts'

const PAGE_SIZE = 50
/** Posts may be long; the app's 64 KB limit is for readers' comment forms. */
const POST_BODY_LIMIT = 2 * 1024 * 1024

export default async function postsRoutes(app: FastifyInstance) {
  app.get('/posts', async (request, reply) => {
    const context = adminContext(app)
    const query = postListQuery.parse(request.query ?? {})
    const at = parsePosition(query.page)
    const page = pageOf(
      await listPosts(app.db, context.now, query.state ?? null, PAGE_SIZE + 1, at),
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
      posts: page.rows.map((r) => toAdminPostItem(r, context)),
      pager: page.pager,
      back: request.url,
      notice: query.done === 'deleted' ? context.t.deleted : null,
    })
  })

  /** The editor page, for a new post (`post` undefined) or an existing one. */
  async function editor(
    reply: FastifyReply,
    post: AdminPost | undefined,
    values: PostFormValues,
    extra: {
      errors?: FieldErrors
      previewHtml?: string | null
      notice?: string | null
      upload?: { error: string | null; alt: string; decorative: boolean }
    } = {},
  ) {
    const context = adminContext(app)
    const categories = await listCategories(app.db)
    const state = post ? postState(post, context.now) : null
    const thread = post ? threadState(post, context.settings) : null
    return reply.adminPage('admin/post-edit', {
      heading: post ? context.t.editPost : context.t.newPost,
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
   * "Add the image" in the editor without JavaScript: the whole form comes in as multipart; the editor comes back
   * with the images' Markdown at the end of the text and everything else as typed (nothing is saved yet).
   */
  async function upload(request: FastifyRequest, reply: FastifyReply, post: AdminPost | undefined) {
    const context = adminContext(app)
    const result = await readUpload(app, request)
    const form = parsePostForm(result.fields, context.t, context.settings.timezone)
    const values = form.values
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
      })
    }
    return editor(reply, post, values, { notice: context.t.imageInserted(result.added.length) })
  }

  app.post('/posts/upload', { preHandler: [readCsrfField, app.csrfProtection] }, async (request, reply) =>
    upload(request, reply, undefined),
  )

  app.post('/posts/:id/upload', { preHandler: [readCsrfField, app.csrfProtection] }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const post = params.success ? await findPostById(app.db, params.data.id) : undefined
    if (!post) return reply.callNotFound()
    return upload(request, reply, post)
  })

  app.get('/posts/new', async (request, reply) => {
    const signature = (await lastSignature(app.db)) ?? request.admin!.username
    return editor(reply, undefined, {
      title: '',
      slug: '',
      body: '',
      format: 'markdown',
      tags: '',
      signature,
      publishedAt: '',
      categoryIds: [],
    })
  })

  app.get('/posts/:id', async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const post = params.success ? await findPostById(app.db, params.data.id) : undefined
    if (!post) return reply.callNotFound()
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
      { notice: done === 'saved' ? context.t.saved : null },
    )
  })

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
  async function save(request: FastifyRequest, reply: FastifyReply, post: AdminPost | undefined) {
    const context = adminContext(app)
    const form = parsePostForm(request.body, context.t, context.settings.timezone)
    if (form.action === 'preview') {
      return editor(reply, post, form.values, { errors: form.errors, previewHtml: renderBody(form.values.format, form.values.body) })
    }
    const errors: FieldErrors = { ...form.errors }
    if (form.clean.slug && !errors.slug && (await slugTaken(app.db, form.clean.slug, post?.id))) errors.slug = context.t.slugTaken
    const when = publication(form, post, new Date())
    if ('error' in when) errors.publishedAt = when.error
    if (Object.keys(errors).length > 0 || 'error' in when) return editor(reply.code(400), post, form.values, { errors })

    // Only categories that exist (a stale form may name a deleted one).
    const known = new Set((await listCategories(app.db)).map((c) => c.id))
    const categoryIds = form.values.categoryIds.filter((id) => known.has(id))
    const state = postState({ status: when.status, published_at: when.publishedAt }, new Date().toISOString())
    // What the form sets on a new post and an edited one alike.
    const fields = {
      title: form.clean.title,
      body: form.clean.body,
      format: form.clean.format,
      signature: form.clean.signature,
      status: when.status,
      publishedAt: when.publishedAt,
      categoryIds,
      tags: form.clean.tags,
    }
    let id: number
    if (post) {
      const slug = form.clean.slug || (await uniqueSlug(app.db, form.clean.title, post.id))
      await updatePost(app.db, post.id, { ...fields, slug })
      id = post.id
      const details: Record<string, unknown> = { title: form.clean.title, state }
      if (slug !== post.slug) details.slug = `${post.slug} → ${slug}`
      await audit(app.db, request.admin!, 'post.update', `post ${id}`, details)
    } else {
      const created = await createPost(app.db, { ...fields, slug: form.clean.slug || undefined })
      id = created.id
      await audit(app.db, request.admin!, 'post.create', `post ${id}`, { title: form.clean.title, state, slug: created.slug })
    }
    return reply.redirect(`/admin/posts/${id}?done=saved`, 303)
  }

  app.post('/posts', { bodyLimit: POST_BODY_LIMIT, preHandler: app.csrfProtection }, async (request, reply) =>
    save(request, reply, undefined),
  )

  app.post('/posts/:id', { bodyLimit: POST_BODY_LIMIT, preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const post = params.success ? await findPostById(app.db, params.data.id) : undefined
    if (!post) return reply.callNotFound()
    return save(request, reply, post)
  })

  // One click, from the list or the editor: `open=1` reopens, `open=0` closes; then back where it came from.
  app.post('/posts/:id/thread', { preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const post = params.success ? await findPostById(app.db, params.data.id) : undefined
    if (!post) return reply.callNotFound()
    const form = threadForm.parse(request.body ?? {})
    const open = form.open === '1'
    await setCommentsOpen(app.db, post.id, open)
    await audit(app.db, request.admin!, open ? 'thread.reopen' : 'thread.close', `post ${post.id}`, { title: post.title })
    const back = safeNext(form.back)
    return reply.redirect(back.startsWith('/admin') ? back : `/admin/posts/${post.id}`, 303)
  })

  app.get('/posts/:id/delete', async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const post = params.success ? await findPostById(app.db, params.data.id) : undefined
    if (!post) return reply.callNotFound()
    const context = adminContext(app)
    return reply.adminPage('admin/post-delete', {
      heading: context.t.deleteTitle(post.title),
      title: `${context.t.deletePost} – ${context.t.title}`,
      post: { id: post.id, title: post.title },
      warning: context.t.deleteWarning(await countComments(app.db, post.id)),
    })
  })

  app.post('/posts/:id/delete', { preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const post = params.success ? await findPostById(app.db, params.data.id) : undefined
    if (!post) return reply.callNotFound()
    await deletePost(app.db, post.id)
    await audit(app.db, request.admin!, 'post.delete', `post ${post.id}`, { title: post.title, slug: post.slug })
    return reply.redirect('/admin/posts?done=deleted', 303)
  })
}
