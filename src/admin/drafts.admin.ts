// Nothing a writer types is lost (issue 29), the admin's side: the editor's copies kept while typing (autosave),
// a post's revisions (list, compare, restore), saves held across an expired session, and preview links.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { updatePost } from '../content/posts.write.ts'
import { findRevision, KEEP_ALL, listRevisions, revisionLists } from '../content/revisions.ts'
import { findPostById, type AdminPost } from './admin.repository.ts'
import { idParams, parsePostForm } from './admin.schemas.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'
import {
  createPreviewLink,
  deleteAutosave,
  findPendingSave,
  forgetPendingSave,
  postKey,
  putAutosave,
  revokePreviewLink,
} from './drafts.repository.ts'
import { diffRows } from './drafts.view.ts'
import { editable, postEditing } from './posts.admin.ts'

/** Posts may be long (as the editor's own save). */
const POST_BODY_LIMIT = 2 * 1024 * 1024

/** A revision picked by its id (?rev= or a form's field); 0 when absent or malformed. */
const revisionPick = z.object({ rev: z.coerce.number().int().min(1).max(1e12).catch(0) })
const linkParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
  link: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
})
const compareQuery = z.object({
  from: z.coerce.number().int().min(1).max(1e12).catch(0),
  to: z.coerce.number().int().min(1).max(1e12).catch(0),
})
const resumeForm = z.object({ resume: z.string().catch('') })

/** The fields of the editor an autosave keeps (a copy of the posted form, nothing else). */
const AUTOSAVED_FIELDS = ['title', 'slug', 'body', 'format', 'tags', 'signature', 'publishedAt', 'categories[]', 'version'] as const

function keptFields(body: unknown): Record<string, unknown> {
  const source = body && typeof body === 'object' ? (body as Record<string, unknown>) : {}
  const out: Record<string, unknown> = {}
  for (const name of AUTOSAVED_FIELDS) if (name in source) out[name] = source[name]
  return out
}

/**
 * Resumes a save held across an expired session, now that its writer has signed in: the same save, same checks.
 * False when there is nothing to resume (already used, expired, or its post deleted since).
 */
export async function resumePendingSave(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, token: string) {
  const pending = await findPendingSave(app.db, token)
  if (!pending) return false
  await forgetPendingSave(app.db, token)
  const post = pending.postId === null ? undefined : await findPostById(app.db, pending.postId)
  if (pending.postId !== null && !post) return false
  await postEditing(app).save(request, reply, post, pending.form)
  return true
}

export default async function draftsRoutes(app: FastifyInstance) {
  const postOf = async (request: FastifyRequest) => {
    const params = idParams.safeParse(request.params)
    const post = params.success ? await findPostById(app.db, params.data.id) : undefined
    // Another writer's post: 403, as its editor (src/admin/permissions.ts).
    return post ? editable(request, post) : undefined
  }

  // ---- autosave: the editor's script sends the whole form every few seconds of typing; answers JSON ----

  async function autosave(request: FastifyRequest, reply: FastifyReply, postId: number | null) {
    const context = adminContext(app)
    const fields = keptFields(request.body)
    const form = parsePostForm(fields, context.t, context.settings.timezone)
    const savedAt = await putAutosave(app.db, {
      userId: request.admin!.id!,
      postKey: postKey(postId),
      baseVersion: form.baseVersion ?? 0,
      title: form.values.title,
      body: form.values.body,
      form: fields,
    })
    return reply.send({ savedAt, label: context.t.autosaved(context.fmt.time(savedAt)) })
  }

  app.post(
    '/posts/autosave',
    { config: { permission: 'posts.write' }, bodyLimit: POST_BODY_LIMIT, preHandler: app.csrfProtection },
    async (request, reply) => autosave(request, reply, null),
  )

  app.post(
    '/posts/:id/autosave',
    { config: { permission: 'posts.write' }, bodyLimit: POST_BODY_LIMIT, preHandler: app.csrfProtection },
    async (request, reply) => {
      const post = await postOf(request)
      if (!post) return reply.code(404).send({ error: 'not found' })
      return autosave(request, reply, post.id)
    },
  )

  app.post('/posts/autosave/discard', { config: { permission: 'posts.write' }, preHandler: app.csrfProtection }, async (request, reply) => {
    await deleteAutosave(app.db, request.admin!.id!, postKey(null))
    return reply.redirect('/admin/posts/new', 303)
  })

  app.post(
    '/posts/:id/autosave/discard',
    { config: { permission: 'posts.write' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const post = await postOf(request)
      if (!post) return reply.callNotFound()
      await deleteAutosave(app.db, request.admin!.id!, postKey(post.id))
      return reply.redirect(`/admin/posts/${post.id}?done=discarded`, 303)
    },
  )

  // ---- revisions ----

  /** The list of a post's revisions, to pick one to read or two to compare. */
  async function revisionsPage(reply: FastifyReply, post: AdminPost) {
    const context = adminContext(app)
    const rows = await listRevisions(app.db, post.id)
    return reply.adminPage('admin/revisions', {
      heading: context.t.revisionsOf(post.title),
      title: `${context.t.revisions} – ${context.t.title}`,
      post: { id: post.id, title: post.title, editUrl: `/admin/posts/${post.id}` },
      keepAll: KEEP_ALL,
      revisions: rows.map((r, i) => ({
        id: r.id,
        url: `/admin/posts/${post.id}/revision?rev=${r.id}`,
        when: `${context.fmt.dateHeader(r.created_at)} ${context.fmt.time(r.created_at)}`,
        iso: r.created_at,
        who: r.user_name || context.t.revisionNobody,
        title: r.title,
        current: i === 0 && r.version === post.version,
        restoredFrom: r.restored_from,
        length: Number(r.length),
        // Compare with the one before by default: the newest is "to", the next older "from".
        checkedFrom: i === 1,
        checkedTo: i === 0,
      })),
    })
  }

  app.get('/posts/:id/revisions', { config: { permission: 'posts.write' } }, async (request, reply) => {
    const post = await postOf(request)
    if (!post) return reply.callNotFound()
    return revisionsPage(reply, post)
  })

  app.get('/posts/:id/revisions/compare', { config: { permission: 'posts.write' } }, async (request, reply) => {
    const post = await postOf(request)
    if (!post) return reply.callNotFound()
    const context = adminContext(app)
    const query = compareQuery.parse(request.query ?? {})
    // Without a choice (or a wrong one): the last two.
    const latest = await listRevisions(app.db, post.id)
    const pick = async (id: number, fallback: number) =>
      (await findRevision(app.db, post.id, id)) ?? (latest[fallback] ? await findRevision(app.db, post.id, latest[fallback].id) : undefined)
    const [a, b] = [await pick(query.from, Math.min(1, latest.length - 1)), await pick(query.to, 0)]
    if (!a || !b) return revisionsPage(reply, post)
    // Older first, whichever order they were picked in.
    const [from, to] = a.id <= b.id ? [a, b] : [b, a]
    const label = (r: typeof a) =>
      `${context.fmt.dateHeader(r.created_at)} ${context.fmt.time(r.created_at)} (${r.user_name || context.t.revisionNobody})`
    return reply.adminPage('admin/revision-compare', {
      heading: context.t.compareRevisions,
      post: { id: post.id, title: post.title, editUrl: `/admin/posts/${post.id}`, revisionsUrl: `/admin/posts/${post.id}/revisions` },
      from: { label: label(from), title: from.title },
      to: { label: label(to), title: to.title },
      titleChanged: from.title !== to.title,
      diff: diffRows(from.body_source, to.body_source, context.t),
    })
  })

  app.get('/posts/:id/revision', { config: { permission: 'posts.write' } }, async (request, reply) => {
    const post = await postOf(request)
    if (!post) return reply.callNotFound()
    const { rev } = revisionPick.parse(request.query ?? {})
    // Without a choice (or a wrong one): the list to pick from.
    const revision = await findRevision(app.db, post.id, rev)
    if (!revision) return revisionsPage(reply, post)
    const context = adminContext(app)
    const lists = revisionLists(revision)
    return reply.adminPage('admin/revision', {
      heading: context.t.revisionOf(`${context.fmt.dateHeader(revision.created_at)} ${context.fmt.time(revision.created_at)}`),
      post: { id: post.id, title: post.title, editUrl: `/admin/posts/${post.id}`, revisionsUrl: `/admin/posts/${post.id}/revisions` },
      revision: {
        id: revision.id,
        who: revision.user_name || context.t.revisionNobody,
        title: revision.title,
        body: revision.body_source,
        tags: lists.tags.join(', '),
        status: revision.status,
        restoreAction: `/admin/posts/${post.id}/revisions/restore`,
      },
      version: post.version,
      // What restoring would change in the text: from the post as it is now to this revision.
      diff: diffRows(post.body_source, revision.body_source, context.t),
      isCurrent: revision.version === post.version,
      moved: (request.query as Record<string, unknown>).moved === '1',
    })
  })

  app.post(
    '/posts/:id/revisions/restore',
    { config: { permission: 'posts.write' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const post = await postOf(request)
      if (!post) return reply.callNotFound()
      const revision = await findRevision(app.db, post.id, revisionPick.parse(request.body ?? {}).rev)
      if (!revision) return reply.callNotFound()
      const context = adminContext(app)
      const form = parsePostForm(
        { version: (request.body as Record<string, unknown> | undefined)?.version },
        context.t,
        context.settings.timezone,
      )
      const lists = revisionLists(revision)
      const known = new Set((await app.db.selectFrom('categories').select('id').execute()).map((c) => c.id))
      // The text, title, tags and categories come back; the address and publication stay as they are now (restoring
      // an old draft of a published post does not unpublish it nor move its address).
      const restored = await updatePost(app.db, post.id, {
        title: revision.title,
        slug: post.slug,
        body: revision.body_source,
        format: revision.format,
        signature: revision.signature,
        status: post.status,
        publishedAt: post.published_at,
        categoryIds: lists.categoryIds.filter((id) => known.has(id)),
        tags: lists.tags,
        expectedVersion: form.baseVersion,
        by: request.admin!,
        restoredFrom: revision.id,
      })
      if (!restored) return reply.redirect(`/admin/posts/${post.id}/revision?rev=${revision.id}&moved=1`, 303)
      await audit(app.db, request.admin!, 'post.restore', `post ${post.id}`, { revision: revision.id, title: revision.title })
      return reply.redirect(`/admin/posts/${post.id}?done=restored`, 303)
    },
  )

  // ---- preview links ----

  app.post(
    '/posts/:id/preview-links',
    { config: { permission: 'posts.write' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const post = await postOf(request)
      if (!post) return reply.callNotFound()
      await createPreviewLink(app.db, post.id, request.admin!.username)
      await audit(app.db, request.admin!, 'preview.create', `post ${post.id}`, { title: post.title })
      return reply.redirect(`/admin/posts/${post.id}?done=previewCreated#preview-links`, 303)
    },
  )

  app.post(
    '/posts/:id/preview-links/:link/revoke',
    { config: { permission: 'posts.write' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const params = linkParams.safeParse(request.params)
      if (!params.success) return reply.callNotFound()
      if (!(await revokePreviewLink(app.db, params.data.id, params.data.link))) return reply.callNotFound()
      await audit(app.db, request.admin!, 'preview.revoke', `post ${params.data.id}`, { link: params.data.link })
      return reply.redirect(`/admin/posts/${params.data.id}?done=previewRevoked#preview-links`, 303)
    },
  )

  // ---- a save held across an expired session or a stale token, confirmed by its signed-in writer ----

  app.post('/posts/resume', { config: { permission: 'posts.write' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const form = resumeForm.parse(request.body ?? {})
    if (await resumePendingSave(app, request, reply, form.resume)) return reply
    return reply.redirect('/admin/posts', 303)
  })
}
